"""Issuing and revoking device tokens: by the system administrator or the unit's own
administrator, each with one ledger entry; the token is returned once and only its hash
is stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from servicehall.devices.actions import device_state, issue_device, revoke_device
from servicehall.devices.choices import DeviceKind
from servicehall.devices.models import Device, hash_token
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import verify_all
from servicehall.org.models import Window


@pytest.fixture
def window(world) -> Window:
    return Window.objects.get(unit=world.office, number=1)


def _issue(actor, unit, kind=DeviceKind.KIOSK, window=None, name="一楼取号机"):
    return issue_device(actor, unit=unit, kind=kind, name=name, window=window)


def _all_text_in_the_database() -> str:
    """Every text value of every table: the plaintext token must be in none of them."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


def test_the_unit_administrator_issues_a_device_and_only_the_tokens_hash_is_stored(world):
    device, token = _issue(world.unit_admin, world.office)

    stored = Device.objects.get()
    assert stored.pk == device.pk
    assert (stored.unit, stored.kind, stored.name, stored.created_by) == (
        world.office, "kiosk", "一楼取号机", world.unit_admin,
    )  # fmt: skip
    assert token.startswith("shd_") and len(token) >= 40
    assert stored.token_hash == hash_token(token) and len(stored.token_hash) == 64
    assert stored.revoked_at is None and stored.last_seen_at is None
    assert token not in _all_text_in_the_database()


def test_each_device_gets_its_own_token(world):
    tokens = {_issue(world.unit_admin, world.office, name=f"k{n}")[1] for n in range(3)}
    assert len(tokens) == 3


def test_issuing_writes_one_ledger_entry_with_the_devices_state(world):
    device, _token = _issue(world.unit_admin, world.office)

    [entry] = LedgerEntry.objects.all()
    assert (entry.unit, entry.event_type, entry.actor) == (
        world.office, "devices.device_issued", world.unit_admin,
    )  # fmt: skip
    assert (entry.subject_type, entry.subject_id) == ("devices.device", str(device.pk))
    assert '"state":{' in entry.payload and device.token_hash in entry.payload
    assert device_state(device)["revoked_at"] is None


def test_the_system_administrator_issues_for_any_unit(world):
    device, _token = _issue(world.system_admin, world.other_office)
    assert device.unit == world.other_office
    assert LedgerEntry.objects.get().unit == world.other_office


@pytest.mark.parametrize("persona", ["clerk", "head", "supervisor", "security_admin", "outsider"])
def test_nobody_else_issues_devices(world, persona):
    with pytest.raises(PermissionDenied):
        _issue(getattr(world, persona), world.office)
    assert not Device.objects.exists() and not LedgerEntry.objects.exists()


def test_a_unit_administrator_does_not_issue_for_another_unit(world):
    with pytest.raises(PermissionDenied):
        _issue(world.unit_admin, world.other_office)
    assert not Device.objects.exists()


def test_a_counter_terminal_belongs_to_a_window_of_its_unit(world, window):
    with pytest.raises(ValidationError) as missing:
        _issue(world.unit_admin, world.office, DeviceKind.COUNTER_TERMINAL)
    other_window = Window.objects.get(unit=world.other_office)
    with pytest.raises(ValidationError) as elsewhere:
        _issue(world.system_admin, world.office, DeviceKind.COUNTER_TERMINAL, other_window)

    assert "window" in missing.value.message_dict and "window" in elsewhere.value.message_dict
    device, _token = _issue(world.unit_admin, world.office, DeviceKind.COUNTER_TERMINAL, window)
    assert device.window == window
    assert Device.objects.count() == 1 and LedgerEntry.objects.count() == 1


def test_a_kiosk_is_not_placed_at_a_window(world, window):
    with pytest.raises(ValidationError):
        _issue(world.unit_admin, world.office, DeviceKind.KIOSK, window)
    assert not Device.objects.exists()


def test_revoking_stops_the_device_and_writes_one_entry(world):
    device, _token = _issue(world.unit_admin, world.office)

    revoke_device(world.system_admin, device)

    stored = Device.objects.get()
    assert stored.revoked_at is not None and stored.revoked_by == world.system_admin
    entry = LedgerEntry.objects.latest("seq")
    assert (entry.event_type, entry.actor) == ("devices.device_revoked", world.system_admin)
    assert LedgerEntry.objects.count() == 2


def test_a_device_is_revoked_once(world):
    device, _token = _issue(world.unit_admin, world.office)
    revoke_device(world.unit_admin, device)

    with pytest.raises(ValidationError):
        revoke_device(world.unit_admin, device)
    assert LedgerEntry.objects.count() == 2


def test_only_administrators_of_its_unit_revoke_a_device(world):
    device, _token = _issue(world.system_admin, world.other_office)

    for persona in (world.unit_admin, world.head, world.outsider):
        with pytest.raises(PermissionDenied):
            revoke_device(persona, device)
    assert Device.objects.get().revoked_at is None


def test_the_ledger_vouches_for_the_devices(world):
    device, _token = _issue(world.unit_admin, world.office)
    revoke_device(world.unit_admin, device)
    assert verify_all()[0] == []


def test_a_token_swapped_behind_the_applications_back_is_found(world):
    _issue(world.unit_admin, world.office)
    Device.objects.update(token_hash=hash_token("shd_attacker"))

    problems, _summary = verify_all()

    assert [problem.kind for problem in problems] == ["row changed behind the ledger"]
