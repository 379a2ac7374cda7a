"""The booking action: every bad input is refused with a clear message and changes nothing;
capacity, start time and one booking per ID number, day and item hold."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from servicehall.appointments.actions import BookingError
from servicehall.appointments.choices import AppointmentStatus
from servicehall.appointments.models import CODE_ALPHABET, Appointment, Slot
from servicehall.ledger.models import LedgerEntry

from .factories import DAY, MOBILE, book, local, valid_id


def _messages(error: BookingError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _nothing_changed(slot: Slot, appointments: int = 0, entries: int | None = None) -> None:
    assert Appointment.objects.count() == appointments
    assert Slot.objects.get(pk=slot.pk).booked == appointments
    if entries is not None:
        assert LedgerEntry.objects.filter(event_type="appointments.booked").count() == entries


def test_a_booking_takes_a_place_and_gets_a_code(hall):
    row = book(hall.morning)
    assert row.status == AppointmentStatus.BOOKED
    assert len(row.code) == 8 and set(row.code) <= set(CODE_ALPHABET)
    assert (row.unit, row.item, row.day) == (hall.world.office, hall.items["benefit"], DAY)
    assert Slot.objects.get(pk=hall.morning.pk).booked == 1
    entry = LedgerEntry.objects.get(event_type="appointments.booked")
    assert (entry.unit_id, entry.channel, entry.actor_id) == (hall.world.office.pk, "portal", None)
    assert entry.subject_type == "appointments.appointment" and entry.subject_id == str(row.pk)
    payload = json.loads(entry.payload)
    assert payload["state"] == {
        "code": row.code, "slot": hall.morning.pk, "status": "booked", "ticket": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "chinese"),
    [
        ("id_number", valid_id(1)[:17] + ("0" if valid_id(1)[17] != "0" else "1"), "校验码不匹配"),
        ("id_number", "110105" + "19800230" + "0014", "19800230 不是有效日期"),
        ("id_number", "11010519800101", "应为18位"),
        ("mobile", "1381234567", "手机号码应为11位"),
        ("mobile", "12812345678", "手机号码应以13至19开头"),
    ],
    ids=["check-character", "impossible-date", "short-id", "short-mobile", "mobile-prefix"],
)
def test_bad_numbers_are_refused_in_chinese_and_change_nothing(hall, field, value, chinese):
    with translation.override("zh-hans"), pytest.raises(BookingError) as caught:
        book(hall.morning, **{field: value})
    assert chinese in " ".join(_messages(caught.value)[field])
    _nothing_changed(hall.morning, entries=0)


def test_every_bad_field_is_named_at_once(hall):
    with translation.override("zh-hans"), pytest.raises(BookingError) as caught:
        book(hall.morning, client_name="  ", id_number="123", mobile="abc", client_type="x")
    assert set(_messages(caught.value)) == {"client_name", "id_number", "mobile", "client_type"}
    _nothing_changed(hall.morning, entries=0)


def test_a_full_slot_is_refused(hall):
    book(hall.small, 1)
    book(hall.small, 2)
    with pytest.raises(BookingError) as caught:
        book(hall.small, 3)
    assert "fully booked" in str(caught.value.messages) or "约满" in str(caught.value.messages)
    _nothing_changed(hall.small, appointments=2, entries=2)


def test_a_slot_that_has_begun_is_refused(hall, clock):
    clock.move_to(local(DAY, 9, 1))
    with pytest.raises(BookingError):
        book(hall.morning)
    _nothing_changed(hall.morning, entries=0)


def test_one_active_booking_per_id_number_day_and_item(hall):
    book(hall.morning, 1)
    with pytest.raises(BookingError) as caught:
        book(hall.small, 1)  # same item, same day, another time
    assert "id_number" in _messages(caught.value)
    assert Appointment.objects.count() == 1
    assert Slot.objects.get(pk=hall.small.pk).booked == 0
    # Another item the same day is another booking.
    book(hall.card, 1)
    assert Appointment.objects.count() == 2


def test_a_cancelled_booking_frees_the_id_number_for_another_time(hall):
    from servicehall.appointments.actions import cancel

    first = book(hall.morning, 1)
    cancel(code=first.code, id_last4=valid_id(1)[-4:])
    again = book(hall.small, 1)
    assert again.status == AppointmentStatus.BOOKED


def test_the_ledger_holds_no_personal_number(hall):
    row = book(hall.morning, 7, mobile="+86 139-1234-5678")
    payloads = " ".join(LedgerEntry.objects.values_list("payload", flat=True))
    for text in (valid_id(7), "13912345678", row.id_number_index, row.masked_id_number):
        assert text not in payloads
    assert row.mobile() == "13912345678"  # normalised before it was encrypted
    assert MOBILE not in payloads
