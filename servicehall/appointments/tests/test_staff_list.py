"""The staff's list of the day's bookings: masked only, for the unit's own staff; the head
on duty may show one full number with a purpose, which is logged first (D-10)."""

from __future__ import annotations

from django.urls import reverse

from servicehall.appointments.actions import check_in
from servicehall.ledger.models import PersonalDataAccess
from servicehall.testing import log_in

from .factories import DAY, MOBILE, book, local, valid_id

LIST = reverse("appointments:staff")


def _full_url(row) -> str:
    return reverse("appointments:full-view", args=[row.code])


def test_the_clerk_sees_the_days_bookings_masked(client, hall, clock):
    first, second = book(hall.morning, 1), book(hall.card, 2, mobile="13900001111")
    clock.move_to(local(DAY, 8, 50))
    ticket = check_in(unit=hall.world.office, code=first.code).ticket
    log_in(client, hall.world.clerk)
    html = client.get(LIST, {"day": DAY.isoformat()}).content.decode()
    for row in (first, second):
        assert row.code in html and row.masked_id_number in html
    assert "138****5678" in html and "139****1111" in html
    for secret in (valid_id(1), valid_id(2), MOBILE, "13900001111"):
        assert secret not in html
    assert ticket.code in html
    assert "Show full ID number" not in html and _full_url(first) not in html  # clerk: no button


def test_the_list_defaults_to_today_and_shows_other_days(client, hall, clock):
    book(hall.morning, 1)
    log_in(client, hall.world.clerk)
    assert "张三" in client.get(LIST).content.decode()  # the clock stands on DAY
    assert "张三" not in client.get(LIST, {"day": "2026-03-03"}).content.decode()


def test_another_units_staff_see_nothing_of_ours(client, hall):
    row = book(hall.morning, 1)
    log_in(client, hall.world.outsider)
    html = client.get(LIST, {"day": DAY.isoformat()}).content.decode()
    assert row.code not in html
    response = client.post(_full_url(row), {"field": "id_number", "purpose": "handling"})
    assert response.status_code in (403, 404)
    assert not PersonalDataAccess.objects.exists()


def test_people_outside_the_units_staff_are_refused(client, hall):
    assert client.get(LIST).status_code == 302  # to the login page
    log_in(client, hall.world.supervisor)
    assert client.get(LIST).status_code == 403


def test_the_head_on_duty_sees_a_full_number_and_it_is_logged(client, hall):
    row = book(hall.morning, 1)
    log_in(client, hall.world.head)
    html = client.get(LIST, {"day": DAY.isoformat()}).content.decode()
    assert _full_url(row) in html and valid_id(1) not in html
    response = client.post(_full_url(row), {"field": "id_number", "purpose": "identity"})
    assert response.status_code == 200
    assert valid_id(1) in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.unit, log.field, log.purpose) == (
        hall.world.head, hall.world.office, "id_number", "identity",
    )  # fmt: skip
    assert (log.subject_type, log.subject_id) == ("appointments.appointment", str(row.pk))
    response = client.post(_full_url(row), {"field": "mobile", "purpose": "callback"})
    assert MOBILE in response.content.decode()
    assert PersonalDataAccess.objects.filter(field="mobile", purpose="callback").count() == 1


def test_no_full_view_without_a_purpose_or_by_a_clerk(client, hall):
    row = book(hall.morning, 1)
    log_in(client, hall.world.head)
    response = client.post(_full_url(row), {"field": "id_number"})
    assert response.status_code == 302 and valid_id(1) not in response.content.decode()
    response = client.post(_full_url(row), {"field": "id_number", "purpose": "export"})
    assert response.status_code == 302
    assert client.get(_full_url(row)).status_code == 405
    log_in(client, hall.world.clerk)
    response = client.post(_full_url(row), {"field": "id_number", "purpose": "handling"})
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_the_list_costs_the_same_queries_for_more_bookings(client, hall):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    log_in(client, hall.world.head)
    book(hall.morning, 1)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"day": DAY.isoformat()})
    for seq in range(2, 7):
        book(hall.card if seq % 2 else hall.morning, seq)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST, {"day": DAY.isoformat()})
    assert len(many) == len(few)
