"""Who may see which booking: the client with the booking code and the last four
characters of the ID number; the staff of the booking's unit (masked data only)."""

from __future__ import annotations

import hmac
import unicodedata

from django.core.exceptions import PermissionDenied
from django.http import Http404

from servicehall.org.choices import UNIT_STAFF_ROLES

from .models import Appointment, normalize_code


def normalize_last4(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).upper()


def booking_for_client(code: str, id_last4: str) -> Appointment | None:
    """The booking with this code whose ID number ends with these four characters.

    None when either does not match, so the answer never says which one was wrong.
    """
    last4 = normalize_last4(id_last4)
    row = (
        Appointment.objects.filter(code=normalize_code(code))
        .select_related("slot", "item__current", "unit", "ticket")
        .first()
    )
    if row is None or len(last4) != 4:
        return None
    if not hmac.compare_digest(row.id_number()[-4:].encode(), last4.encode()):
        return None
    return row


def require_unit_staff(user) -> None:
    if user.role not in UNIT_STAFF_ROLES or not user.unit_id:
        raise PermissionDenied


def booking_for_staff(user, code: str) -> Appointment:
    """A booking of the user's own unit, or 404 (another unit's booking is not confirmed)."""
    require_unit_staff(user)
    row = (
        Appointment.objects.filter(code=normalize_code(code), unit_id=user.unit_id)
        .select_related("slot", "item__current", "unit", "ticket")
        .first()
    )
    if row is None:
        raise Http404
    return row
