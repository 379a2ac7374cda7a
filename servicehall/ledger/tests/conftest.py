"""Fixtures of the ledger tests: a test event type and a ledger built through the roster
actions (the flush of append-only tables is in the root conftest)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from servicehall.ledger import registry
from servicehall.ledger.models import Checkpoint, LedgerEntry
from servicehall.org import actions as roster
from servicehall.org.choices import Role
from servicehall.org.models import DutyAssignment, Unit, User, Window
from servicehall.testing import World, make_user

TEST_EVENT = "test.note"
DAY1 = dt.date(2026, 3, 2)
DAY2 = dt.date(2026, 3, 3)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed with a fast hasher: Argon2 costs ~0.1 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def test_event(monkeypatch) -> str:
    """A registered event type for tests of the primitive, removed again afterwards."""
    spec = registry.EventType(TEST_EVENT, 1, "A note written by a test.")
    monkeypatch.setitem(registry._event_types, TEST_EVENT, spec)
    return TEST_EVENT


@dataclass
class RosterLedger:
    """The office's ledger after a few roster changes, and a one-entry ledger next door.

    Office entries: 1 clerk at window 1 on day 1, 2 the head on duty on day 1, 3 the
    reviewer at window 2 on day 1, 4 the clerk on day 2, 5 the reviewer on day 2,
    6 the reviewer's day-2 assignment removed; checkpoint at size 6; then 7 the head on
    duty on day 2 (after the checkpoint).
    """

    world: World
    office: Unit
    other_office: Unit
    other_head: User
    window1: Window
    window2: Window
    rows: dict[str, DutyAssignment]
    checkpoint: Checkpoint

    def entry(self, seq: int, unit: Unit | None = None) -> LedgerEntry:
        return LedgerEntry.objects.get(unit=unit or self.office, seq=seq)


@pytest.fixture
def roster_ledger(world) -> RosterLedger:
    from servicehall.ledger.proofs import make_checkpoint

    head, office = world.head, world.office
    window1 = Window.objects.get(unit=office, number=1)
    window2 = Window.objects.create(unit=office, number=2, name="综合受理二")
    rows = {
        "clerk_day1": roster.assign_duty(
            head, unit=office, date=DAY1, staff=world.clerk, window=window1
        ),
        "head_day1": roster.assign_duty(
            head, unit=office, date=DAY1, staff=world.head, head_on_duty=True
        ),
        "reviewer_day1": roster.assign_duty(
            head, unit=office, date=DAY1, staff=world.reviewer, window=window2
        ),
        "clerk_day2": roster.assign_duty(
            head, unit=office, date=DAY2, staff=world.clerk, window=window1
        ),
    }
    reviewer_day2 = roster.assign_duty(
        head, unit=office, date=DAY2, staff=world.reviewer, window=window2
    )
    roster.remove_duty(head, reviewer_day2, reason="调休")
    checkpoint = make_checkpoint(office)
    rows["head_day2"] = roster.assign_duty(
        head, unit=office, date=DAY2, staff=world.head, head_on_duty=True
    )
    other_head = make_user("zhou", Role.HEAD_ON_DUTY, world.other_office, "B000")
    rows["outsider_day1"] = roster.assign_duty(
        other_head,
        unit=world.other_office,
        date=DAY1,
        staff=world.outsider,
        window=Window.objects.get(unit=world.other_office, number=1),
    )
    return RosterLedger(
        world=world,
        office=office,
        other_office=world.other_office,
        other_head=other_head,
        window1=window1,
        window2=window2,
        rows=rows,
        checkpoint=checkpoint,
    )
