"""Who sees which ledger entries: the audit administrator everything, a supervisor the
units below, the head on duty and the unit administrator their unit, a clerk their own."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from servicehall.org.choices import Role

from .models import LedgerEntry


def visible_entries(user):
    entries = LedgerEntry.objects.all()
    if user.role == Role.AUDIT_ADMIN:
        return entries
    if user.role == Role.SUPERVISOR and user.unit_id:
        return entries.filter(unit__path__startswith=user.unit.path)
    if user.role in (Role.HEAD_ON_DUTY, Role.UNIT_ADMIN) and user.unit_id:
        return entries.filter(unit_id=user.unit_id)
    if user.role == Role.CLERK:
        return entries.filter(actor=user)
    raise PermissionDenied
