"""The ledger vouches for complaints, their warnings and time limits, and for violations and
accountability decisions (invariant 1, D-11): an edit behind the application's back is found."""

from __future__ import annotations

import datetime as dt

import pytest

from servicehall.ledger.verify import verify_all
from servicehall.supervision.violations import Accountability

from .. import actions
from ..models import Complaint
from ..sweep import sweep
from . import factories as f

pytestmark = pytest.mark.django_db


def test_the_ledger_vouches_for_the_whole_flow(world, clock):
    f.archived(world)
    f.online(world, anonymous=True)
    actions.set_limits(world.unit_admin, world.office, reply_days=3)
    clock.move_to(f.local(dt.date(2026, 3, 20), 10))
    assert sweep()
    assert verify_all()[0] == []


@pytest.mark.parametrize(
    "change",
    [
        {"step": "archived"},
        {"content": "改过的内容"},
        {"reply": "另一个答复"},
        {"phone_token": ""},
    ],
)
def test_a_complaint_changed_behind_the_applications_back_is_found(world, clock, change):
    complaint = f.replied(world)
    Complaint.objects.filter(pk=complaint.pk).update(**change)
    problems, _summary = verify_all()
    assert [problem.kind for problem in problems] == ["row changed behind the ledger"]


def test_a_softened_accountability_measure_is_found(world, clock):
    f.handled(world)
    Accountability.objects.update(measure="criticism", reason="改轻了")
    problems, _summary = verify_all()
    assert [problem.kind for problem in problems] == ["row changed behind the ledger"]
