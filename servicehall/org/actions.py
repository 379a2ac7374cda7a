"""Changes to the duty roster (N-3.1), each recorded in the service ledger."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from servicehall.ledger.actions import Subject, append
from servicehall.ledger.registry import Reconciler, register_event, register_reconciler

from .choices import Role
from .models import DutyAssignment, Unit, User, Window

register_event("org.duty_assigned", 1, "A staff member is put on the roster.", ("N-3.1",))
register_event("org.duty_removed", 1, "A staff member is taken off the roster.", ("N-3.1", "D-01"))

ROSTER_EDITORS = (Role.HEAD_ON_DUTY, Role.UNIT_ADMIN)


def duty_state(row: DutyAssignment) -> dict:
    # Ids, not staff or window numbers: those are edited in the admin, outside the ledger.
    return {
        "date": row.date.isoformat(),
        "staff": row.staff_id,
        "window": row.window_id,
        "head_on_duty": row.head_on_duty,
    }


register_reconciler(Reconciler("org.dutyassignment", DutyAssignment, duty_state))


def _check_editor(actor: User, unit: Unit) -> None:
    if actor.unit_id != unit.pk or actor.role not in ROSTER_EDITORS:
        raise PermissionDenied(_("Only the unit's head on duty or administrator edits its roster."))


def assign_duty(
    actor: User,
    *,
    unit: Unit,
    date: dt.date,
    staff: User,
    window: Window | None = None,
    head_on_duty: bool = False,
) -> DutyAssignment:
    """Put ``staff`` at ``window`` (or on duty as head) on ``date``."""
    _check_editor(actor, unit)
    row = DutyAssignment(
        unit=unit, date=date, staff=staff, window=window, head_on_duty=head_on_duty
    )
    row.full_clean()
    with transaction.atomic():
        row.save(force_insert=True)
        append(
            unit=unit,
            event="org.duty_assigned",
            subject=Subject.of(row),
            payload={"state": duty_state(row)},
            actor=actor,
        )
    return row


def remove_duty(actor: User, row: DutyAssignment, *, reason: str) -> None:
    _check_editor(actor, row.unit)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the assignment is removed.")})
    with transaction.atomic():
        subject = Subject.of(row)
        before = duty_state(row)
        deleted, _detail = DutyAssignment.objects.filter(pk=row.pk).delete()
        if not deleted:
            raise ValidationError(_("This assignment has already been removed."))
        append(
            unit=row.unit,
            event="org.duty_removed",
            subject=subject,
            payload={"state": None, "before": before, "reason": reason.strip()},
            actor=actor,
        )
