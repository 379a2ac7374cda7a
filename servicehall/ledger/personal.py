"""Showing a full ID or phone number is logged (D-10): who, when, which record, why."""

from __future__ import annotations

from .models import PersonalDataAccess


def log_full_view(
    *, user, unit, subject_type: str, subject_id: str, field: str, purpose: str, note: str = ""
) -> PersonalDataAccess:
    """Record that ``user`` saw the unmasked ``field`` of a record, before it is shown."""
    return PersonalDataAccess.objects.create(
        user=user, unit=unit, subject_type=subject_type, subject_id=str(subject_id),
        field=field, purpose=purpose, note=note[:200],
    )  # fmt: skip
