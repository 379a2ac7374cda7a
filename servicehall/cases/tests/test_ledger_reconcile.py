"""``ledger verify`` vouches for cases, escalations and cards: each row equals the state its
latest entry recorded, so an edit behind the application's back is found (D-11, D-18)."""

from __future__ import annotations

import datetime as dt

import pytest

from servicehall.ledger.verify import verify_all

from .. import actions
from ..models import Applicant, Case, DeadlineCard
from ..sweep import sweep
from .factories import accept, in_correction, local, reviewed_twice, submitted


def _problems(prefix: str = "cases.") -> list[str]:
    problems, _summary = verify_all()
    return [f"{problem.kind}: {problem.detail}" for problem in problems if prefix in problem.detail]


@pytest.fixture
def lifecycle(desk, clock):
    """A completed case, a handed-over one with an approved escalation, and cards."""
    done = actions.complete(desk.reviewer, reviewed_twice(desk, 1), approved=True)
    other = accept(desk, 2)
    row = actions.escalate(desk.trainee, case=other, reason="审核岗外出")
    actions.decide_escalation(desk.head, row, approve=True, reason="同意")
    other = actions.first_review(desk.trainee, other)
    other = actions.hand_over(desk.clerk, other, to=desk.trainee, reason="调岗")
    clock.move_to(local(dt.date(2026, 3, 20), 9))
    assert sweep()
    return done, other


def test_a_whole_lifecycle_reconciles(lifecycle):
    assert _problems() == []


def test_a_case_edited_behind_the_ledger_is_found(lifecycle):
    done, _other = lifecycle
    Case.objects.filter(pk=done.pk).update(stage="refused", decision_rule="x", decision_reason="y")
    assert _problems() == [
        f"row changed behind the ledger: cases.case {done.pk} differs from the state its "
        "latest entry recorded"
    ]


def test_an_applicant_edited_behind_the_ledger_is_found(lifecycle):
    done, _other = lifecycle
    Applicant.objects.filter(pk=done.applicant_id).update(name="李四")
    assert len(_problems()) == 1


def test_a_material_removed_behind_the_ledger_is_found(lifecycle):
    done, _other = lifecycle
    done.materials.remove(done.materials.first())
    assert len(_problems()) == 1


def test_a_card_that_disappears_is_found(lifecycle):
    card = DeadlineCard.objects.first()
    pk = card.pk
    card.delete()
    assert _problems() == [
        f"row deleted behind the ledger: cases.deadlinecard {pk} is recorded but missing"
    ]


def test_a_case_with_its_one_time_notice_reconciles(desk):
    in_correction(desk)
    assert _problems("catalogue.onetimenotice") == []


def test_online_applications_reconcile_in_every_state(desk, clock):
    """N-1.2, D-11: waiting for acceptance, accepted, sent to correction, not accepted:
    each row equals the state its latest entry recorded (the portal's entry included)."""
    waiting = submitted(desk, 1, note="请上午联系")
    actions.accept(desk.clerk, case=submitted(desk, 2), received=desk.materials())
    actions.request_correction(
        desk.clerk, case=submitted(desk, 3), received=desk.materials()[:1], return_place="一楼"
    )
    actions.refuse_acceptance(
        desk.clerk, case=submitted(desk, 4), rule="第十四条", explanation="参保不满一年"
    )
    assert _problems() == []
    # Taken behind the ledger's back: found.
    Case.objects.filter(pk=waiting.pk).update(owner=desk.clerk, handler=desk.clerk)
    assert _problems() == [
        f"row changed behind the ledger: cases.case {waiting.pk} differs from the state its "
        "latest entry recorded"
    ]


def test_an_acceptance_deadline_moved_behind_the_ledger_is_found(desk):
    case = submitted(desk)
    Case.objects.filter(pk=case.pk).update(accept_due_at=local(dt.date(2026, 3, 20), 17))
    assert len(_problems()) == 1
