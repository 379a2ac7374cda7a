"""Recording violations and accountability decisions (N-5.6e, N-6.2): each action checks
who may, runs in one transaction and writes exactly one ledger entry.

Who may: the heads on duty of the unit concerned, and the supervisors of a department
above it; never the staff member concerned. A violation rests on a clause or a
prohibition (an N- or D- id) and says what was found and where (a complaint, say). The
entries record the description and the reasons as keyed digests, not the texts (D-10).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.ledger.actions import Subject, append
from servicehall.ledger.canonical import timestamp
from servicehall.ledger.registry import (
    Reconciler,
    register_event,
    register_reconciler,
    subject_type_of,
)
from servicehall.lib.fieldcrypto import text_digest
from servicehall.norms.choices import ClauseKind
from servicehall.org.choices import Role

from .violations import Accountability, AccountabilityMeasure, Violation

# Version 2 of both: the description and the reasons as keyed digests (D-10).
register_event(
    "supervision.violation_recorded",
    2,
    "A violation of a clause or prohibition is recorded, with where it was found.",
    ("N-5.6e", "N-6.1", "N-6.2"),
)
register_event(
    "supervision.accountability_decided",
    2,
    "An accountability decision: the staff member, the measure, who decided (责任追究).",
    ("N-5.6e",),
)


# The longest description or reasons a record takes (the complaint forms use the same).
TEXT_MAX_LENGTH = 2000


def _bounded(text: str, field: str) -> str:
    if len(text) > TEXT_MAX_LENGTH:
        raise SupervisionError(
            {
                field: _("At most {limit} characters (this has {length}).").format(
                    limit=TEXT_MAX_LENGTH, length=len(text)
                )
            }
        )
    return text


class SupervisionError(ValidationError):
    """A supervision action the rules do not allow, said to the user."""


def violation_state(row: Violation) -> dict:
    """What every entry about a violation records of it; the description as its digest."""
    return {
        "unit": row.unit_id,
        "clause": row.clause.code,
        "staff": row.staff_id,
        "description_digest": text_digest(
            "supervision.violation.description", row.pk, row.description
        ),
        "source_type": row.source_type,
        "source_id": row.source_id,
        "source_ref": row.source_ref,
        "recorded_at": timestamp(row.recorded_at),
        "recorded_by": row.recorded_by_id,
    }


def accountability_state(row: Accountability) -> dict:
    """What every entry about an accountability decision records; the reasons as a digest."""
    return {
        "unit": row.unit_id,
        "violation": row.violation_id,
        "staff": row.staff_id,
        "measure": row.measure,
        "reason_digest": text_digest("supervision.accountability.reason", row.pk, row.reason),
        "decided_by": row.decided_by_id,
        "decision_body": row.decision_body,
        "decided_at": timestamp(row.decided_at),
    }


register_reconciler(Reconciler("supervision.violation", Violation, violation_state))
register_reconciler(Reconciler("supervision.accountability", Accountability, accountability_state))


def may_decide(actor, unit) -> bool:
    """The unit's heads on duty, or a supervisor of a department above it."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.role == Role.HEAD_ON_DUTY and actor.unit_id == unit.pk:
        return True
    return (
        actor.role == Role.SUPERVISOR
        and actor.unit_id is not None
        and actor.unit_id != unit.pk  # above it: not their own department
        and unit.path.startswith(actor.unit.path)
    )


def _check(actor, unit, staff) -> None:
    if not may_decide(actor, unit):
        raise PermissionDenied(
            _("Only the unit's head on duty or a supervisor above it records this.")
        )
    if staff is not None and staff.pk == actor.pk:
        raise PermissionDenied(_("Nobody records a violation or decides about themselves."))


def record_violation(
    actor, *, unit, clause, description: str, staff=None, source=None
) -> Violation:
    """Record that ``clause`` (an N- or D- id) was broken in ``unit``; ``source`` is the
    row it was found through (a complaint, ...), if any."""
    _check(actor, unit, staff)
    if clause is None or clause.kind not in (ClauseKind.NORM, ClauseKind.PROHIBITION):
        raise SupervisionError({"clause": _("Name a norm (N-) or a prohibition (D-).")})
    description = _bounded((description or "").strip(), "description")
    if not description:
        raise SupervisionError({"description": _("Say what was found.")})
    if staff is not None and staff.unit_id != unit.pk:
        raise SupervisionError({"staff": _("The staff member concerned is not of this unit.")})
    row = Violation(
        unit=unit, clause=clause, staff=staff, description=description,
        recorded_at=timezone.now(), recorded_by=actor,
    )  # fmt: skip
    if source is not None:
        row.source_type, row.source_id = subject_type_of(source), str(source.pk)
        row.source_ref = str(source)[:40]
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            append(
                unit=unit, event="supervision.violation_recorded", subject=Subject.of(row),
                payload={"state": violation_state(row)}, actor=actor,
            )  # fmt: skip
    except IntegrityError:
        raise SupervisionError(
            _("This violation of {clause} is recorded already.").format(clause=clause.code)
        ) from None
    return row


def decide_accountability(
    actor, violation: Violation, *, staff, measure: str, reason: str, decision_body: str = ""
) -> Accountability:
    """Hold ``staff`` responsible for ``violation`` with ``measure`` (N-5.6e)."""
    unit = violation.unit
    _check(actor, unit, staff)
    if staff is None or staff.unit_id != unit.pk:
        raise SupervisionError({"staff": _("Name a staff member of the unit concerned.")})
    if measure not in AccountabilityMeasure.values:
        raise SupervisionError({"measure": _("Choose a measure.")})
    reason = _bounded((reason or "").strip(), "reason")
    if not reason:
        raise SupervisionError({"reason": _("Give the reasons for the decision.")})
    row = Accountability(
        unit=unit, violation=violation, staff=staff, measure=measure, reason=reason,
        decided_by=actor, decision_body=(decision_body or "").strip()[:100],
        decided_at=timezone.now(),
    )  # fmt: skip
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            append(
                unit=unit, event="supervision.accountability_decided",
                subject=Subject.of(row), payload={"state": accountability_state(row)},
                actor=actor,
            )  # fmt: skip
    except IntegrityError:
        raise SupervisionError(
            _("A decision about this staff member and violation exists already.")
        ) from None
    return row
