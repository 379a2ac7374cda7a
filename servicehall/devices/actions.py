"""Issuing and revoking device tokens: by the system administrator, or by a unit's
administrator for their own unit; each writes one ledger entry."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.ledger.actions import Subject, append
from servicehall.ledger.canonical import optional_timestamp
from servicehall.ledger.registry import Reconciler, register_event, register_reconciler
from servicehall.org.choices import Role
from servicehall.org.models import Unit, User, Window

from .models import Device, hash_token, new_token

register_event("devices.device_issued", 1, "A device of the hall is issued an API token.")
register_event("devices.device_revoked", 1, "A device's API token is revoked.")


def device_state(row: Device) -> dict:
    # The token hash is recorded, so a token swapped behind the application's back is found
    # by ``ledger verify``; the hash of a 256-bit random token reveals nothing of it.
    return {
        "unit": row.unit_id,
        "kind": row.kind,
        "name": row.name,
        "window": row.window_id,
        "token_hash": row.token_hash,
        "created_by": row.created_by_id,
        "revoked_at": optional_timestamp(row.revoked_at),
        "revoked_by": row.revoked_by_id,
    }


register_reconciler(Reconciler("devices.device", Device, device_state))


def _check_administrator(actor: User, unit_id: int) -> None:
    if actor.role == Role.SYSTEM_ADMIN or (
        actor.role == Role.UNIT_ADMIN and actor.unit_id == unit_id
    ):
        return
    raise PermissionDenied(
        _("Only the system administrator, or the unit's administrator, manages its devices.")
    )


def _record(row: Device, event: str, actor: User) -> None:
    append(
        unit=row.unit_id,
        event=event,
        subject=Subject.of(row),
        payload={"state": device_state(row)},
        actor=actor,
    )


def issue_device(
    actor: User, *, unit: Unit, kind: str, name: str, window: Window | None = None
) -> tuple[Device, str]:
    """A new device of ``unit`` and its token. The token is returned here once and
    stored only as its hash: whoever issues it hands it to the device now."""
    _check_administrator(actor, unit.pk)
    token = new_token()
    row = Device(
        unit=unit, kind=kind, name=name.strip(), window=window, token_hash=hash_token(token),
        created_by=actor, created_at=timezone.now(),
    )  # fmt: skip
    row.full_clean()
    with transaction.atomic():
        row.save(force_insert=True)
        _record(row, "devices.device_issued", actor)
    return row, token


def revoke_device(actor: User, device: Device) -> Device:
    """The device's token stops working at once; the device stays listed, revoked."""
    _check_administrator(actor, device.unit_id)
    now = timezone.now()
    with transaction.atomic():
        # Compare and set: of two revocations at once, one is recorded.
        revoked = Device.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor
        )
        if revoked != 1:
            raise ValidationError(_("This device has already been revoked."), code="revoked")
        device.refresh_from_db()
        _record(device, "devices.device_revoked", actor)
    return device
