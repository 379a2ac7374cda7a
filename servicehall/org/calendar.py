"""The working-day calendar of a unit: the official calendar plus the overrides table."""

from __future__ import annotations

from django.db.models import Q

from servicehall.lib.workdays import WorkCalendar

from .models import CalendarDay, Unit


def calendar_for(unit: Unit | None = None) -> WorkCalendar:
    """A WorkCalendar with the official days entered and, when given, the unit's own days.

    Official days (as published) settle a year; a unit's closure only closes its day and
    leaves a year that nobody has entered yet marked provisional. A unit's own day wins
    over an official one for the same date.
    """
    scope = Q(unit__isnull=True)
    if unit is not None:
        scope |= Q(unit=unit)
    overrides: dict = {}
    closures: set = set()
    own_openings: dict = {}
    for day, unit_id, working in CalendarDay.objects.filter(scope).values_list(
        "date", "unit_id", "is_working_day"
    ):
        if unit_id is None:
            overrides[day] = working
        elif working:
            own_openings[day] = True
        else:
            closures.add(day)
    overrides |= own_openings
    for day in closures:
        overrides.pop(day, None)
    if unit is None:
        return WorkCalendar(overrides=overrides)
    return WorkCalendar(
        overrides=overrides,
        closures=closures,
        opening=unit.opening_time,
        closing=unit.closing_time,
    )
