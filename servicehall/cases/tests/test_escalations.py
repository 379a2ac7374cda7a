"""Escalations (请示, N-3.4, D-08): beyond one's post one asks the head on duty, who approves
or refuses with a reason; an approval lets its requester act once, at that stage of that
case. Every attempt beyond authority is flagged."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from .. import actions
from ..choices import EscalationStatus, Stage
from ..models import Escalation
from .conftest import detections, written
from .factories import accept, person


def _ask(desk, case=None, **extra):
    data = {"reason": "审核岗同事今日外出培训，客户急需办理"} | extra
    if case is None:
        return actions.escalate(desk.trainee, version=desk.benefit, **data)
    return actions.escalate(desk.trainee, case=case, **data)


def test_an_escalation_goes_to_the_head_on_duty(desk):
    case = accept(desk)
    with written() as w:
        row = _ask(desk, case)
    row.refresh_from_db()
    assert (row.unit, row.case, row.item, row.stage) == (
        desk.world.office, case, desk.benefit.item, "first_review",
    )  # fmt: skip
    assert row.status == EscalationStatus.REQUESTED and row.requested_by == desk.trainee
    (entry,) = w.entries
    assert (entry.event_type, entry.subject_type) == ("cases.escalated", "cases.escalation")
    assert w.payload()["state"] == actions.escalation_state(row)


def test_the_head_approves_with_a_reason_and_the_requester_acts_once(desk, refused):
    case = accept(desk)
    row = _ask(desk, case)
    with written() as w:
        row = actions.decide_escalation(desk.head, row, approve=True, reason="同意，特事特办")
    assert (row.status, row.decided_by, row.decision_reason) == (
        EscalationStatus.APPROVED, desk.head, "同意，特事特办",
    )  # fmt: skip
    assert w.entries[0].event_type == "cases.escalation_decided"

    with written() as w:
        case = actions.first_review(desk.trainee, case, note="经请示同意")
    assert case.stage == Stage.SECOND_REVIEW and case.first_reviewed_by == desk.trainee
    assert w.payload()["escalation"] == row.pk
    row.refresh_from_db()
    assert row.used_at is not None and row.used_for == case
    assert not detections()

    # Used: the next stage is beyond the post again, and so is the same stage of another case.
    with refused(PermissionDenied, flagged="D-08"):
        actions.second_review(desk.trainee, case)


def test_an_approval_covers_only_its_own_case(desk, refused):
    first, second = accept(desk, 1), accept(desk, 2)
    row = _ask(desk, first)
    actions.decide_escalation(desk.head, row, approve=True, reason="同意")
    with refused(PermissionDenied, flagged="D-08"):
        actions.first_review(desk.trainee, second)


def test_an_approval_to_accept_allows_one_acceptance(desk, refused):
    row = _ask(desk)
    assert row.case is None and row.stage == "accept"
    actions.decide_escalation(desk.head, row, approve=True, reason="同意")
    case = actions.accept(
        desk.trainee, version=desk.benefit, applicant=person(), channel="online",
        received=desk.materials(),
    )  # fmt: skip
    row.refresh_from_db()
    assert row.used_for == case and case.accepted_by == desk.trainee
    with refused(PermissionDenied, flagged="D-08"):
        actions.accept(
            desk.trainee, version=desk.benefit, applicant=person(2), channel="online",
            received=desk.materials(),
        )  # fmt: skip


def test_a_refused_escalation_grants_nothing(desk, refused):
    case = accept(desk)
    row = actions.decide_escalation(
        desk.head, _ask(desk, case), approve=False, reason="请转审核岗办理"
    )
    assert row.status == EscalationStatus.REFUSED
    with refused(PermissionDenied, flagged="D-08"):
        actions.first_review(desk.trainee, case)


def test_the_decision_needs_a_reason(desk, refused):
    row = _ask(desk, accept(desk))
    with refused(match="reason for the decision"):
        actions.decide_escalation(desk.head, row, approve=True, reason=" ")


def test_only_the_head_on_duty_decides_and_the_attempt_is_flagged(desk, refused):
    row = _ask(desk, accept(desk))
    with refused(PermissionDenied, match="Only the head on duty", flagged="D-08"):
        actions.decide_escalation(desk.reviewer, row, approve=True, reason="我同意")
    # The head's role alone is not enough: the post approves escalations.
    desk.head.post = None
    desk.head.save(update_fields=["post"])
    with refused(PermissionDenied, flagged="D-08"):
        actions.decide_escalation(desk.head, row, approve=True, reason="同意")


def test_a_decision_is_made_once(desk, refused):
    row = _ask(desk, accept(desk))
    actions.decide_escalation(desk.head, row, approve=True, reason="同意")
    with refused(match="decided already"):
        actions.decide_escalation(desk.head, row, approve=False, reason="改主意")


def test_no_one_decides_their_own_escalation(desk, refused):
    case = accept(desk)
    row = actions.escalate(desk.head, case=case, reason="本人需代为初审")
    with refused(match="Another head decides your own request"):
        actions.decide_escalation(desk.head, row, approve=True, reason="同意")
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.filter(pk=row.pk).update(decided_by=desk.head)


def test_an_escalation_needs_a_reason(desk, refused):
    case = accept(desk)
    with refused(match="act beyond your post"):
        _ask(desk, case, reason="")


def test_no_escalation_for_what_the_post_covers(desk, refused):
    case = accept(desk)
    with refused(match="covers this already"):
        actions.escalate(desk.reviewer, case=case, reason="确认一下")


def test_one_open_request_at_a_time(desk, refused):
    case = accept(desk)
    _ask(desk, case)
    with refused(match="asked for this already"):
        _ask(desk, case)


def test_staff_of_another_unit_cannot_escalate_its_cases(desk, refused):
    case = accept(desk)
    with refused(PermissionDenied, flagged="D-08"):
        actions.escalate(desk.world.outsider, case=case, reason="帮忙看看")


def test_a_finished_case_needs_no_escalation(desk, refused):
    case = actions.refuse_acceptance(
        desk.clerk, rule="《失业保险条例》第十四条", explanation="不符合条件",
        version=desk.benefit, applicant=person(), channel="online",
    )  # fmt: skip
    with refused(match="finished"):
        _ask(desk, case)


def test_someone_of_no_unit_cannot_escalate(desk, refused):
    with refused(PermissionDenied, flagged="D-08"):
        actions.escalate(desk.world.system_admin, version=desk.benefit, reason="试试")
