"""Raising a detection from inside an action's transaction, once per situation."""

from __future__ import annotations

from .models import Detection


def raise_flag(
    *, unit_id: int, clause: str, key: str, subject_type: str, subject_id, detail: str, staff=None
) -> None:
    """Create the detection unless the same situation (``key``) was flagged already."""
    Detection.objects.bulk_create(
        [Detection(unit_id=unit_id, clause=clause, key=key[:120], subject_type=subject_type,
                   subject_id=str(subject_id), detail=detail, staff=staff)],
        ignore_conflicts=True,
    )  # fmt: skip
