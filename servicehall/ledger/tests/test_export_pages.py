"""The bulk-export pages: a unit's head on duty or administrator requests an export, the
security administrator approves or refuses it with a reason (D-10)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicehall.ledger.actions import decide_export, request_export
from servicehall.ledger.choices import ExportStatus
from servicehall.ledger.models import ExportRequest, LedgerEntry
from servicehall.org.choices import Role
from servicehall.testing import log_in, make_user

REQUESTS = reverse("ledger:export-requests")
APPROVALS = reverse("ledger:export-approvals")
WHAT = "2025年退休人员名单（含身份证号）"
WHY = "养老金资格认证，交社保中心待遇科"


def _statuses(html: str, testid: str) -> dict[int, str]:
    """Row id -> status of the rows marked ``data-testid=testid`` on a page."""
    pattern = rf'data-testid="{testid}" data-id="(\d+)" data-status="(\w+)"'
    return {int(pk): status for pk, status in re.findall(pattern, html)}


def _waiting_ids(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-testid="waiting-request" data-id="(\d+)"', html)}


# --- The request page ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["head", "unit_admin"])
def test_head_or_unit_admin_requests_an_export_from_the_page(client, world, role):
    log_in(client, world.personas()[role])

    response = client.post(REQUESTS, {"description": WHAT, "purpose": WHY}, follow=True)

    row = ExportRequest.objects.get()
    assert (row.unit, row.requested_by, row.status) == (
        world.office, world.personas()[role], ExportStatus.REQUESTED,
    )  # fmt: skip
    assert (row.description, row.purpose) == (WHAT, WHY)
    assert LedgerEntry.objects.filter(event_type="ledger.export_requested").count() == 1
    assert response.redirect_chain == [(REQUESTS, 302)]
    page = response.content.decode()
    assert _statuses(page, "export-request") == {row.pk: "requested"}
    assert WHAT in page and WHY in page
    assert 'class="messages"' in page


def test_a_request_without_a_purpose_is_shown_again_and_not_made(client, world):
    log_in(client, world.head)

    response = client.post(REQUESTS, {"description": WHAT, "purpose": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["purpose"]
    assert WHAT in response.content.decode()  # what was typed stays in the form
    assert not ExportRequest.objects.exists()
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    "role",
    ["clerk", "supervisor", "social_supervisor", "system_admin", "security_admin", "audit_admin"],
)
def test_other_roles_cannot_open_the_request_page(client, world, role):
    log_in(client, world.personas()[role])

    assert client.get(REQUESTS).status_code == 403
    assert client.post(REQUESTS, {"description": WHAT, "purpose": WHY}).status_code == 403
    assert not ExportRequest.objects.exists()


def test_the_request_page_lists_the_units_requests_only(client, world):
    mine = request_export(world.unit_admin, description=WHAT, purpose=WHY)
    other_head = make_user("zhou", Role.HEAD_ON_DUTY, world.other_office, "B000")
    theirs = request_export(other_head, description="乙市名单", purpose="核对")
    log_in(client, world.head)

    page = client.get(REQUESTS).content.decode()

    assert _statuses(page, "export-request") == {mine.pk: "requested"}
    assert "乙市名单" not in page
    assert theirs.pk not in _statuses(page, "export-request")


def test_the_requester_sees_the_decision_and_its_reason(client, world):
    row = request_export(world.head, description=WHAT, purpose=WHY)
    decide_export(world.security_admin, row.pk, approve=True, reason="用途明确，限导出一次")
    log_in(client, world.head)

    page = client.get(REQUESTS).content.decode()

    assert _statuses(page, "export-request") == {row.pk: "approved"}
    assert "用途明确，限导出一次" in page
    expires = ExportRequest.objects.get(pk=row.pk).expires_at
    assert expires is not None
    assert timezone.localtime(expires).strftime("%Y-%m-%d %H:%M") in page


# --- The approval page --------------------------------------------------------------------


def test_security_admin_sees_waiting_requests_with_what_and_why(client, world):
    row = request_export(world.head, description=WHAT, purpose=WHY)
    log_in(client, world.security_admin)

    response = client.get(APPROVALS)

    assert response.status_code == 200
    page = response.content.decode()
    assert _waiting_ids(page) == {row.pk}
    assert WHAT in page and WHY in page and world.office.code in page


def test_security_admin_approves_from_the_page(client, world):
    row = request_export(world.head, description=WHAT, purpose=WHY)
    log_in(client, world.security_admin)

    response = client.post(
        APPROVALS,
        {"request_id": row.pk, "decision": "approve", "reason": "用途明确"},
        follow=True,
    )

    stored = ExportRequest.objects.get(pk=row.pk)
    assert (stored.status, stored.decided_by, stored.decision_reason) == (
        ExportStatus.APPROVED, world.security_admin, "用途明确",
    )  # fmt: skip
    assert stored.expires_at is not None
    assert LedgerEntry.objects.filter(
        event_type="ledger.export_approved", unit=world.office, actor=world.security_admin
    ).exists()
    assert response.redirect_chain == [(APPROVALS, 302)]
    page = response.content.decode()
    assert _waiting_ids(page) == set()
    assert _statuses(page, "decided-request") == {row.pk: "approved"}
    assert "用途明确" in page and WHAT in page


def test_security_admin_refuses_from_the_page(client, world):
    row = request_export(world.head, description=WHAT, purpose=WHY)
    log_in(client, world.security_admin)

    response = client.post(
        APPROVALS,
        {"request_id": row.pk, "decision": "refuse", "reason": "范围过大，请缩小"},
        follow=True,
    )

    stored = ExportRequest.objects.get(pk=row.pk)
    assert (stored.status, stored.decision_reason, stored.expires_at) == (
        ExportStatus.REFUSED, "范围过大，请缩小", None,
    )  # fmt: skip
    page = response.content.decode()
    assert _statuses(page, "decided-request") == {row.pk: "refused"}
    assert "范围过大，请缩小" in page


def test_a_decision_without_a_reason_is_shown_again_and_not_made(client, world):
    row = request_export(world.head, description=WHAT, purpose=WHY)
    log_in(client, world.security_admin)

    response = client.post(APPROVALS, {"request_id": row.pk, "decision": "approve", "reason": ""})

    assert response.status_code == 400
    assert ExportRequest.objects.get(pk=row.pk).status == ExportStatus.REQUESTED
    assert not LedgerEntry.objects.filter(event_type="ledger.export_approved").exists()
    page = response.content.decode()
    assert _waiting_ids(page) == {row.pk}
    assert 'class="errorlist' in page


def test_a_request_already_decided_is_not_decided_again_from_the_page(client, world):
    row = request_export(world.head, description=WHAT, purpose=WHY)
    decide_export(world.security_admin, row.pk, approve=False, reason="用途不明")
    log_in(client, world.security_admin)

    response = client.post(
        APPROVALS, {"request_id": row.pk, "decision": "approve", "reason": "同意"}, follow=True
    )

    stored = ExportRequest.objects.get(pk=row.pk)
    assert (stored.status, stored.decision_reason) == (ExportStatus.REFUSED, "用途不明")
    assert _statuses(response.content.decode(), "decided-request") == {row.pk: "refused"}
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_deciding_a_request_that_does_not_exist_is_not_found(client, world):
    log_in(client, world.security_admin)

    response = client.post(APPROVALS, {"request_id": 999, "decision": "approve", "reason": "x"})

    assert response.status_code == 404


@pytest.mark.parametrize(
    "role",
    ["clerk", "head", "unit_admin", "supervisor", "social_supervisor", "system_admin",
     "audit_admin"],
)  # fmt: skip
def test_nobody_but_the_security_admin_opens_the_approval_page_or_decides(client, world, role):
    row = request_export(world.head, description=WHAT, purpose=WHY)
    log_in(client, world.personas()[role])

    assert client.get(APPROVALS).status_code == 403
    response = client.post(
        APPROVALS, {"request_id": row.pk, "decision": "approve", "reason": "同意"}
    )

    assert response.status_code == 403
    assert ExportRequest.objects.get(pk=row.pk).status == ExportStatus.REQUESTED
    assert LedgerEntry.objects.count() == 1


def test_the_approval_page_costs_the_same_queries_for_many_requests(client, world):
    log_in(client, world.security_admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(APPROVALS).status_code == 200
        return len(captured)

    first = request_export(world.head, description="一", purpose="甲")
    decide_export(world.security_admin, first.pk, approve=True, reason="同意")
    request_export(world.head, description="二", purpose="乙")
    few = queries()
    for n in range(5):
        row = request_export(world.unit_admin, description=f"批量{n}", purpose="核对")
        if n % 2:
            decide_export(world.security_admin, row.pk, approve=False, reason="不同意")

    assert queries() == few
