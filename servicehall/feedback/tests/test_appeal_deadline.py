"""The clock stands while the department above decides an appeal (申诉复核, N-2.5, N-5.6e):
a rejected appeal moves the rectification's deadline and its warning on by the working days
the appeal took (invariant 8), so a slow decision does not make it overdue at once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from servicehall.feedback import actions
from servicehall.feedback.models import Rectification
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import verify_all
from servicehall.org.calendar import calendar_for

from .factories import DAY, local, rectification

pytestmark = pytest.mark.usefixtures("clock", "english")


def _closing(world, day: dt.date) -> dt.datetime:
    return calendar_for(world.office).deadline(day, 0).closes_at


def _appeal(world, clock, when: dt.datetime) -> Rectification:
    rect = rectification(world)
    clock.move_to(when)
    actions.record_contact(world.clerk, rect, note="电话联系")
    return actions.appeal(world.clerk, rect, reason="系统故障，非窗口原因")


def _decision_entry(rect) -> dict:
    entry = LedgerEntry.objects.get(event_type="feedback.appeal_decided", subject_id=str(rect.pk))
    return json.loads(entry.payload)


def test_a_rejected_appeal_over_a_weekend_moves_the_deadline_by_the_working_days_it_took(
    world, clock
):
    # Rated on Monday 2 March: due on Monday 23 March, warned on Wednesday 18 March.
    rect = _appeal(world, clock, local(dt.date(2026, 3, 20), 10))  # a Friday, day 14 of 15
    assert rect.due_at == _closing(world, dt.date(2026, 3, 23))
    assert rect.warn_at == _closing(world, dt.date(2026, 3, 18))

    # Decided on Tuesday 31 March: 23-27 March and 30-31 March, seven working days.
    clock.move_to(local(dt.date(2026, 3, 31), 10))
    rect = actions.decide_appeal(world.supervisor, rect, upheld=False, note="差评成立")

    row = Rectification.objects.get(pk=rect.pk)
    assert row.status == "open"
    assert row.due_at == _closing(world, dt.date(2026, 4, 1))
    assert row.warn_at == _closing(world, dt.date(2026, 3, 27))
    assert not Rectification.objects.overdue(timezone.now()).exists()
    assert _decision_entry(row)["stood_days"] == 7
    assert _decision_entry(row)["state"]["due_at"] is not None
    problems, _summary = verify_all()
    assert [p for p in problems if "feedback." in p.detail] == []

    clock.move_to(_closing(world, dt.date(2026, 4, 1)) + dt.timedelta(minutes=1))
    assert list(Rectification.objects.overdue(timezone.now())) == [row]


def test_the_may_day_holiday_does_not_count_and_the_adjusted_saturday_does(world, clock):
    """Rated on Wednesday 29 April 2026: 30 April, 6-9 May (9 May is an adjusted working
    Saturday, 调休), 11-15 and 18-22 May, due on Friday 22 May. Appealed on 30 April and
    decided on Thursday 7 May: the holiday (1-5 May) stood still, 6 and 7 May count."""
    clock.move_to(local(dt.date(2026, 4, 29), 10))
    rect = _appeal(world, clock, local(dt.date(2026, 4, 30), 10))
    assert rect.due_at == _closing(world, dt.date(2026, 5, 22))

    clock.move_to(local(dt.date(2026, 5, 7), 10))
    rect = actions.decide_appeal(world.supervisor, rect, upheld=False, note="差评成立")

    assert _decision_entry(rect)["stood_days"] == 2
    assert rect.due_at == _closing(world, dt.date(2026, 5, 26))
    assert rect.warn_at == _closing(world, dt.date(2026, 5, 21))  # 19 May, two on


@pytest.mark.parametrize(
    "decided",
    [local(DAY + dt.timedelta(days=4), 16), local(DAY + dt.timedelta(days=6), 10)],
    ids=["the-same-day", "on-the-sunday"],
)
def test_a_decision_within_no_working_day_leaves_the_deadline(world, clock, decided):
    appealed = local(DAY + dt.timedelta(days=4), 10)  # Friday 6 March
    rect = _appeal(world, clock, appealed)
    due, warn = rect.due_at, rect.warn_at
    clock.move_to(decided)
    rect = actions.decide_appeal(world.supervisor, rect, upheld=False, note="差评成立")
    assert (rect.due_at, rect.warn_at) == (due, warn)
    assert _decision_entry(rect)["stood_days"] == 0


def test_an_upheld_appeal_keeps_its_deadline_for_the_record(world, clock):
    rect = _appeal(world, clock, local(DAY, 11))
    due = rect.due_at
    clock.move_to(local(DAY + dt.timedelta(days=14), 10))
    rect = actions.decide_appeal(world.supervisor, rect, upheld=True, note="确属误评")
    assert (rect.status, Rectification.objects.get(pk=rect.pk).due_at) == ("set_aside", due)
