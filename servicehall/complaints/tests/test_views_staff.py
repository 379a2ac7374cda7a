"""The staff pages: entering box, hotline, 12345 and opinion items; the handlers' list with
the overdue marked; the complaint page carrying the whole flow through the actions, with the
violation and accountability (N-5.6e); errors shown; the unit's limits."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.http import Http404

from servicehall.ledger.models import LedgerEntry
from servicehall.supervision.violations import Accountability, Violation
from servicehall.testing import log_in

from ..choices import Channel, Step
from ..models import Complaint, ComplaintSettings
from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(en_client, world):
    log_in(en_client, world.head)
    return en_client


def page_of(complaint) -> str:
    return f"/complaints/staff/{complaint.number}/"


def post_step(client, complaint, name, **data):
    return client.post(
        f"{page_of(complaint)}{name}/", {f"{name}-{key}": value for key, value in data.items()}
    )


def test_a_clerk_enters_a_12345_referral_and_gets_the_code_once(en_client, world, clock):
    log_in(en_client, world.reviewer)
    response = en_client.post(
        "/complaints/staff/new/",
        {"channel": Channel.HOTLINE_12345, "kind": "complaint", "content": "市民来电反映排队久。",
         "work_order_no": "GD20260302", "name": f.NAME, "phone": f.PHONE},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    number = re.search(r'data-testid="number">([^<]+)<', page).group(1)
    code = re.search(r'data-testid="code">([^<]+)<', page).group(1)
    complaint = Complaint.objects.get(number=number)
    assert complaint.received_by == world.reviewer and complaint.matches_code(code)
    assert complaint.work_order_no == "GD20260302"
    # The clerk who entered it is no handler: no link to it, and no page.
    assert "Open the complaint" not in page
    assert en_client.get(page_of(complaint)).status_code == 404


def test_the_entry_form_says_what_is_missing(head, world, clock):
    response = head.post(
        "/complaints/staff/new/",
        {"channel": Channel.OPINION, "kind": "complaint", "content": "网帖"},
    )
    assert "Say where it was published" in response.content.decode()
    assert not Complaint.objects.exists()


def test_entry_is_for_the_units_clerks_and_heads(client, world):
    for persona in (world.unit_admin, world.supervisor, world.social_supervisor, world.audit_admin):
        client.logout()
        log_in(client, persona)
        assert client.get("/complaints/staff/new/").status_code == 403


def test_the_head_carries_the_whole_flow_through_the_pages(head, world, clock):
    complaint, code = f.online(world)
    assert post_step(head, complaint, "assign", handler=world.reviewer.pk).status_code == 302
    assert post_step(head, complaint, "accept").status_code == 302
    response = post_step(
        head, complaint, "investigate", finding="substantiated", findings="属实",
        clause=f.clause("D-05").pk, staff_concerned=world.clerk.pk,
    )  # fmt: skip
    assert response.status_code == 302
    # Handling first needs the violation, then the accountability decision.
    response = post_step(head, complaint, "handle", measures="批评教育")
    assert response.status_code == 400
    assert "Record the violation of D-05 first" in response.content.decode()
    page = head.get(page_of(complaint)).content.decode()
    assert 'data-testid="form-violation"' in page
    assert post_step(head, complaint, "violation", description="看手机").status_code == 302
    assert Violation.objects.filter(source_id=str(complaint.pk), staff=world.clerk).exists()
    page = head.get(page_of(complaint)).content.decode()
    assert 'data-testid="form-accountability"' in page
    response = post_step(head, complaint, "accountability", measure="self_exam", reason="初犯")
    assert response.status_code == 302
    assert Accountability.objects.get().measure == "self_exam"
    assert post_step(head, complaint, "handle", measures="书面检查").status_code == 302
    # A reply without text is refused, and says so.
    response = post_step(head, complaint, "reply", method="phone", text="")
    assert response.status_code == 400
    assert "Write the reply given to the complainant." in response.content.decode()
    assert post_step(head, complaint, "reply", method="phone", text="已处理").status_code == 302
    assert post_step(head, complaint, "archive").status_code == 302
    complaint.refresh_from_db()
    assert complaint.step == Step.ARCHIVED
    page = head.get(page_of(complaint)).content.decode()
    assert 'data-testid="step">Archived<' in page
    assert "Written self-examination" in page and 'data-testid="form-' not in page
    assert LedgerEntry.objects.filter(subject_id=str(complaint.pk)).count() >= 7


def test_a_step_out_of_order_is_refused_on_the_page(head, world, clock):
    complaint, _code = f.online(world)
    response = post_step(head, complaint, "handle", measures="x")
    assert response.status_code == 400
    assert Complaint.objects.get(pk=complaint.pk).step == Step.RECEIVED
    assert post_step(head, complaint, "frobnicate").status_code == 404


def test_the_assigned_clerk_sees_the_step_forms_but_not_assign_or_archive(en_client, world, clock):
    complaint = f.accepted(world)
    log_in(en_client, world.reviewer)
    page = en_client.get(page_of(complaint)).content.decode()
    assert 'data-testid="form-investigate"' in page and 'data-testid="form-assign"' not in page


def test_the_list_marks_the_overdue_and_counts_by_step(head, world, clock):
    late, _code = f.online(world)
    clock.move_to(f.local(dt.date(2026, 3, 4), 10))
    fresh, _code = f.online(world)
    page = head.get("/complaints/staff/").content.decode()
    assert f'data-testid="overdue-{late.number}"' in page
    assert f'data-testid="overdue-{fresh.number}"' not in page
    assert 'data-testid="step-received-overdue">1 overdue<' in page
    only = head.get("/complaints/staff/?overdue=1").content.decode()
    assert late.number in only and fresh.number not in only


def test_the_list_costs_a_fixed_number_of_queries(
    head, world, clock, django_assert_max_num_queries
):
    for _ in range(5):
        f.accepted(world)
    with django_assert_max_num_queries(12):
        head.get("/complaints/staff/")


def test_the_supervisor_above_reads_the_list_of_the_units_below(en_client, world, clock):
    complaint, _code = f.online(world)
    other, _code = f.online(world, unit=world.other_office, staff_no="")
    log_in(en_client, world.supervisor)
    page = en_client.get("/complaints/staff/").content.decode()
    assert complaint.number in page and other.number not in page
    assert 'data-testid="read-only"' in page and 'data-testid="enter-link"' not in page
    assert post_step(en_client, complaint, "accept").status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).step == Step.RECEIVED


def test_the_unit_administrator_sets_the_limits(en_client, world):
    log_in(en_client, world.unit_admin)
    page = en_client.get("/complaints/staff/limits/").content.decode()
    assert 'value="5"' in page
    response = en_client.post(
        "/complaints/staff/limits/",
        {"accept_days": 2, "investigate_days": 10, "handle_days": 5, "reply_days": 3,
         "archive_days": 1},
    )  # fmt: skip
    assert response.status_code == 302
    assert ComplaintSettings.objects.filter(unit=world.office, investigate_days=10).exists()
    en_client.logout()
    log_in(en_client, world.head)
    assert en_client.get("/complaints/staff/limits/").status_code == 403


def test_a_malformed_tracking_number_in_the_address_is_refused(head, world, clock):
    """Not a server error: PostgreSQL refuses a NUL in the lookup; the site answers 400 to a
    NUL in any address, and the complaint's own lookup finds nothing for it (404)."""
    from servicehall.complaints import access

    assert head.get("/complaints/staff/TS%00/").status_code == 400
    assert head.post("/complaints/staff/TS%00/identity/").status_code == 400
    with pytest.raises(Http404):
        access.get_complaint_for_user(world.head, "TS\x00")
