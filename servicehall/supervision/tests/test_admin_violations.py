"""The violations and accountability decisions (N-5.6e) in the admin: read only, since they
are recorded through ``supervision.actions`` and the ledger; a unit administrator sees only
their own unit's; nothing of the complainant whose complaint found them (D-10)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from servicehall.complaints.identity import mask_name
from servicehall.complaints.tests import factories as f
from servicehall.ledger.models import LedgerEntry
from servicehall.org.choices import Role
from servicehall.supervision import actions
from servicehall.supervision.violations import Accountability, Violation
from servicehall.testing import log_in, make_user

pytestmark = pytest.mark.django_db

VIOLATIONS = "admin:supervision_violation_changelist"
DECISIONS = "admin:supervision_accountability_changelist"
SECRETS = (f.NAME, mask_name(f.NAME), f.PHONE, f.ID_NUMBER)


@pytest.fixture
def records(world):
    """A violation with its decision in the office (found by a named complaint) and one in
    the other city's office."""
    with time_machine.travel(f.local(f.DAY, 10), tick=False):
        complaint = f.with_accountability(world)
        ours = Violation.objects.get(source_id=str(complaint.pk))
        head = make_user("he", Role.HEAD_ON_DUTY, world.other_office, "B000")
        theirs = actions.record_violation(
            head, unit=world.other_office, clause=f.clause("D-03"), staff=world.outsider,
            description="乙市窗口脱岗。",
        )  # fmt: skip
        actions.decide_accountability(
            head, theirs, staff=world.outsider, measure="warning", reason="乙市诫勉。"
        )
    return complaint, ours, theirs


def _text(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_unit_administrator_sees_only_their_units_violations(client, world, records):
    complaint, ours, theirs = records
    log_in(client, world.unit_admin)

    violations = _text(client, reverse(VIOLATIONS))
    decisions = _text(client, reverse(DECISIONS))
    page = _text(client, reverse("admin:supervision_violation_change", args=[ours.pk]))

    assert complaint.number in violations and "D-05" in violations
    assert "D-03" not in violations and world.other_office.name not in violations
    assert world.office.name in decisions and world.other_office.name not in decisions
    assert "服务时间看手机。" in page and complaint.number in page
    for text in (violations, decisions, page):
        assert all(secret not in text for secret in SECRETS)
    other = client.get(reverse("admin:supervision_violation_change", args=[theirs.pk]))
    assert other.status_code == 302  # not among theirs: back to the admin's index


def test_the_system_administrator_sees_every_unit(client, world, records):
    log_in(client, world.system_admin)
    violations = _text(client, reverse(VIOLATIONS))
    decisions = _text(client, reverse(DECISIONS))
    assert "D-05" in violations and "D-03" in violations
    assert world.other_office.name in decisions and world.office.name in decisions
    only_warnings = _text(client, reverse(DECISIONS), measure="warning")
    assert "B001" in only_warnings and "A001" not in only_warnings  # staff held responsible


def test_violations_and_decisions_are_never_added_changed_or_deleted_here(client, world, records):
    _complaint, ours, _theirs = records
    decision = Accountability.objects.get(violation=ours)
    before = LedgerEntry.objects.count()
    log_in(client, world.system_admin)

    refused = [
        client.get(reverse("admin:supervision_violation_add")),
        client.get(reverse("admin:supervision_accountability_add")),
        client.post(reverse("admin:supervision_violation_change", args=[ours.pk]),
                    {"description": "改过", "_save": "1"}),
        client.post(reverse("admin:supervision_accountability_change", args=[decision.pk]),
                    {"measure": "transfer", "_save": "1"}),
        client.post(reverse("admin:supervision_violation_delete", args=[ours.pk]),
                    {"post": "yes"}),
        client.post(reverse("admin:supervision_accountability_delete", args=[decision.pk]),
                    {"post": "yes"}),
    ]  # fmt: skip

    assert [response.status_code for response in refused] == [403] * 6
    assert Violation.objects.get(pk=ours.pk).description == "服务时间看手机。"
    assert Accountability.objects.get(pk=decision.pk).measure == "criticism"
    assert Violation.objects.count() == 2 and Accountability.objects.count() == 2
    assert LedgerEntry.objects.count() == before


def test_staff_who_are_not_administrators_have_no_violations_admin(client, world, records):
    world.head.is_staff = True
    world.head.save(update_fields=["is_staff"])
    log_in(client, world.head)
    assert client.get(reverse(VIOLATIONS)).status_code == 403
    assert client.get(reverse(DECISIONS)).status_code == 403
