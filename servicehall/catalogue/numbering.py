"""Notice numbers: per unit, kind and year, with no gap and no duplicate."""

from __future__ import annotations

from django.utils import timezone

from .models import NoticeKind, NumberCounter

PREFIX = {NoticeKind.FOUR_POINT: "SGZ", NoticeKind.ONE_TIME: "YCX"}


def draw_number(unit, kind: str) -> str:
    """The next number, e.g. ``YCX-OFF-LJ-SS-2026-000012``; call inside the action's transaction.

    The counter row is locked (PostgreSQL) or the IMMEDIATE transaction already holds
    the write lock (SQLite), so two clerks never draw the same number.
    """
    year = timezone.localdate().year
    NumberCounter.objects.bulk_create(
        [NumberCounter(unit=unit, kind=kind, year=year)], ignore_conflicts=True
    )
    counter = NumberCounter.objects.select_for_update().get(unit=unit, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{PREFIX[kind]}-{unit.code}-{year}-{counter.last:06d}"
