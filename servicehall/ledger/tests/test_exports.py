"""Bulk exports of personal data (D-10): a unit's head on duty or administrator requests,
the security administrator alone decides with a reason, and an approval is used once,
within a day, by its requester. Every step writes one ledger entry in the requester's unit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from servicehall.ledger.actions import (
    EXPORT_APPROVAL_VALID,
    decide_export,
    request_export,
    use_approved_export,
)
from servicehall.ledger.choices import AccessPurpose, ExportStatus
from servicehall.ledger.models import ExportRequest, LedgerEntry, PersonalDataAccess
from servicehall.ledger.verify import verify_all
from servicehall.org.choices import Role
from servicehall.testing import make_user

MOMENT = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 in Beijing


def _entries(**filters) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(subject_type="ledger.exportrequest", **filters).order_by("seq")
    )


def _request(world, who=None) -> ExportRequest:
    return request_export(
        who or world.head, description="2025年退休人员名单（含身份证号）", purpose="养老金资格认证"
    )


def _approved(world, who=None) -> ExportRequest:
    row = _request(world, who)
    return decide_export(world.security_admin, row.pk, approve=True, reason="用途明确，限一次")


# --- request_export -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["head", "unit_admin"])
def test_head_or_unit_admin_requests_an_export_for_their_unit(world, role):
    actor = world.personas()[role]

    row = _request(world, actor)

    stored = ExportRequest.objects.get(pk=row.pk)
    assert (stored.unit, stored.requested_by, stored.status) == (
        world.office, actor, ExportStatus.REQUESTED,
    )  # fmt: skip
    assert stored.description == "2025年退休人员名单（含身份证号）"
    assert (stored.decided_by, stored.expires_at, stored.used_at) == (None, None, None)
    [entry] = _entries(unit=world.office)
    assert (entry.event_type, entry.actor, entry.subject_id) == (
        "ledger.export_requested", actor, str(row.pk),
    )  # fmt: skip
    assert json.loads(entry.payload)["state"]["status"] == "requested"


@pytest.mark.parametrize(
    "role",
    ["clerk", "reviewer", "supervisor", "social_supervisor", "system_admin", "security_admin",
     "audit_admin"],
)  # fmt: skip
def test_other_roles_cannot_request_an_export(world, role):
    with pytest.raises(PermissionDenied):
        _request(world, world.personas()[role])

    assert not ExportRequest.objects.exists()
    assert not _entries()


@pytest.mark.parametrize("field", ["description", "purpose"])
def test_request_needs_what_and_why(world, field):
    values = {"description": "名单", "purpose": "认证"} | {field: "  "}

    with pytest.raises(ValidationError) as raised:
        request_export(world.head, **values)

    assert field in raised.value.message_dict
    assert not ExportRequest.objects.exists()
    assert not _entries()


# --- decide_export ------------------------------------------------------------------------


def test_security_admin_approves_for_one_day_with_a_reason(world):
    row = _request(world)

    with time_machine.travel(MOMENT, tick=False):
        decided = decide_export(world.security_admin, row.pk, approve=True, reason="用途明确")

    stored = ExportRequest.objects.get(pk=row.pk)
    assert stored.status == ExportStatus.APPROVED
    assert (stored.decided_by, stored.decided_at) == (world.security_admin, MOMENT)
    assert stored.decision_reason == "用途明确"
    assert stored.expires_at == MOMENT + EXPORT_APPROVAL_VALID == MOMENT + dt.timedelta(hours=24)
    assert decided.status == ExportStatus.APPROVED
    entry = _entries()[-1]
    # The entry is in the requester's unit, made by the security administrator.
    assert (entry.unit, entry.event_type, entry.actor) == (
        world.office, "ledger.export_approved", world.security_admin,
    )  # fmt: skip
    state = json.loads(entry.payload)["state"]
    assert (state["status"], state["decision_reason"], state["expires_at"]) == (
        "approved", "用途明确", "2026-03-03T01:30:00.000000Z",
    )  # fmt: skip


def test_security_admin_refuses_with_a_reason(world):
    row = _request(world)

    decide_export(world.security_admin, row.pk, approve=False, reason="用途不明，请补充")

    stored = ExportRequest.objects.get(pk=row.pk)
    assert (stored.status, stored.decision_reason, stored.expires_at) == (
        ExportStatus.REFUSED, "用途不明，请补充", None,
    )  # fmt: skip
    assert [entry.event_type for entry in _entries()] == [
        "ledger.export_requested", "ledger.export_refused",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "role",
    ["clerk", "head", "unit_admin", "supervisor", "social_supervisor", "system_admin",
     "audit_admin", "outsider"],
)  # fmt: skip
def test_nobody_but_the_security_admin_decides(world, role):
    row = _request(world)

    with pytest.raises(PermissionDenied):
        decide_export(world.personas()[role], row.pk, approve=True, reason="同意")

    assert ExportRequest.objects.get(pk=row.pk).status == ExportStatus.REQUESTED
    assert len(_entries()) == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_decision_needs_a_reason(world, reason):
    row = _request(world)

    with pytest.raises(ValidationError):
        decide_export(world.security_admin, row.pk, approve=True, reason=reason)

    assert ExportRequest.objects.get(pk=row.pk).status == ExportStatus.REQUESTED
    assert len(_entries()) == 1


def test_a_request_is_decided_once(world):
    row = _request(world)
    decide_export(world.security_admin, row.pk, approve=False, reason="用途不明")

    with pytest.raises(ValidationError) as raised:
        decide_export(world.security_admin, row.pk, approve=True, reason="改为同意")

    assert raised.value.code == "decided"

    stored = ExportRequest.objects.get(pk=row.pk)
    assert (stored.status, stored.decision_reason) == (ExportStatus.REFUSED, "用途不明")
    assert len(_entries()) == 2


def test_deciding_a_request_that_does_not_exist_is_refused(world):
    with pytest.raises(ExportRequest.DoesNotExist):
        decide_export(world.security_admin, 999, approve=True, reason="同意")

    assert not _entries()


# --- use_approved_export ------------------------------------------------------------------


def test_requester_uses_an_approval_once_and_the_use_is_logged(world):
    row = _approved(world)

    with time_machine.travel(MOMENT, tick=False):
        used = use_approved_export(world.head, row.pk)

    assert ExportRequest.objects.get(pk=row.pk).used_at == MOMENT
    assert used.used_at == MOMENT
    entry = _entries()[-1]
    assert (entry.unit, entry.event_type, entry.actor) == (
        world.office, "ledger.export_used", world.head,
    )  # fmt: skip
    assert json.loads(entry.payload)["state"]["used_at"] == "2026-03-02T01:30:00.000000Z"
    # The use is also in the personal-data access log the audit administrator searches.
    [access] = PersonalDataAccess.objects.all()
    assert (access.user, access.unit, access.purpose) == (
        world.head, world.office, AccessPurpose.EXPORT,
    )  # fmt: skip
    assert (access.subject_type, access.subject_id) == ("ledger.exportrequest", str(row.pk))
    assert access.note == row.description


def test_an_approval_is_not_used_twice(world):
    row = _approved(world)
    use_approved_export(world.head, row.pk)
    first_use = ExportRequest.objects.get(pk=row.pk).used_at

    with pytest.raises(PermissionDenied):
        use_approved_export(world.head, row.pk)

    assert ExportRequest.objects.get(pk=row.pk).used_at == first_use
    assert [entry.event_type for entry in _entries()][-1] == "ledger.export_used"
    assert len(_entries(event_type="ledger.export_used")) == 1
    assert PersonalDataAccess.objects.count() == 1


def test_an_approval_expires_after_a_day(world):
    with time_machine.travel(MOMENT, tick=False):
        row = _approved(world)
    with time_machine.travel(MOMENT + EXPORT_APPROVAL_VALID - dt.timedelta(seconds=1), tick=False):
        assert not ExportRequest.objects.get(pk=row.pk).expired

    with (
        time_machine.travel(MOMENT + EXPORT_APPROVAL_VALID, tick=False),
        pytest.raises(PermissionDenied),
    ):
        use_approved_export(world.head, row.pk)

    stored = ExportRequest.objects.get(pk=row.pk)
    assert stored.used_at is None and stored.expired
    assert not _entries(event_type="ledger.export_used")
    assert not PersonalDataAccess.objects.exists()


def test_an_approval_is_usable_until_just_before_it_expires(world):
    with time_machine.travel(MOMENT, tick=False):
        row = _approved(world)

    with time_machine.travel(MOMENT + EXPORT_APPROVAL_VALID - dt.timedelta(seconds=1), tick=False):
        use_approved_export(world.head, row.pk)

    assert ExportRequest.objects.get(pk=row.pk).used_at is not None


@pytest.mark.parametrize("role", ["unit_admin", "clerk", "security_admin", "outsider"])
def test_only_the_requester_uses_an_approval(world, role):
    row = _approved(world)

    with pytest.raises(PermissionDenied):
        use_approved_export(world.personas()[role], row.pk)

    assert ExportRequest.objects.get(pk=row.pk).used_at is None
    assert not _entries(event_type="ledger.export_used")


def test_a_requester_moved_to_another_unit_cannot_use_the_approval(world):
    row = _approved(world)
    world.head.unit = world.other_office
    world.head.save(update_fields=["unit"])

    with pytest.raises(PermissionDenied):
        use_approved_export(world.head, row.pk)

    assert ExportRequest.objects.get(pk=row.pk).used_at is None


def test_a_requester_who_lost_the_role_cannot_use_the_approval(world):
    row = _approved(world)
    world.head.role = Role.CLERK
    world.head.save(update_fields=["role"])

    with pytest.raises(PermissionDenied):
        use_approved_export(world.head, row.pk)

    assert ExportRequest.objects.get(pk=row.pk).used_at is None


@pytest.mark.parametrize("approve", [False, None], ids=["refused", "waiting"])
def test_a_request_not_approved_cannot_be_used(world, approve):
    row = _request(world)
    if approve is not None:
        decide_export(world.security_admin, row.pk, approve=approve, reason="不同意")

    with pytest.raises(PermissionDenied):
        use_approved_export(world.head, row.pk)

    assert ExportRequest.objects.get(pk=row.pk).used_at is None
    assert not PersonalDataAccess.objects.exists()


def test_another_units_head_cannot_use_it_either(world):
    row = _approved(world)
    other_head = make_user("zhou", Role.HEAD_ON_DUTY, world.other_office, "B000")

    with pytest.raises(PermissionDenied):
        use_approved_export(other_head, row.pk)

    assert ExportRequest.objects.get(pk=row.pk).used_at is None


# --- verify -------------------------------------------------------------------------------


def test_export_requests_made_through_the_actions_verify(world):
    _approved(world)
    use_approved_export(world.head, ExportRequest.objects.get().pk)
    _request(world, world.unit_admin)

    problems, summary = verify_all()

    assert problems == []
    assert summary.rows_reconciled == 2


def test_an_approval_made_behind_the_application_is_named_by_verify(world):
    row = _request(world)
    ExportRequest.objects.filter(pk=row.pk).update(
        status=ExportStatus.APPROVED,
        decided_by=world.security_admin,
        decided_at=MOMENT,
        expires_at=MOMENT + EXPORT_APPROVAL_VALID,
    )

    problems, _summary = verify_all()

    assert [(p.unit_id, p.seq, p.kind) for p in problems] == [
        (world.office.pk, 1, "row changed behind the ledger")
    ]
    assert f"ledger.exportrequest {row.pk}" in problems[0].detail


def test_a_use_undone_behind_the_application_is_named_by_verify(world):
    row = _approved(world)
    use_approved_export(world.head, row.pk)
    ExportRequest.objects.filter(pk=row.pk).update(used_at=None)

    problems, _summary = verify_all()

    assert [(p.seq, p.kind) for p in problems] == [(3, "row changed behind the ledger")]
