"""The demo complaints: every channel of N-6.1, several steps, made through the actions;
loading twice changes nothing."""

from __future__ import annotations

import pytest

from servicehall.ledger.models import LedgerEntry
from servicehall.supervision.violations import Accountability, Violation

from ..choices import Channel, Step
from ..demo import load_demo_complaints
from ..models import Complaint

pytestmark = pytest.mark.django_db


def test_demo_complaints_cover_the_channels_and_steps(world, clock):
    made = load_demo_complaints(world.office)
    assert {row.channel for row in made} == set(Channel.values)
    steps = set(Complaint.objects.values_list("step", flat=True))
    assert {row.step for row in made} == steps
    assert {Step.RECEIVED, Step.INVESTIGATING, Step.HANDLING, Step.ARCHIVED} <= steps
    assert Step.NOT_ACCEPTED in steps
    assert Violation.objects.count() == 1 and Accountability.objects.count() == 1
    entries = LedgerEntry.objects.count()
    assert load_demo_complaints(world.office) == []
    assert Complaint.objects.count() == len(made) and LedgerEntry.objects.count() == entries
