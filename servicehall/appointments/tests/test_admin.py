"""The admin: slots are configured; bookings are only viewed, masked, and found by code
or by a whole ID number through the blind index."""

from __future__ import annotations

from django.urls import reverse

from servicehall.testing import log_in

from .factories import MOBILE, book, valid_id


def test_bookings_are_masked_and_read_only_in_the_admin(client, hall):
    row = book(hall.morning, 1)
    log_in(client, hall.world.system_admin)
    listing = client.get(reverse("admin:appointments_appointment_changelist")).content.decode()
    detail = client.get(
        reverse("admin:appointments_appointment_change", args=[row.pk])
    ).content.decode()
    for html in (listing, detail):
        assert row.masked_id_number in html and "138****5678" in html
        assert valid_id(1) not in html and MOBILE not in html
        assert row.id_number_token not in html
    assert 'name="client_name"' not in detail
    response = client.post(reverse("admin:appointments_appointment_change", args=[row.pk]), {})
    assert response.status_code == 403


def test_the_admin_finds_a_booking_by_id_number(client, hall):
    wanted, other = book(hall.morning, 1), book(hall.morning, 2)
    log_in(client, hall.world.system_admin)
    url = reverse("admin:appointments_appointment_changelist")
    html = client.get(url, {"q": valid_id(1)}).content.decode()
    assert wanted.code in html and other.code not in html
    html = client.get(url, {"q": other.code}).content.decode()
    assert other.code in html and wanted.code not in html


def test_slots_are_listed_with_places_taken(client, hall):
    book(hall.morning, 1)
    log_in(client, hall.world.system_admin)
    html = client.get(reverse("admin:appointments_slot_changelist")).content.decode()
    assert "失业保险金申领" in html
    page = client.get(reverse("admin:appointments_slot_change", args=[hall.morning.pk]))
    assert 'name="booked"' not in page.content.decode()


def test_editing_a_booked_slot_changes_only_its_places_and_keeps_the_count(client, hall):
    from servicehall.appointments.models import Slot

    book(hall.morning, 1)
    log_in(client, hall.world.system_admin)
    url = reverse("admin:appointments_slot_change", args=[hall.morning.pk])
    html = client.get(url).content.decode()
    assert 'name="day"' not in html and 'name="capacity"' in html
    # A booking lands between loading the form and saving it.
    book(hall.morning, 2)
    response = client.post(url, {"capacity": "8"})
    assert response.status_code == 302
    slot = Slot.objects.get(pk=hall.morning.pk)
    assert (slot.capacity, slot.booked, slot.day) == (8, 2, hall.morning.day)


def test_the_capacity_cannot_drop_below_the_places_taken(client, hall):
    from servicehall.appointments.models import Slot

    book(hall.morning, 1)
    book(hall.morning, 2)
    log_in(client, hall.world.system_admin)
    url = reverse("admin:appointments_slot_change", args=[hall.morning.pk])
    response = client.post(url, {"capacity": "1"})
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert Slot.objects.get(pk=hall.morning.pk).capacity == 6
