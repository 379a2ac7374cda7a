"""A clerk takes an online application (N-5.3): accepts it, asks for corrections with the
one-time notice (N-5.6c) or refuses it with the rule and an explanation (N-2.1), through
the same actions as at the counter (``case=``). Whoever takes it becomes its first-contact
owner (N-5.6a); the time limit runs from the acceptance, not from the submission (N-5.6d);
authority is checked as at the counter and every attempt beyond it is flagged (N-3.4,
D-08); a refused attempt changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from .. import actions, deadlines
from ..choices import Stage
from ..models import Case
from .conftest import written
from .factories import DAY, local, submitted

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 3, 3)


def test_accepting_an_online_application_starts_the_limit_then(desk, clock):
    """N-5.6a, N-5.6d: the accepting clerk owns it; the limit counts from acceptance."""
    case = submitted(desk, declared=1)  # Monday 10:00, the client declared one material
    clock.move_to(local(TUESDAY, 9))
    with written() as w:
        case = actions.accept(desk.clerk, case=case, received=desk.materials())
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.FIRST_REVIEW
    assert (case.owner, case.handler, case.accepted_by) == (desk.clerk,) * 3
    assert case.accepted_at == local(TUESDAY, 9) and case.received_at == local(DAY, 10)
    # 10 working days after Tuesday 3 March 2026: Tuesday 17 March (not Monday 16).
    assert case.due_at == local(dt.date(2026, 3, 17), 17)
    assert case.accept_due_at == local(TUESDAY, 17)  # kept, for the record
    # What the clerk received, not what the client declared.
    assert list(case.materials.order_by("order")) == desk.materials()
    assert [entry.event_type for entry in w.entries] == ["cases.accepted"]
    payload = w.payload()
    assert payload["submitted_online"] is True and payload["state"]["owner"] == desk.clerk.pk


def test_the_green_channel_and_an_agent_may_be_given_at_acceptance(desk):
    case = actions.accept(
        desk.clerk, case=submitted(desk), received=desk.materials(), green_reason="elderly",
        agent=desk.checker,
    )  # fmt: skip
    assert case.limit_days == 5 and case.green_reason == "elderly"
    assert case.owner == desk.clerk and case.handler == case.agent == desk.checker


def test_missing_originals_are_not_accepted(desk, refused):
    case = submitted(desk)
    with refused(match="Missing: 解除劳动合同证明"):
        actions.accept(desk.clerk, case=case, received=desk.materials()[:1])


def test_an_application_is_taken_once(desk, refused):
    case = submitted(desk)
    actions.accept(desk.clerk, case=case, received=desk.materials())
    with refused(match="cannot be done now"):
        actions.accept(desk.clerk, case=case, received=desk.materials())
    with refused(match="cannot be done now"):
        actions.refuse_acceptance(desk.clerk, case=case, rule="第十四条", explanation="不符合")


def test_a_ticket_does_not_go_with_an_online_application(desk, refused):
    from .factories import called_ticket

    ticket = called_ticket(desk)
    case = submitted(desk)
    with refused(match="without a ticket"):
        actions.accept(desk.clerk, case=case, received=desk.materials(), ticket=ticket)


def test_corrections_send_the_one_time_notice_and_the_clerk_owns_it(desk, clock):
    """N-5.6c: every missing material at once; acceptance comes when they are brought."""
    case = submitted(desk, declared=3)
    with written() as w:
        case = actions.request_correction(
            desk.clerk, case=case, received=desk.materials()[:1], return_place="一楼3号窗口",
            notes="请携带原件",
        )  # fmt: skip
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.CORRECTION and case.accepted_at is None
    assert (case.owner, case.handler) == (desk.clerk, desk.clerk)
    notice = case.notices.get()
    assert list(notice.missing.order_by("order")) == desk.materials()[1:]
    assert [entry.event_type for entry in w.entries] == ["cases.correction_requested"]
    assert w.payload()["notice"] == notice.number
    clock.move_to(local(dt.date(2026, 3, 4), 10))
    case = actions.resume(desk.clerk, case, received=desk.materials()[1:])
    assert case.stage == Stage.FIRST_REVIEW and case.accepted_at == local(dt.date(2026, 3, 4), 10)


def test_corrections_need_something_missing_and_a_return_place(desk, refused):
    case = submitted(desk)
    with refused(match="Nothing is missing"):
        actions.request_correction(
            desk.clerk, case=case, received=desk.materials(), return_place="一楼"
        )
    with refused(match="where to come back"):
        actions.request_correction(
            desk.clerk, case=case, received=desk.materials()[:1], return_place=" "
        )


def test_refusing_an_online_application_names_the_rule_and_the_clerk_owns_it(desk):
    """N-2.1, N-5.3: the refusal notice is numbered; the refusing clerk is the owner."""
    case = submitted(desk)
    with written() as w:
        case = actions.refuse_acceptance(
            desk.clerk, case=case, rule="《失业保险条例》第十四条", explanation="参保不满一年"
        )
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.NOT_ACCEPTED
    assert (case.owner, case.handler, case.completed_by) == (desk.clerk,) * 3
    assert case.decision_number == f"BSL-O1-{DAY.year}-000001"
    assert [entry.event_type for entry in w.entries] == ["cases.acceptance_refused"]


def test_no_refusal_without_the_rule_and_an_explanation(desk, refused):
    case = submitted(desk)
    with refused(match="Cite the rule"):
        actions.refuse_acceptance(desk.clerk, case=case, rule=" ", explanation="不符合")
    with refused(match="Explain the refusal"):
        actions.refuse_acceptance(desk.clerk, case=case, rule="第十四条", explanation="")


@pytest.mark.parametrize("how", ["accept", "correct", "refuse"])
def test_a_clerk_without_authority_is_refused_and_flagged(desk, refused, how):
    """N-3.4, D-08: zhou's post covers nothing; each attempt is flagged, nothing written."""
    case = submitted(desk)
    with refused(PermissionDenied, match="escalation", flagged="D-08"):
        if how == "accept":
            actions.accept(desk.trainee, case=case, received=desk.materials())
        elif how == "correct":
            actions.request_correction(
                desk.trainee, case=case, received=desk.materials()[:1], return_place="一楼"
            )
        else:
            actions.refuse_acceptance(desk.trainee, case=case, rule="第十四条", explanation="否")


