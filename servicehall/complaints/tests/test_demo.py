"""The demo complaints: every channel of N-6.1, several steps, made through the actions;
loading twice changes nothing."""

from __future__ import annotations

import pytest

from servicehall.ledger.models import LedgerEntry
from servicehall.org.choices import Role
from servicehall.supervision.violations import Accountability, Violation
from servicehall.testing import make_user

from ..access import referrals_waiting
from ..choices import Channel, Step
from ..demo import load_demo_complaints
from ..models import Complaint

pytestmark = pytest.mark.django_db


def test_demo_complaints_cover_the_channels_and_steps(world, clock):
    made = load_demo_complaints(world.office)
    # A referral is taken from another unit, by hand; the others all come in here.
    assert {row.channel for row in made} == set(Channel.values) - {Channel.REFERRAL}
    steps = set(Complaint.objects.values_list("step", flat=True))
    assert {row.step for row in made} == steps
    assert {Step.RECEIVED, Step.INVESTIGATING, Step.HANDLING, Step.ARCHIVED} <= steps
    assert Step.NOT_ACCEPTED in steps
    assert Violation.objects.count() == 1 and Accountability.objects.count() == 1
    entries = LedgerEntry.objects.count()
    assert load_demo_complaints(world.office) == []
    assert Complaint.objects.count() == len(made) and LedgerEntry.objects.count() == entries


def test_the_demo_refers_one_to_another_office_with_a_head_on_duty(world, clock):
    """It waits there to be taken; the other office's own demo is not skipped for it."""
    other_head = make_user("zhou", Role.HEAD_ON_DUTY, world.other_office, "B000")
    made = load_demo_complaints(world.office)
    referred = [row for row in made if row.step == Step.REFERRED]
    assert [row.referred_to_unit for row in referred] == [world.other_office]
    assert list(referrals_waiting(other_head)) == referred
    assert not Complaint.objects.filter(unit=world.other_office).exists()
