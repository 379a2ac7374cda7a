"""Violations and accountability decisions (N-5.6e): recorded by the unit's head on duty or
a supervisor of the department above, against an N- or D- id, never by or about oneself;
each once; a refusal writes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from servicehall.complaints.tests import factories as f
from servicehall.ledger.models import LedgerEntry
from servicehall.supervision import actions
from servicehall.supervision.violations import Accountability, AccountabilityMeasure, Violation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def record(actor, world, **extra):
    fields = dict(unit=world.office, clause=f.clause("D-05"), staff=world.clerk,
                  description="服务时间看手机。")  # fmt: skip
    fields.update(extra)
    return actions.record_violation(actor, **fields)


def counts() -> tuple[int, int, int]:
    return LedgerEntry.objects.count(), Violation.objects.count(), Accountability.objects.count()


def unchanged(callable_, *args, error=actions.SupervisionError, **kwargs):
    before = counts()
    with pytest.raises(error):
        callable_(*args, **kwargs)
    assert counts() == before


def test_the_head_records_a_violation_found_through_a_complaint(world):
    complaint = f.investigated(world)
    row = record(world.head, world, source=complaint)
    assert (row.source_type, row.source_id, row.source_ref) == (
        "complaints.complaint", str(complaint.pk), complaint.number,
    )  # fmt: skip
    entry = LedgerEntry.objects.get(event_type="supervision.violation_recorded")
    assert entry.subject_id == str(row.pk) and entry.unit == world.office


def test_a_supervisor_above_records_and_decides(world):
    row = record(world.supervisor, world)
    decision = actions.decide_accountability(
        world.supervisor, row, staff=world.clerk, measure=AccountabilityMeasure.TRANSFER,
        reason="屡次违反。", decision_body="市局局务会",
    )  # fmt: skip
    assert decision.decided_by == world.supervisor and decision.unit == world.office
    assert decision.get_measure_display() == "Transfer from the post"


@pytest.mark.parametrize(
    "persona",
    ["clerk", "reviewer", "unit_admin", "social_supervisor", "system_admin", "security_admin",
     "audit_admin", "outsider"],
)  # fmt: skip
def test_others_may_not_record(world, persona):
    unchanged(record, getattr(world, persona), world, error=PermissionDenied)


def test_a_supervisor_of_another_city_may_not(world):
    from servicehall.org.choices import Role
    from servicehall.testing import make_user

    other = make_user("ma", Role.SUPERVISOR, world.other_city)
    unchanged(record, other, world, error=PermissionDenied)


def test_nobody_records_or_decides_about_themselves(world):
    unchanged(record, world.head, world, staff=world.head, error=PermissionDenied)
    row = record(world.head, world, staff=None)
    unchanged(
        actions.decide_accountability, world.head, row, staff=world.head,
        measure="criticism", reason="x", error=PermissionDenied,
    )  # fmt: skip


def test_the_clause_is_a_norm_or_a_prohibition(world):
    unchanged(record, world.head, world, clause=f.clause("P-W24"))
    unchanged(record, world.head, world, description="  ")
    unchanged(record, world.head, world, staff=world.outsider)


def test_a_violation_is_recorded_once_per_source_and_clause(world):
    complaint = f.investigated(world)
    record(world.head, world, source=complaint)
    unchanged(record, world.head, world, source=complaint)
    # Another clause of the same complaint is another violation.
    record(world.head, world, source=complaint, clause=f.clause("D-06"))


def test_an_accountability_decision_needs_staff_measure_and_reasons_and_is_made_once(world):
    row = record(world.head, world)
    decide = actions.decide_accountability
    unchanged(decide, world.head, row, staff=world.outsider, measure="criticism", reason="x")
    unchanged(decide, world.head, row, staff=world.clerk, measure="fine", reason="x")
    unchanged(decide, world.head, row, staff=world.clerk, measure="criticism", reason=" ")
    decide(world.head, row, staff=world.clerk, measure="criticism", reason="初次")
    unchanged(decide, world.head, row, staff=world.clerk, measure="warning", reason="再次")


def test_a_supervisor_records_only_in_the_units_below_not_in_their_own(world):
    """N-5.6e, N-6.2: the supervisor of the city bureau supervises the offices below it,
    not the bureau they belong to (as for the appeals of bad ratings)."""
    unchanged(record, world.supervisor, world, unit=world.city, staff=None, error=PermissionDenied)
    assert not actions.may_decide(world.supervisor, world.city)
    assert actions.may_decide(world.supervisor, world.office)


# The prohibitions the system carries by recording them only (mode "record", no detection
# or enforcement of their own): a finding of any of them, by a complaint, an inspection or a
# social supervisor's visit (N-6.3), is a violation recorded here.
RECORDED_ONLY = ("D-02", "D-03", "D-04", "D-05", "D-14", "D-15", "D-16", "D-17", "D-20")


def test_the_prohibitions_carried_by_record_alone_are_those_the_norms_say():
    from servicehall.norms.models import Clause

    recorded_only = Clause.objects.filter(code__startswith="D-", modes=["record"])
    assert tuple(recorded_only.order_by("code").values_list("code", flat=True)) == RECORDED_ONLY


@pytest.mark.parametrize("code", RECORDED_ONLY)
def test_a_finding_of_each_prohibition_carried_by_record_is_a_violation(world, code):
    row = record(world.head, world, clause=f.clause(code), description="社会监督员暗访发现。")
    assert Violation.objects.get(pk=row.pk).clause_id == f.clause(code).pk
    entry = LedgerEntry.objects.get(event_type="supervision.violation_recorded")
    assert entry.subject_id == str(row.pk)
