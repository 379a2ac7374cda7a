"""Booking on the portal: choose an item, a day and a time with places left, enter name,
ID number and phone; the confirmation shows the code, its QR code and masked numbers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from servicehall.appointments.models import Appointment, Slot
from servicehall.ledger.models import LedgerEntry

from .factories import DAY, MOBILE, book, local, valid_id


def _chinese(msgid: str) -> str:
    """The page's text for ``msgid`` in Chinese (the English msgid until it is translated)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def _form(seq: int = 1, **overrides) -> dict:
    return {
        "client_name": "李四",
        "id_number": valid_id(seq),
        "mobile": MOBILE,
        "client_type": "unemployed",
    } | overrides


def test_the_index_lists_offices_and_items_with_places(client, hall):
    html = client.get(reverse("appointments:index")).content.decode()
    assert hall.world.office.name in html
    assert reverse("appointments:item", args=[hall.world.office.code, "UNEMP-BENEFIT"]) in html
    assert "失业保险金申领" in html and "社会保障卡挂失与补换" in html
    assert hall.world.other_office.name not in html  # no slots there


def test_the_item_page_shows_places_left_and_full_times(client, hall):
    book(hall.small, 1)
    book(hall.small, 2)
    url = reverse("appointments:item", args=[hall.world.office.code, "UNEMP-BENEFIT"])
    html = client.get(url).content.decode()
    assert reverse("appointments:book", args=[hall.morning.pk]) in html
    assert reverse("appointments:book", args=[hall.small.pk]) not in html  # full
    assert "09:00–10:00" in html and "10:00–11:00" in html
    assert "2026-03-02" in html


def test_times_that_have_begun_are_not_offered(client, hall, clock):
    clock.move_to(local(DAY, 9, 30))
    url = reverse("appointments:item", args=[hall.world.office.code, "UNEMP-BENEFIT"])
    html = client.get(url).content.decode()
    assert "09:00–10:00" not in html and "10:00–11:00" in html
    index = client.get(reverse("appointments:index")).content.decode()
    assert "社会保障卡挂失与补换" not in index  # its only time has begun


def test_booking_leads_to_the_confirmation_with_code_qr_and_masked_numbers(client, hall):
    page = client.get(reverse("appointments:book", args=[hall.morning.pk])).content.decode()
    assert 'name="id_number"' in page and 'name="mobile"' in page
    response = client.post(reverse("appointments:book", args=[hall.morning.pk]), _form(3))
    row = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appointments:booked", args=[row.code])
    html = client.get(response["Location"]).content.decode()
    assert (
        row.code_display in html and "<svg" in html and 'width="' not in html.split("<svg")[1][:80]
    )
    assert row.masked_id_number in html and "138****5678" in html
    assert valid_id(3) not in html and MOBILE not in html
    assert "08:30" in html and "09:15" in html  # the check-in window


def test_the_confirmation_is_only_for_the_browser_that_booked(client, hall):
    row = book(hall.morning, 3)
    response = client.get(reverse("appointments:booked", args=[row.code]))
    assert response.status_code == 302 and response["Location"] == reverse("appointments:lookup")


def _refused(client, slot, data, field_or_none, text):
    before = (Appointment.objects.count(), Slot.objects.get(pk=slot.pk).booked)
    entries = LedgerEntry.objects.count()
    response = client.post(reverse("appointments:book", args=[slot.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert text in html, text
    assert 'role="alert"' in html
    if field_or_none:
        assert f'id="id_{field_or_none}_error"' in html
    assert (Appointment.objects.count(), Slot.objects.get(pk=slot.pk).booked) == before
    assert LedgerEntry.objects.count() == entries
    return html


WRONG_CHECK = valid_id(1)[:17] + ("0" if valid_id(1)[17] != "0" else "1")


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (_form(id_number=WRONG_CHECK), "身份证号码有误：校验码不匹配，请核对。"),
        (_form(id_number="110105198002300014"), "身份证号码包含出生日期，19800230 不是有效日期。"),
        (_form(mobile="1381234567"), "手机号码应为11位，当前为10位。"),
        (_form(mobile="12812345678"), "手机号码应以13至19开头，当前以12开头。"),
    ],
    ids=["id-check-character", "id-impossible-date", "phone-length", "phone-prefix"],
)
def test_bad_numbers_are_refused_in_chinese_and_change_nothing(client, hall, data, text):
    field = "id_number" if data["id_number"] != valid_id(1) else "mobile"
    _refused(client, hall.morning, data, field, text)


def test_a_full_slot_is_refused_and_changes_nothing(client, hall):
    book(hall.small, 1)
    book(hall.small, 2)
    _refused(
        client, hall.small, _form(3), None,
        _chinese("This time is fully booked; choose another time."),
    )  # fmt: skip


def test_a_slot_that_has_begun_is_refused_and_changes_nothing(client, hall, clock):
    clock.move_to(local(DAY, 9, 5))
    _refused(
        client, hall.morning, _form(3), None,
        _chinese("This time has already begun; choose a later one."),
    )  # fmt: skip


def test_a_duplicate_booking_is_refused_and_changes_nothing(client, hall):
    book(hall.morning, 3)
    _refused(
        client, hall.small, _form(3), "id_number",
        _chinese(
            "This ID number already has a booking for this service on that day. "
            "Cancel it first if you want another time."
        ),
    )  # fmt: skip


def test_the_client_types_offered_are_the_items(client, hall):
    html = client.get(reverse("appointments:book", args=[hall.card.pk])).content.decode()
    assert 'value="resident"' in html and 'value="retiree"' in html
    assert 'value="employer"' not in html


def test_an_unknown_item_or_slot_is_not_found(client, hall):
    assert client.get(reverse("appointments:book", args=[9999])).status_code == 404
    url = reverse("appointments:item", args=[hall.world.office.code, "NOPE"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "msgid",
    [
        "This time is fully booked; choose another time.",
        "This time has already begun; choose a later one.",
        "No booking matches this code and these four characters.",
        "It is too early: check in from {time}.",
    ],
)
def test_the_appointments_messages_have_chinese(msgid):
    assert _chinese(msgid) != msgid
