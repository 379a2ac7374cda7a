"""The complaints sweep warns once when a step is due soon and once when it is overdue
(N-6.1); each warning writes one ledger entry by the system."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from servicehall.ledger.choices import Channel
from servicehall.ledger.models import LedgerEntry

from ..choices import Step, WarningLevel
from ..models import ComplaintWarning
from ..sweep import sweep
from . import factories as f

pytestmark = pytest.mark.django_db


def test_due_soon_then_overdue_each_once(world, clock):
    complaint = f.accepted(world)  # investigation due Monday 9 March 17:00, warning Friday 6
    assert sweep() == []
    clock.move_to(f.local(dt.date(2026, 3, 6), 17, 5))
    [warning] = sweep()
    assert (warning.level, warning.step, warning.handler) == (
        WarningLevel.DUE_SOON, Step.INVESTIGATING, world.reviewer,
    )  # fmt: skip
    assert sweep() == []
    clock.move_to(f.local(dt.date(2026, 3, 9), 17, 5))
    [warning] = sweep()
    assert warning.level == WarningLevel.OVERDUE and warning.complaint == complaint
    assert sweep() == []
    entries = LedgerEntry.objects.filter(event_type="complaints.deadline_warning")
    assert entries.count() == 2
    assert {entry.channel for entry in entries} == {Channel.SYSTEM}


def test_a_step_first_seen_overdue_gets_only_the_overdue_warning(world, clock):
    f.online(world)
    clock.move_to(f.local(dt.date(2026, 3, 20), 10))
    assert [w.level for w in sweep()] == [WarningLevel.OVERDUE]


def test_closed_complaints_get_no_warning(world, clock):
    f.archived(world)
    clock.move_to(f.local(dt.date(2026, 6, 1), 10))
    assert sweep() == [] and not ComplaintWarning.objects.exists()


def test_the_command_runs_one_pass(world, clock, capsys):
    f.online(world)
    clock.move_to(f.local(dt.date(2026, 3, 20), 10))
    call_command("complaints_sweep")
    assert "1 warning(s) issued" in capsys.readouterr().out
