"""The unit calendar: official days entered in the admin, unit closures, provisional years."""

import datetime as dt

from servicehall.org.calendar import calendar_for
from servicehall.org.choices import CalendarDayKind
from servicehall.org.models import CalendarDay

D = dt.date


def test_spring_festival_2026_with_make_up_days(world):
    calendar = calendar_for(world.office)
    assert calendar.is_working_day(D(2026, 2, 14))  # Saturday, make-up working day
    assert not calendar.is_working_day(D(2026, 2, 16))
    assert calendar.is_working_day(D(2026, 2, 28))  # Saturday, make-up working day
    assert calendar.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)


def test_national_day_2026_with_make_up_day(world):
    calendar = calendar_for(world.office)
    assert calendar.is_working_day(D(2026, 10, 10))
    assert calendar.add_working_days(D(2026, 9, 30), 5) == D(2026, 10, 13)


def test_2027_is_provisional_with_a_warning_until_official_days_are_entered(world):
    calendar = calendar_for(world.office)
    deadline = calendar.deadline(D(2026, 12, 24), 10)
    assert deadline.provisional and "2027" in str(deadline.warning)
    # New Year's Day 2027 is a Friday: the weekends-only rule does not know it yet.
    assert calendar.is_working_day(D(2027, 1, 1))

    CalendarDay.objects.create(
        date=D(2027, 1, 1), kind=CalendarDayKind.OFFICIAL, is_working_day=False, note="元旦"
    )
    entered = calendar_for(world.office)
    assert not entered.is_working_day(D(2027, 1, 1))
    assert not entered.deadline(D(2026, 12, 24), 10).provisional


def test_a_unit_closure_applies_to_that_unit_only(world):
    CalendarDay.objects.create(
        date=D(2026, 12, 2), unit=world.office, kind=CalendarDayKind.UNIT_CLOSURE,
        is_working_day=False, note="系统升级",
    )  # fmt: skip
    assert not calendar_for(world.office).is_working_day(D(2026, 12, 2))
    assert calendar_for(world.other_office).is_working_day(D(2026, 12, 2))


def test_a_unit_closure_does_not_settle_a_provisional_year(world):
    CalendarDay.objects.create(
        date=D(2027, 3, 3), unit=world.office, kind=CalendarDayKind.UNIT_CLOSURE,
        is_working_day=False,
    )  # fmt: skip
    calendar = calendar_for(world.office)
    assert not calendar.is_working_day(D(2027, 3, 3))
    assert calendar.is_provisional(D(2027, 3, 4))


def test_office_hours_come_from_the_unit(world):
    calendar = calendar_for(world.office)
    tz = calendar.tz if hasattr(calendar, "tz") else dt.UTC
    after_closing = dt.datetime(2026, 12, 1, 17, 30, tzinfo=tz)
    assert calendar.add_working_days(after_closing, 1) == D(2026, 12, 3)
