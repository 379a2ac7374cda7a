"""POST /api/tickets: kiosks and the telephone system issue tickets through
queueing.actions.issue_ticket, ledger included; a refused request changes nothing and says
why in the request's language (Chinese by default)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from servicehall.catalogue.models import Category
from servicehall.catalogue.tests.conftest import make_item
from servicehall.ledger.choices import Channel
from servicehall.ledger.models import LedgerEntry
from servicehall.queueing.models import HallEvent, Ticket

from . import conftest

RESIDENT = {"queue": "A", "client_type": "resident"}


def test_a_kiosk_issues_a_ticket_numbered_in_its_queue(api, hall):
    first = api.post("issue-ticket", RESIDENT, token=hall.token("kiosk"))
    second = api.post("issue-ticket", RESIDENT, token=hall.token("kiosk"))

    assert first.status_code == second.status_code == 201
    body = second.json()
    ticket = Ticket.objects.get(code="A002")
    assert (ticket.unit, ticket.queue, ticket.channel, ticket.client_type, ticket.status) == (
        hall.world.office, hall.queue_a, "kiosk", "resident", "waiting",
    )  # fmt: skip
    assert body["code"] == "A002"
    assert body["queue"] == "A" and body["queue_name"] == "综合业务"
    assert body["status"] == "waiting"
    with translation.override("zh-hans"):
        assert body["status_label"] == str(ticket.get_status_display())
    assert body["ahead"] == 1
    assert body["estimated_wait_minutes"] is not None  # window 1 is open
    assert body["follow_token"] == ticket.follow_token
    assert second["Location"] == f"/api/tickets/{ticket.follow_token}"


def test_the_ticket_and_its_ledger_entry_commit_together(api, hall):
    before = LedgerEntry.objects.count()

    api.post("issue-ticket", RESIDENT, token=hall.token("kiosk"))

    ticket = Ticket.objects.get()
    entry = LedgerEntry.objects.latest("pk")
    assert LedgerEntry.objects.count() == before + 1
    assert (entry.event_type, entry.channel, entry.actor_id) == (
        "hall.ticket_issued", Channel.KIOSK, None,
    )  # fmt: skip
    assert entry.subject_id == str(ticket.pk)
    assert json.loads(entry.payload)["ticket"] == "A001"
    assert HallEvent.objects.filter(unit=hall.world.office, kind="queue").exists()


def test_the_telephone_system_issues_tickets_for_phone_bookings(api, hall):
    response = api.post(
        "issue-ticket", {"queue": "B", "client_type": "retiree"}, token=hall.token("phone")
    )

    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.code, ticket.channel) == ("B001", "phone")
    assert LedgerEntry.objects.get(event_type="hall.ticket_issued").channel == Channel.PHONE


def test_a_device_issues_only_in_its_own_unit(api, hall):
    api.post("issue-ticket", RESIDENT, token=hall.token("other_kiosk"))

    ticket = Ticket.objects.get()
    assert ticket.unit == hall.world.other_office and ticket.queue == hall.other_queue


def test_a_missing_field_is_refused_in_chinese_by_default(api, hall):
    response = api.post("issue-ticket", {"queue": "A"}, token=hall.token("kiosk"))

    assert response.status_code == 400
    assert response["Content-Language"] == "zh-hans"
    assert response.json() == {
        "error": "invalid",
        "message": "这个字段是必填项。",
        "fields": {"client_type": ["这个字段是必填项。"]},
    }
    assert not Ticket.objects.exists()


def test_a_missing_field_is_refused_in_english_when_asked(api, hall):
    response = api.post("issue-ticket", {"queue": "A"}, token=hall.token("kiosk"), lang="en")

    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    assert response.json()["fields"] == {"client_type": ["This field is required."]}


def test_an_unknown_client_type_is_refused(api, hall):
    response = api.post(
        "issue-ticket", {"queue": "A", "client_type": "alien"}, token=hall.token("kiosk")
    )

    assert response.status_code == 400
    assert response.json()["fields"]["client_type"] == [
        "选择一个有效的选项。 alien 不在可用的选项中。"
    ]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_queue_of_another_hall_is_unknown_here(api, hall, lang):
    response = api.post(
        "issue-ticket", {"queue": "C", "client_type": "resident"}, token=hall.token("kiosk"),
        lang=lang,
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["fields"] == {"queue": [response.json()["message"]]}
    if lang == "en":
        assert response.json()["message"] == "This hall has no queue C."
    assert (
        not Ticket.objects.exists()
        and not LedgerEntry.objects.filter(event_type="hall.ticket_issued").exists()
    )


def test_an_item_the_queue_does_not_serve_is_refused_by_the_action(api, hall):
    category = Category.objects.create(code="T", name="测试", order=1)
    served = make_item(hall.world.office, hall.world.unit_admin, "T-1", "失业登记", category)
    other = make_item(hall.world.office, hall.world.unit_admin, "T-2", "社保卡", category)
    hall.queue_a.items.add(served.item)

    refused = api.post(
        "issue-ticket", {**RESIDENT, "item": other.item.code}, token=hall.token("kiosk"),
        lang="en",
    )  # fmt: skip
    accepted = api.post(
        "issue-ticket", {**RESIDENT, "item": served.item.code}, token=hall.token("kiosk")
    )

    assert refused.status_code == 409
    assert refused.json() == {
        "error": "conflict",
        "message": "This queue does not serve that item.",
    }
    assert accepted.status_code == 201
    assert Ticket.objects.get().item == served.item


@pytest.mark.parametrize("item", [None, 12, False, ["T-1"]])
def test_an_item_that_is_no_text_is_refused(api, hall, item):
    response = api.post(
        "issue-ticket", {**RESIDENT, "item": item}, token=hall.token("kiosk"), lang="en"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"item": ["This field has the wrong type."]}
    assert not Ticket.objects.exists()


def test_an_unknown_item_is_refused(api, hall):
    response = api.post(
        "issue-ticket", {**RESIDENT, "item": "NOPE"}, token=hall.token("kiosk"), lang="en"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"item": ["There is no service item NOPE."]}


def test_a_queue_out_of_service_issues_nothing(api, hall):
    hall.queue_a.active = False
    hall.queue_a.save(update_fields=["active"])

    response = api.post("issue-ticket", RESIDENT, token=hall.token("kiosk"), lang="en")

    assert response.status_code == 409
    assert response.json() == {"error": "conflict", "message": "This queue is not in service."}
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", "\u00ff".encode("latin-1")])
def test_a_body_that_is_no_json_object_is_refused(api, hall, body):
    response = api.post("issue-ticket", token=hall.token("kiosk"), body=body, lang="en")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert not Ticket.objects.exists()


def test_the_green_channel_cannot_be_claimed_at_a_kiosk(api, hall):
    """The request has no such field: the green channel is granted by staff (N-5.4)."""
    response = api.post(
        "issue-ticket", {**RESIDENT, "green_reason": "elderly"}, token=hall.token("kiosk"),
        lang="en",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["fields"] == {"green_reason": ["This field is unknown here."]}
    assert not Ticket.objects.exists()


def test_issuing_a_ticket_runs_ten_plain_statements(api, hall):
    api.post("issue-ticket", RESIDENT, token=hall.token("kiosk"))  # last seen: now

    with CaptureQueriesContext(connection) as queries:
        assert api.post("issue-ticket", RESIDENT, token=hall.token("kiosk")).status_code == 201

    statements = [" ".join(sql.split()[:3]) for sql in conftest.statements(queries)]
    # The device, the queue; in the transaction the number, the ticket, the ledger's
    # head, entry and head again, the waiting counts and the event; then the clients
    # ahead and the estimate, in one.
    assert len(statements) == 10, statements
    assert [s for s in statements if s.startswith(("INSERT", "UPDATE"))] == [
        "UPDATE queueing_ticketcounter SET",
        'INSERT INTO "queueing_ticket"',
        'INSERT INTO "ledger_ledgerentry"',
        'UPDATE "ledger_ledgerhead" SET',
        'INSERT INTO "queueing_hallevent"',
    ]
