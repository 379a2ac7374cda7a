"""The devices admin: issuing shows the token once, in a message, and stores its hash;
"revoke" goes through the action; a unit administrator sees and issues for their own unit
only; devices are never edited or deleted."""

from __future__ import annotations

import re

from django.contrib.messages import get_messages
from django.urls import reverse

from servicehall.devices.actions import issue_device
from servicehall.devices.choices import DeviceKind
from servicehall.devices.models import Device, hash_token
from servicehall.ledger.models import LedgerEntry
from servicehall.org.models import Window
from servicehall.testing import log_in

ADD = "admin:devices_device_add"
LIST = "admin:devices_device_changelist"


def _add(client, unit, kind="kiosk", window=None, name="一楼取号机"):
    return client.post(
        reverse(ADD),
        {"unit": unit.pk, "kind": kind, "name": name, "window": window.pk if window else ""},
        follow=True,
    )


def _token_in(response) -> str | None:
    found = re.search(r"<code class='device-token'>(shd_[\w-]+)</code>", response.content.decode())
    return found[1] if found else None


def test_the_token_is_shown_once_after_issuing_and_works(client, world):
    log_in(client, world.unit_admin)

    response = _add(client, world.office)

    token = _token_in(response)
    device = Device.objects.get()
    assert token is not None and device.token_hash == hash_token(token)
    assert device.created_by == world.unit_admin
    assert LedgerEntry.objects.get().event_type == "devices.device_issued"
    # Shown once: the next page has no token, and the device's own page never shows it.
    assert _token_in(client.get(reverse(LIST))) is None
    page = client.get(reverse("admin:devices_device_change", args=[device.pk]))
    assert page.status_code == 200 and token not in page.content.decode()
    assert 'name="name"' not in page.content.decode()  # shown, not editable
    queues = client.get(reverse("devices:health"))
    assert queues.status_code == 200
    api = client.get(reverse("devices:queues"), headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200


def test_an_invalid_device_is_refused_by_the_form(client, world):
    log_in(client, world.unit_admin)

    response = _add(client, world.office, kind=DeviceKind.COUNTER_TERMINAL)

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Device.objects.exists() and not LedgerEntry.objects.exists()


def test_the_revoke_action_goes_through_the_ledger(client, world):
    device, token = issue_device(
        world.unit_admin, unit=world.office, kind=DeviceKind.KIOSK, name="k"
    )
    log_in(client, world.unit_admin)

    response = client.post(
        reverse(LIST), {"action": "revoke", "_selected_action": [device.pk]}, follow=True
    )

    assert response.status_code == 200
    assert Device.objects.get().revoked_at is not None
    assert LedgerEntry.objects.filter(event_type="devices.device_revoked").count() == 1
    api = client.get(reverse("devices:queues"), headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_revoking_twice_says_so(client, world):
    device, _token = issue_device(
        world.unit_admin, unit=world.office, kind=DeviceKind.KIOSK, name="k"
    )
    log_in(client, world.system_admin)
    for _ in range(2):
        response = client.post(
            reverse(LIST), {"action": "revoke", "_selected_action": [device.pk]}, follow=True
        )
    assert any(m.level_tag == "error" for m in get_messages(response.wsgi_request))
    assert LedgerEntry.objects.filter(event_type="devices.device_revoked").count() == 1


def test_a_unit_administrator_works_within_their_unit(client, world):
    issue_device(world.system_admin, unit=world.other_office, kind=DeviceKind.KIOSK, name="乙机")
    issue_device(world.unit_admin, unit=world.office, kind=DeviceKind.KIOSK, name="甲机")
    log_in(client, world.unit_admin)

    listing = client.get(reverse(LIST)).content.decode()
    form = client.get(reverse(ADD)).content.decode()
    refused = _add(client, world.other_office, name="越权")

    assert "甲机" in listing and "乙机" not in listing
    active = client.get(reverse(LIST), {"state": "active"}).content.decode()
    revoked = client.get(reverse(LIST), {"state": "revoked"}).content.decode()
    assert "甲机" in active and "甲机" not in revoked
    assert world.other_office.name not in listing
    assert world.office.name in form and world.other_office.name not in form
    other_window = Window.objects.get(unit=world.other_office)
    assert f'value="{other_window.pk}"' not in form
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert not Device.objects.filter(name="越权").exists()


def test_the_system_administrator_issues_for_any_unit(client, world):
    log_in(client, world.system_admin)

    _add(client, world.other_office, kind="counter_terminal",
         window=Window.objects.get(unit=world.other_office))  # fmt: skip

    assert Device.objects.get().unit == world.other_office


def test_staff_who_are_not_administrators_have_no_devices_admin(client, world):
    world.head.is_staff = True
    world.head.save(update_fields=["is_staff"])
    log_in(client, world.head)

    assert client.get(reverse(LIST)).status_code == 403
    assert client.get(reverse(ADD)).status_code == 403


def test_devices_are_never_deleted(client, world):
    device, _token = issue_device(
        world.unit_admin, unit=world.office, kind=DeviceKind.KIOSK, name="k"
    )
    log_in(client, world.system_admin)

    delete = reverse("admin:devices_device_delete", args=[device.pk])
    response = client.post(delete, {"post": "yes"})

    assert response.status_code == 403
    assert Device.objects.exists()
