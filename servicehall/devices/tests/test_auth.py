"""Devices authenticate with their own token (Authorization: Bearer), and only that: an
unknown or revoked token is refused with 401, a device of the wrong kind with 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from servicehall.devices.actions import revoke_device
from servicehall.devices.auth import Unauthorized, authenticate
from servicehall.devices.models import Device
from servicehall.queueing.models import Ticket
from servicehall.testing import log_in


def test_a_request_without_a_token_is_refused_with_401(api, hall):
    response = api.post("issue-ticket", {"queue": "A", "client_type": "resident"}, lang="en")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"
    assert "Authorization: Bearer" in response.json()["message"]
    assert not Ticket.objects.exists()


def test_another_scheme_is_no_token(api, hall, client):
    path = reverse("devices:queues")
    response = client.get(path, headers={"Authorization": f"Basic {hall.token('kiosk')}"})
    assert response.status_code == 401


def test_an_unknown_token_is_refused_with_401(api, hall):
    response = api.get("queues", token=hall.token("kiosk") + "x", lang="en")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert response.json() == {
        "error": "unauthorized",
        "message": "This device token is unknown or has been revoked.",
    }


def test_a_revoked_token_stops_working_at_once(api, hall):
    assert api.get("queues", token=hall.token("kiosk")).status_code == 200

    revoke_device(hall.world.unit_admin, hall.devices["kiosk"])

    response = api.post(
        "issue-ticket", {"queue": "A", "client_type": "resident"}, token=hall.token("kiosk")
    )
    assert response.status_code == 401
    assert not Ticket.objects.exists()


def test_a_display_cannot_issue_or_call_tickets(api, hall):
    issued = api.post(
        "issue-ticket",
        {"queue": "A", "client_type": "resident"},
        token=hall.token("display"),
        lang="en",
    )
    called = api.post("window-call-next", token=hall.token("display"), lang="en")

    assert issued.status_code == called.status_code == 403
    assert issued.json() == {
        "error": "forbidden",
        "message": "A device of this kind (Hall display) may not use this endpoint.",
    }
    assert not Ticket.objects.exists()


def test_each_kind_reaches_only_its_own_endpoints(api, hall):
    table = {
        # endpoint: kinds that may use it
        "queues": {"kiosk", "phone"},
        "display": {"display"},
        "window": {"terminal", "pad"},
    }
    for endpoint, kinds in table.items():
        for device in ("kiosk", "phone", "display", "pad", "terminal"):
            status = api.get(endpoint, token=hall.token(device)).status_code
            assert (status == 200) == (device in kinds), (endpoint, device, status)
            assert status in (200, 403)


def test_a_logged_in_session_is_no_device(client, api, hall):
    """The API is exempt from CSRF because it accepts tokens only, never the session."""
    log_in(client, hall.world.clerk)

    response = api.post("window-call-next")

    assert response.status_code == 401


def test_token_requests_need_no_csrf_token(hall):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("devices:issue-ticket"),
        {"queue": "A", "client_type": "resident"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {hall.token('kiosk')}"},
    )
    assert response.status_code == 201


def test_last_seen_is_written_at_most_once_a_minute(api, hall, clock):
    kiosk = hall.devices["kiosk"]
    assert Device.objects.get(pk=kiosk.pk).last_seen_at is None

    api.get("queues", token=hall.token("kiosk"))
    first = Device.objects.get(pk=kiosk.pk).last_seen_at
    api.get("queues", token=hall.token("kiosk"))
    assert Device.objects.get(pk=kiosk.pk).last_seen_at == first

    clock.shift(dt.timedelta(minutes=2))
    api.get("queues", token=hall.token("kiosk"))
    assert Device.objects.get(pk=kiosk.pk).last_seen_at > first


def test_the_wrong_method_is_refused_with_405(client, hall):
    response = client.get(
        reverse("devices:issue-ticket"), headers={"Authorization": f"Bearer {hall.token('kiosk')}"}
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"] == "method_not_allowed"


def test_a_device_and_its_window_are_read_in_one_statement(hall, django_assert_num_queries):
    terminal = hall.devices["terminal"]
    Device.objects.filter(pk=terminal.pk).update(last_seen_at=timezone.now())
    request = RequestFactory().get(
        "/", headers={"Authorization": f"Bearer {hall.token('terminal')}"}
    )

    with django_assert_num_queries(1):
        device = authenticate(request)
        assert (device.pk, device.window, device.window.number) == (terminal.pk, hall.window1, 1)
    stored = Device.objects.get(pk=terminal.pk)
    assert [getattr(device, f.attname) for f in Device._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in Device._meta.concrete_fields
    ]
    assert device.last_seen_at.tzinfo is not None


def test_a_device_without_a_window_is_read_without_one(hall, django_assert_num_queries):
    request = RequestFactory().get("/", headers={"Authorization": f"Bearer {hall.token('kiosk')}"})
    device = authenticate(request)

    with django_assert_num_queries(0):
        assert (device.pk, device.window) == (hall.devices["kiosk"].pk, None)


def test_a_revoked_token_is_refused_by_the_very_next_authentication(hall):
    request = RequestFactory().get("/", headers={"Authorization": f"Bearer {hall.token('kiosk')}"})
    assert authenticate(request).pk == hall.devices["kiosk"].pk

    revoke_device(hall.world.unit_admin, hall.devices["kiosk"])

    with pytest.raises(Unauthorized):
        authenticate(request)
