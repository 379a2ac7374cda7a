"""issue_ticket: numbers per unit, queue and day; the priority class from the published
rules only (N-2.3, N-5.4); one ledger entry and a waiting-count event per ticket."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.catalogue.models import ServiceItem
from servicehall.ledger.choices import Channel
from servicehall.org.choices import Role
from servicehall.queueing.actions import HallError, issue_ticket, ticket_state
from servicehall.queueing.choices import Priority, TicketStatus
from servicehall.queueing.models import Queue, Ticket, TicketCounter
from servicehall.testing import make_user

from .conftest import DAY, at, written


def test_numbers_count_per_queue_from_one(hall):
    a1, a2 = hall.issue(hall.queue_a), hall.issue(hall.queue_a)
    b1 = hall.issue(hall.queue_b)

    assert [(t.code, t.number) for t in (a1, a2, b1)] == [("A001", 1), ("A002", 2), ("B001", 1)]
    assert {t.service_day for t in (a1, a2, b1)} == {DAY}
    assert set(Ticket.objects.values_list("status", flat=True)) == {TicketStatus.WAITING}
    assert a1.issued_at == at(8, 30)
    assert dict(TicketCounter.objects.values_list("queue__prefix", "last")) == {"A": 2, "B": 1}


def test_numbers_start_again_on_the_next_service_day(hall, clock):
    hall.issue()
    hall.issue()
    clock.move_to(at(8, 30, day=DAY + dt.timedelta(days=1)))

    ticket = hall.issue()

    assert (ticket.code, ticket.service_day) == ("A001", DAY + dt.timedelta(days=1))
    assert TicketCounter.objects.filter(queue=hall.queue_a).count() == 2


def test_numbers_count_per_unit(hall):
    other_queue = Queue.objects.create(unit=hall.world.other_office, prefix="A", name="综合")
    hall.issue()

    ticket = hall.issue(other_queue)

    assert (ticket.code, ticket.unit) == ("A001", hall.world.other_office)


def test_a_kiosk_ticket_writes_one_kiosk_entry_and_a_waiting_count(hall):
    with written() as w:
        ticket = hall.issue(hall.queue_b)

    (entry,) = w.entries
    assert (entry.event_type, entry.channel, entry.actor) == (
        "hall.ticket_issued", Channel.KIOSK, None,
    )  # fmt: skip
    assert (entry.unit_id, entry.subject_type, entry.subject_id) == (
        hall.office.pk, "queueing.ticket", str(ticket.pk),
    )  # fmt: skip
    assert w.payload() == {
        "state": ticket_state(ticket), "ticket": "B001", "client_type": "resident",
        "green_reason": "",
    }  # fmt: skip
    assert [(e.kind, e.data) for e in w.events] == [("queue", {"waiting": {"A": 0, "B": 1}})]
    assert ticket.priority == Priority.NORMAL and ticket.channel == "kiosk"


def test_a_phone_booking_is_recorded_as_a_phone_entry(hall):
    with written() as w:
        ticket = hall.issue(channel="phone")

    assert w.entries[0].channel == Channel.PHONE
    assert ticket.priority == Priority.NORMAL


def test_an_appointment_check_in_has_the_appointment_priority(hall):
    with written() as w:
        ticket = hall.issue(channel="appointment")

    assert ticket.priority == Priority.APPOINTMENT
    assert w.entries[0].channel == Channel.KIOSK


def test_the_green_channel_is_granted_by_staff_with_a_reason(hall):
    with written() as w:
        ticket = hall.issue(channel="guide_desk", green_reason="elderly", actor=hall.world.head)

    assert (ticket.priority, ticket.green_reason) == (Priority.GREEN, "elderly")
    (entry,) = w.entries
    assert (entry.channel, entry.actor, entry.actor_staff_no) == (
        Channel.STAFF, hall.world.head, "A000",
    )  # fmt: skip
    assert w.payload()["green_reason"] == "elderly"
    assert w.payload()["state"]["priority"] == Priority.GREEN


def test_a_guidance_desk_ticket_without_green_reason_is_normal(hall):
    ticket = hall.issue(channel="guide_desk", actor=hall.clerk1)

    assert ticket.priority == Priority.NORMAL


def test_a_queue_with_items_serves_only_those_items(hall):
    card = ServiceItem.objects.create(code="SSC-REPLACE", unit=hall.office)
    other = ServiceItem.objects.create(code="UNEMP-BENEFIT", unit=hall.office)
    hall.queue_b.items.add(card)

    assert (
        issue_ticket(queue=hall.queue_b, channel="kiosk", client_type="resident", item=card).item
        == card
    )
    # A queue that names no items takes any.
    assert (
        issue_ticket(queue=hall.queue_a, channel="kiosk", client_type="resident", item=other).item
        == other
    )


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"channel": "fax"}, "Unknown ticket channel"),
        ({"client_type": "tourist"}, "Choose the kind of client"),
        ({"green_reason": "vip", "actor": "head"}, "Choose a reason for the green channel"),
        ({"channel": "guide_desk"}, "names the staff member"),
        ({"green_reason": "elderly"}, "granted by staff at the guidance desk"),
        ({"green_reason": "disabled", "channel": "kiosk"}, "granted by staff"),
    ],
)
def test_a_ticket_with_bad_arguments_is_refused(hall, refused, arguments, match):
    arguments = {"channel": "kiosk", "client_type": "resident"} | arguments
    if arguments.get("actor") == "head":
        arguments["actor"] = hall.world.head

    with refused(HallError, match=match):
        issue_ticket(queue=hall.queue_a, **arguments)


@pytest.mark.parametrize("persona", ["outsider", "supervisor", "social_supervisor"])
def test_only_staff_of_the_unit_issue_at_the_guidance_desk(hall, refused, persona):
    with refused(PermissionDenied, match="Only staff of this unit"):
        issue_ticket(
            queue=hall.queue_a, channel="guide_desk", client_type="resident",
            actor=getattr(hall.world, persona),
        )  # fmt: skip


def test_a_unit_admin_of_another_unit_is_refused(hall, refused):
    admin = make_user("zheng", Role.UNIT_ADMIN, hall.world.other_office)

    with refused(PermissionDenied):
        issue_ticket(queue=hall.queue_a, channel="guide_desk", client_type="resident", actor=admin)


def test_a_queue_out_of_service_issues_nothing(hall, refused):
    Queue.objects.filter(pk=hall.queue_a.pk).update(active=False)
    hall.queue_a.refresh_from_db()

    with refused(HallError, match="not in service"):
        hall.issue()


def test_an_item_the_queue_does_not_serve_is_refused(hall, refused):
    card = ServiceItem.objects.create(code="SSC-REPLACE", unit=hall.office)
    other = ServiceItem.objects.create(code="UNEMP-BENEFIT", unit=hall.office)
    hall.queue_b.items.add(card)

    with refused(HallError, match="does not serve that item"):
        issue_ticket(queue=hall.queue_b, channel="kiosk", client_type="resident", item=other)
