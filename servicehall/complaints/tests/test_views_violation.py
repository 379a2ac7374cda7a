"""The violation and accountability forms of the complaint page (N-5.6e): a violation is
recorded from a complaint only once its investigation found it substantiated against a
clause — the same rule when the form is posted directly as when the page offers it."""

from __future__ import annotations

import pytest

from servicehall.ledger.models import LedgerEntry
from servicehall.supervision.violations import Accountability, Violation
from servicehall.testing import log_in

from ..choices import Finding
from . import factories as f

pytestmark = pytest.mark.django_db


def _post(client, complaint, name, **data):
    return client.post(
        f"/complaints/staff/{complaint.number}/{name}/",
        {f"{name}-{key}": value for key, value in data.items()},
    )


@pytest.mark.parametrize("stage", ["received", "investigating", "unsubstantiated"])
def test_no_violation_is_recorded_from_a_complaint_not_found_substantiated(
    en_client, world, clock, stage
):
    """N-5.6e: before the finding, or after a finding of "not substantiated", posting the
    violation form records nothing and says why."""
    if stage == "received":
        complaint, _code = f.online(world)
    elif stage == "investigating":
        complaint = f.accepted(world)
    else:
        complaint = f.investigated(world, finding=Finding.UNSUBSTANTIATED)
    entries = LedgerEntry.objects.count()
    log_in(en_client, world.head)

    response = _post(en_client, complaint, "violation", description="看手机")

    assert response.status_code == 400
    assert "Only a substantiated finding" in response.content.decode()
    assert not Violation.objects.exists()
    assert LedgerEntry.objects.count() == entries
    page = en_client.get(f"/complaints/staff/{complaint.number}/").content.decode()
    assert 'data-testid="form-violation"' not in page


def test_no_accountability_is_decided_through_a_complaint_not_found_substantiated(
    en_client, world, clock
):
    """The accountability form follows the same rule (N-5.6e)."""
    complaint = f.investigated(world, finding=Finding.UNSUBSTANTIATED)
    log_in(en_client, world.head)

    response = _post(en_client, complaint, "accountability", measure="criticism", reason="x")

    assert response.status_code == 400
    assert "Only a substantiated finding" in response.content.decode()
    assert not Accountability.objects.exists()


def test_a_substantiated_finding_is_recorded_as_a_violation(en_client, world, clock):
    """N-5.6e: after a substantiated finding against D-05 the head records it."""
    complaint = f.investigated(world)
    log_in(en_client, world.head)

    assert _post(en_client, complaint, "violation", description="看手机").status_code == 302

    violation = Violation.objects.get()
    assert (violation.clause.code, violation.source_id) == ("D-05", str(complaint.pk))
