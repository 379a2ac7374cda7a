"""Who sees which ledger entries: the audit administrator everything, a supervisor the
units below, the head on duty and the unit administrator their unit, a clerk their own.
And who sees which bulk-export requests: the security administrator every one, the
unit's head on duty and administrator their unit's."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from servicehall.org.choices import Role

from .actions import EXPORT_REQUESTERS
from .models import ExportRequest, LedgerEntry


def visible_entries(user):
    entries = LedgerEntry.objects.all()
    if user.role == Role.AUDIT_ADMIN:
        return entries
    if user.role == Role.SUPERVISOR and user.unit_id:
        return entries.filter(unit__path__startswith=user.unit.path)
    if user.role in (Role.HEAD_ON_DUTY, Role.UNIT_ADMIN) and user.unit_id:
        return entries.filter(unit_id=user.unit_id)
    if user.role == Role.CLERK:
        return entries.filter(actor=user, actor__isnull=False)  # the partial index's condition
    raise PermissionDenied


def visible_export_requests(user):
    rows = ExportRequest.objects.select_related("unit", "requested_by", "decided_by")
    if user.role == Role.SECURITY_ADMIN:
        return rows
    if user.role in EXPORT_REQUESTERS and user.unit_id:
        return rows.filter(unit_id=user.unit_id)
    raise PermissionDenied
