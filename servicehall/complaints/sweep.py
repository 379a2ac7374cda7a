"""The complaints sweep (N-6.1, N-5.6e): a warning when a step of a complaint is due soon,
another once it is overdue.

One pass issues every warning due and not issued yet, each once per complaint, step and
level (a unique constraint), so a pass may run every minute, or several at once; a step
already overdue when first seen gets only its overdue warning. The candidates are queries
on the indexed ``step_due_at`` and ``step_warn_at`` columns of open complaints. Each
warning is a row with one ledger entry (``complaints.deadline_warning``, by the system),
addressed to the complaint's handler and shown on the complaint's page to its handlers.

``servicehall complaints-sweep`` runs a pass, or keeps running one every ``--every`` seconds.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from servicehall.ledger.actions import Subject, append
from servicehall.ledger.canonical import timestamp
from servicehall.ledger.choices import Channel
from servicehall.ledger.registry import Reconciler, register_reconciler

from .choices import WarningLevel
from .models import Complaint, ComplaintWarning


def warning_state(row: ComplaintWarning) -> dict:
    return {
        "complaint": row.complaint_id,
        "step": row.step,
        "level": row.level,
        "due_at": timestamp(row.due_at),
        "handler": row.handler_id,
    }


register_reconciler(Reconciler("complaints.complaintwarning", ComplaintWarning, warning_state))


def _without(rows, level: str):
    warned = ComplaintWarning.objects.filter(
        complaint=OuterRef("pk"), step=OuterRef("step"), level=level
    )
    return rows.filter(~Exists(warned))


def _due(now: dt.datetime) -> list[tuple[Complaint, str]]:
    rows = Complaint.objects.open().only(
        "pk", "unit_id", "number", "step", "handler_id", "step_due_at", "step_warn_at"
    )
    found = [(row, WarningLevel.OVERDUE) for row in _without(rows.overdue(now), "overdue")]
    found += [(row, WarningLevel.DUE_SOON) for row in _without(rows.due_soon(now), "due_soon")]
    return found


def sweep(now: dt.datetime | None = None) -> list[ComplaintWarning]:
    """One pass: issue the warnings due at ``now``; return those this pass issued."""
    now = now or timezone.now()
    issued = []
    for complaint, level in _due(now):
        try:
            with transaction.atomic():
                row = ComplaintWarning.objects.create(
                    unit_id=complaint.unit_id, complaint=complaint, step=complaint.step,
                    level=level, due_at=complaint.step_due_at, issued_at=now,
                    handler_id=complaint.handler_id,
                )  # fmt: skip
                append(
                    unit=complaint.unit_id, event="complaints.deadline_warning",
                    subject=Subject.of(row),
                    payload={"state": warning_state(row), "complaint": complaint.number},
                    channel=Channel.SYSTEM,
                )  # fmt: skip
        except IntegrityError:
            continue  # another pass issued it meanwhile
        issued.append(row)
    return issued