def test_another_offices_clerk_is_refused_and_flagged(desk, refused):
    case = submitted(desk)
    with refused(PermissionDenied, flagged="D-08"):
        actions.accept(desk.world.outsider, case=case, received=desk.materials())


def test_an_approved_escalation_lets_the_clerk_take_it_once(desk):
    """N-3.4: the escalation is about this application's acceptance."""
    case = submitted(desk)
    row = actions.escalate(desk.trainee, case=case, reason="受理岗外出")
    assert row.stage == "accept"
    actions.decide_escalation(desk.head, row, approve=True, reason="同意")
    case = actions.accept(desk.trainee, case=case, received=desk.materials())
    assert case.owner == desk.trainee
    row.refresh_from_db()
    assert row.used_for == case


def test_an_application_waiting_for_acceptance_is_not_handed_over(desk, refused):
    case = submitted(desk)
    with refused(match="cannot be done now"):
        actions.hand_over(desk.head, case, to=desk.clerk, reason="分派")


def test_late_applications_are_a_query_on_the_acceptance_deadline(desk, clock):
    """N-5.4 不积压: overdue once the deadline has passed, not before."""
    case = submitted(desk)
    assert deadlines.ACCEPT_WITHIN_DAYS == 1
    assert not Case.objects.acceptance_overdue(local(TUESDAY, 17)).exists()
    assert list(Case.objects.acceptance_overdue(local(TUESDAY, 17, 1))) == [case]
    actions.accept(desk.clerk, case=case, received=desk.materials())
    assert not Case.objects.acceptance_overdue(local(TUESDAY, 18)).exists()
