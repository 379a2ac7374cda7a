"""Cancelling: by the client, with the booking code and the last four characters of the
ID number, before the slot begins; the place is free again. And the lookup page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicehall.appointments.actions import BookingError, cancel
from servicehall.appointments.choices import AppointmentStatus
from servicehall.appointments.models import Appointment, Slot
from servicehall.ledger.models import LedgerEntry

from .factories import DAY, MOBILE, book, local, valid_id


def test_cancel_frees_the_place_and_is_recorded(hall):
    row = book(hall.small, 1)
    book(hall.small, 2)
    cancelled = cancel(code=row.code.lower(), id_last4=valid_id(1)[-4:])
    assert cancelled.status == AppointmentStatus.CANCELLED
    assert Appointment.objects.get(pk=row.pk).closed_at is not None
    assert Slot.objects.get(pk=hall.small.pk).booked == 1
    entry = LedgerEntry.objects.get(event_type="appointments.cancelled")
    assert entry.subject_id == str(row.pk) and entry.channel == "portal"
    book(hall.small, 3)  # the place is there again
    assert Slot.objects.get(pk=hall.small.pk).booked == 2


@pytest.mark.parametrize("last4", ["0000", "", "12345"])
def test_a_wrong_last4_cancels_nothing(hall, last4):
    row = book(hall.morning, 1)
    with pytest.raises(BookingError):
        cancel(code=row.code, id_last4=last4)
    assert Appointment.objects.get(pk=row.pk).status == AppointmentStatus.BOOKED
    assert not LedgerEntry.objects.filter(event_type="appointments.cancelled").exists()


def test_an_unknown_code_and_a_wrong_last4_get_the_same_answer(hall):
    row = book(hall.morning, 1)
    with pytest.raises(BookingError) as unknown:
        cancel(code="ZZZZZZZZ", id_last4=valid_id(1)[-4:])
    with pytest.raises(BookingError) as wrong:
        cancel(code=row.code, id_last4="0000")
    assert unknown.value.messages == wrong.value.messages


def test_no_cancelling_once_the_slot_has_begun(hall, clock):
    row = book(hall.morning, 1)
    clock.move_to(local(DAY, 9))
    with pytest.raises(BookingError):
        cancel(code=row.code, id_last4=valid_id(1)[-4:])
    assert Appointment.objects.get(pk=row.pk).status == AppointmentStatus.BOOKED
    assert Slot.objects.get(pk=hall.morning.pk).booked == 1


def test_a_cancelled_booking_is_not_cancelled_twice(hall):
    row = book(hall.morning, 1)
    cancel(code=row.code, id_last4=valid_id(1)[-4:])
    with pytest.raises(BookingError):
        cancel(code=row.code, id_last4=valid_id(1)[-4:])
    assert Slot.objects.get(pk=hall.morning.pk).booked == 0
    assert LedgerEntry.objects.filter(event_type="appointments.cancelled").count() == 1


def test_the_lookup_page_shows_the_booking_masked_and_cancels_it(client, hall):
    row = book(hall.morning, 4)
    url = reverse("appointments:lookup")
    page = client.post(url, {"code": row.code_display, "id_last4": valid_id(4)[-4:].lower()})
    html = page.content.decode()
    assert page.status_code == 200 and row.code_display in html
    assert row.masked_id_number in html and "138****5678" in html
    assert valid_id(4) not in html and MOBILE not in html
    assert 'data-testid="cancel"' in html
    page = client.post(url, {"code": row.code, "id_last4": valid_id(4)[-4:], "cancel": "1"})
    html = page.content.decode()
    assert Appointment.objects.get(pk=row.pk).status == AppointmentStatus.CANCELLED
    assert "已取消" in html or "cancelled" in html
    assert 'data-testid="cancel"' not in html


def test_the_lookup_page_says_nothing_for_a_wrong_pair(client, hall):
    row = book(hall.morning, 4)
    page = client.post(reverse("appointments:lookup"), {"code": row.code, "id_last4": "9999"})
    html = page.content.decode()
    assert page.status_code == 200
    assert row.client_name not in html and row.masked_id_number not in html
    assert 'role="alert"' in html
