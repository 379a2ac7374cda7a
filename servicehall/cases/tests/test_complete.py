"""Completion (办结): approved, or refused with the rule and the reason (N-2.1); items
completed on the spot skip the reviews."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from .. import actions
from ..choices import Stage
from ..models import Case
from .conftest import written
from .factories import DAY, accept, local, person, reviewed_once, reviewed_twice


def test_completing_approved_closes_the_case(desk, clock):
    case = reviewed_twice(desk)
    clock.move_to(local(dt.date(2026, 3, 12), 16))
    with written() as w:
        case = actions.complete(desk.reviewer, case, approved=True, reason="核定按月发放")
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.COMPLETED_APPROVED
    assert case.completed_by == desk.reviewer
    assert case.completed_at == local(dt.date(2026, 3, 12), 16)
    assert case.decision_reason == "核定按月发放"
    assert case.stage_due_at is None
    assert case.due_at == local(dt.date(2026, 3, 16), 17)  # the promise, kept for the record
    assert case.completed_on_time is True
    (entry,) = w.entries
    assert entry.event_type == "cases.completed"
    assert w.payload()["approved"] is True and w.payload()["on_time"] is True


def test_a_late_completion_is_recorded_as_late(desk, clock):
    case = reviewed_twice(desk)
    clock.move_to(local(dt.date(2026, 3, 17), 9))
    with written() as w:
        case = actions.complete(desk.reviewer, case, approved=True)
    assert case.completed_on_time is False and w.payload()["on_time"] is False


def test_a_refusal_needs_the_rule_and_the_reason(desk, refused):
    case = reviewed_twice(desk)
    with refused(match="Cite the rule"):
        actions.complete(desk.reviewer, case, approved=False, reason="不符合条件")
    with refused(match="Explain the refusal"):
        actions.complete(desk.reviewer, case, approved=False, rule="《失业保险条例》第十四条")
    case = actions.complete(
        desk.reviewer, case, approved=False, rule="《失业保险条例》第十四条",
        reason="经核查，您系本人意愿中断就业，不符合领取条件。",
    )  # fmt: skip
    assert case.stage == Stage.COMPLETED_REFUSED


@pytest.mark.parametrize("step", ["accepted", "first_reviewed"])
def test_completion_only_of_a_case_waiting_for_it(desk, refused, step):
    case = accept(desk) if step == "accepted" else reviewed_once(desk)
    with refused(match="that cannot be done now"):
        actions.complete(desk.reviewer, case, approved=True)


def test_a_completed_case_is_not_completed_again(desk, refused):
    case = actions.complete(desk.reviewer, reviewed_twice(desk), approved=True)
    with refused(match="“Completed: approved”; that cannot be done now"):
        actions.complete(desk.reviewer, case, approved=True)


def test_completion_outside_the_post_is_refused_and_flagged(desk, refused):
    case = reviewed_twice(desk)
    with refused(PermissionDenied, flagged="D-08"):
        actions.complete(desk.trainee, case, approved=True)


def test_an_item_completed_on_the_spot_skips_the_reviews(desk):
    case = actions.accept(
        desk.clerk, version=desk.card, applicant=person(), channel="onsite",
        received=desk.materials(desk.card),
    )  # fmt: skip
    with written() as w:
        case = actions.complete(desk.clerk, case, approved=True, reason="当场告知制卡进度")
    assert case.stage == Stage.COMPLETED_APPROVED
    assert case.first_reviewed_by is None and case.second_reviewed_by is None
    assert case.completed_at == case.accepted_at == local(DAY, 10)
    assert [entry.event_type for entry in w.entries] == ["cases.completed"]
