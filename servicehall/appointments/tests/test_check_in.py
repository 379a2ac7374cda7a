"""Check-in at the kiosk: from 30 minutes before the slot to 15 minutes after, a ticket of
the appointment priority class in the queue that serves the item (else queue A)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

from servicehall.appointments.actions import BookingError, check_in
from servicehall.appointments.choices import AppointmentStatus
from servicehall.appointments.models import Appointment
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import verify_all
from servicehall.queueing.choices import Priority, TicketChannel
from servicehall.queueing.models import Queue, Ticket

from .factories import DAY, MOBILE, book, local, valid_id


def _refused(hall, code, message_part=None):
    before = (Ticket.objects.count(), LedgerEntry.objects.count())
    with translation.override("zh-hans"), pytest.raises(BookingError) as caught:
        check_in(unit=hall.world.office, code=code)
    assert (Ticket.objects.count(), LedgerEntry.objects.count()) == before
    if message_part:
        assert message_part in " ".join(caught.value.messages)
    return caught.value


@pytest.mark.parametrize(("hour", "minute"), [(8, 30), (9, 0), (9, 15)])
def test_check_in_within_the_window_gives_an_appointment_ticket(hall, clock, hour, minute):
    row = book(hall.morning)
    clock.move_to(local(DAY, hour, minute))
    checked = check_in(unit=hall.world.office, code=row.code)
    ticket = checked.ticket
    assert checked.status == AppointmentStatus.CHECKED_IN
    assert Appointment.objects.get(pk=row.pk).ticket_id == ticket.pk
    assert ticket.priority == Priority.APPOINTMENT
    assert ticket.channel == TicketChannel.APPOINTMENT
    assert ticket.queue == hall.queues["C"]  # the queue that serves the benefit
    assert ticket.item == hall.items["benefit"] and ticket.client_type == "unemployed"
    assert ticket.code == "C001"


def test_too_early_says_when_check_in_opens(hall, clock):
    row = book(hall.morning)
    clock.move_to(local(DAY, 8, 29))
    error = _refused(hall, row.code, "08:30")
    assert error.messages
    assert Appointment.objects.get(pk=row.pk).status == AppointmentStatus.BOOKED


def test_a_booking_for_another_day_names_the_day(hall, clock):
    row = book(hall.morning)
    clock.move_to(local(DAY.replace(day=1), 9))
    _refused(hall, row.code, "2026-03-02")


def test_too_late_sends_the_client_to_the_kiosk(hall, clock):
    row = book(hall.morning)
    clock.move_to(local(DAY, 9, 16))
    _refused(hall, row.code, "09:15")
    assert Appointment.objects.get(pk=row.pk).status == AppointmentStatus.BOOKED


def test_a_second_check_in_names_the_ticket_and_issues_none(hall, clock):
    row = book(hall.morning)
    clock.move_to(local(DAY, 8, 50))
    ticket = check_in(unit=hall.world.office, code=row.code).ticket
    _refused(hall, row.code, ticket.code)


def test_a_cancelled_booking_does_not_check_in(hall, clock):
    from servicehall.appointments.actions import cancel

    row = book(hall.morning)
    cancel(code=row.code, id_last4=valid_id(1)[-4:])
    clock.move_to(local(DAY, 8, 50))
    _refused(hall, row.code)


def test_another_units_kiosk_refuses_the_booking(hall, clock):
    row = book(hall.morning)
    clock.move_to(local(DAY, 8, 50))
    with pytest.raises(BookingError):
        check_in(unit=hall.world.other_office, code=row.code)
    assert not Ticket.objects.exists()


def test_an_unknown_code_is_refused(hall, clock):
    clock.move_to(local(DAY, 8, 50))
    _refused(hall, "ABCD2345")
    _refused(hall, "  ")


def test_an_item_no_queue_lists_goes_to_queue_a(hall, clock):
    row = book(hall.card)
    clock.move_to(local(DAY, 8, 50))
    ticket = check_in(unit=hall.world.office, code=row.code).ticket
    assert ticket.queue == hall.queues["A"] and ticket.item == hall.items["card"]
    assert ticket.priority == Priority.APPOINTMENT


def test_queue_a_listing_other_items_takes_the_ticket_without_the_item(hall, clock):
    hall.queues["A"].items.set([hall.items["benefit"]])
    hall.queues["C"].items.clear()
    row = book(hall.card)
    clock.move_to(local(DAY, 8, 50))
    ticket = check_in(unit=hall.world.office, code=row.code).ticket
    assert ticket.queue == hall.queues["A"] and ticket.item is None


def test_without_any_queue_nothing_changes(hall, clock):
    Queue.objects.update(active=False)
    row = book(hall.card)
    clock.move_to(local(DAY, 8, 50))
    _refused(hall, row.code)
    assert Appointment.objects.get(pk=row.pk).status == AppointmentStatus.BOOKED


def test_the_appointment_ticket_comes_before_earlier_walk_ins(hall, clock):
    from servicehall.queueing import actions as hall_actions
    from servicehall.queueing.choices import TicketStatus

    row = book(hall.morning)
    clock.move_to(local(DAY, 8, 40))
    walk_in = hall_actions.issue_ticket(
        queue=hall.queues["C"], channel=TicketChannel.KIOSK, client_type="unemployed"
    )
    clock.move_to(local(DAY, 8, 45))
    booked_ticket = check_in(unit=hall.world.office, code=row.code).ticket
    assert (walk_in.code, booked_ticket.code) == ("C001", "C002")
    # The published calling order (N-2.3): priority class, then issue time.
    waiting = Ticket.objects.filter(queue=hall.queues["C"], status=TicketStatus.WAITING)
    assert list(waiting.order_by("priority", "issued_at")) == [booked_ticket, walk_in]


def test_the_check_in_entry_is_the_tickets_and_names_the_booking(hall, clock):
    row = book(hall.morning)
    clock.move_to(local(DAY, 8, 50))
    ticket = check_in(unit=hall.world.office, code=row.code).ticket
    entry = LedgerEntry.objects.get(event_type="appointments.checked_in")
    assert (entry.subject_type, entry.subject_id) == ("queueing.ticket", str(ticket.pk))
    assert entry.channel == "kiosk" and entry.actor_id is None
    payload = json.loads(entry.payload)
    assert payload["appointment"] == row.code and payload["ticket"] == ticket.code
    assert payload["appointment_state"]["status"] == "checked_in"
    assert payload["minutes_from_start"] == -10
    assert MOBILE not in entry.payload and valid_id(1) not in entry.payload
    # The ticket's state is the one its entry recorded: `ledger verify` finds no problem.
    assert verify_all()[0] == []


def test_check_in_writes_exactly_one_entry(hall, clock):
    row = book(hall.morning)
    clock.move_to(local(DAY, 8, 50))
    before = LedgerEntry.objects.count()
    check_in(unit=hall.world.office, code=row.code)
    assert LedgerEntry.objects.count() == before + 1


# --- the kiosk page -------------------------------------------------------------------------


def test_the_kiosk_page_checks_in_and_goes_to_the_ticket(client, hall, clock):
    row = book(hall.morning)
    clock.move_to(local(DAY, 8, 50))
    url = reverse("appointments:check-in", args=[hall.world.office.code])
    page = client.get(url).content.decode()
    assert 'class="kiosk"' in page and "huge" in page and 'data-key="A"' in page
    response = client.post(url, {"code": row.code_display.lower()})
    ticket = Appointment.objects.get(pk=row.pk).ticket
    assert response.status_code == 302
    assert response["Location"] == f"/hall/ticket/{ticket.follow_token}/"


def test_the_kiosk_page_shows_why_in_chinese(client, hall, clock):
    row = book(hall.morning)
    clock.move_to(local(DAY, 8, 0))
    url = reverse("appointments:check-in", args=[hall.world.office.code])
    response = client.post(url, {"code": row.code})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="check-in-error"' in html
    with translation.override("zh-hans"):
        expected = str(translation.gettext("It is too early: check in from {time}.")).format(
            time="08:30"
        )
    assert expected in html
    assert not Ticket.objects.exists()


def test_the_kiosk_page_of_an_unknown_unit_is_not_found(client, hall):
    assert client.get("/appointments/check-in/NOPE/").status_code == 404
