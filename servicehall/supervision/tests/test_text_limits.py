"""A violation's description and an accountability decision's reasons take at most 2000
characters, whoever calls the action (N-5.6e): longer is refused with a translated error
naming the field, and nothing is written."""

from __future__ import annotations

import pytest
from django.utils import translation

from servicehall.complaints.tests import factories as f
from servicehall.ledger.models import LedgerEntry
from servicehall.supervision import actions
from servicehall.supervision.violations import Accountability, AccountabilityMeasure, Violation

pytestmark = pytest.mark.django_db


def _counts():
    return LedgerEntry.objects.count(), Violation.objects.count(), Accountability.objects.count()


def _violation(world, description="服务时间看手机。"):
    return actions.record_violation(
        world.head, unit=world.office, clause=f.clause("D-05"), staff=world.clerk,
        description=description,
    )  # fmt: skip


def test_a_description_of_the_limit_is_taken_and_one_more_is_refused(world):
    assert _violation(world, "查" * actions.TEXT_MAX_LENGTH).description.startswith("查")
    Violation.objects.all().delete()
    before = _counts()
    with translation.override("zh-hans"), pytest.raises(actions.SupervisionError) as refused:
        _violation(world, "查" * (actions.TEXT_MAX_LENGTH + 1))
    assert "description" in refused.value.message_dict
    assert "2001" in refused.value.message_dict["description"][0]
    assert _counts()[1:] == before[1:]


def test_over_long_reasons_of_a_decision_are_refused(world):
    violation = _violation(world)
    before = _counts()
    with pytest.raises(actions.SupervisionError) as refused:
        actions.decide_accountability(
            world.head, violation, staff=world.clerk,
            measure=AccountabilityMeasure.values[0], reason="因" * 2001,
        )  # fmt: skip
    assert "reason" in refused.value.message_dict
    assert _counts() == before
