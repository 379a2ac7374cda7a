"""Working days by the official calendar (invariant 8).

The 2026 dates are those of the State Council's notice, as ``chinesecalendar``
1.11 knows them: Spring Festival off 2026-02-15..23, with Saturdays 2026-02-14
and 2026-02-28 worked; National Day off 2026-10-01..07, with Saturday 2026-10-10
worked.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicehall.lib import workdays
from servicehall.lib.workdays import SHANGHAI, WorkCalendar

D = dt.date
CALENDAR = WorkCalendar()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


# The official 2026 calendar


@pytest.mark.parametrize(
    "day",
    [D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)]
    + [D(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)],
)
def test_2026_public_holidays_are_closed(day):
    assert not CALENDAR.is_working_day(day)


@pytest.mark.parametrize("day", [D(2026, 2, 14), D(2026, 2, 28), D(2026, 10, 10)])
def test_2026_make_up_saturdays_are_working_days(day):
    assert day.weekday() == 5
    assert CALENDAR.is_working_day(day)


def test_2026_is_not_provisional():
    assert not CALENDAR.is_provisional(D(2026, 12, 31))


def test_one_working_day_after_friday_before_spring_festival_is_the_make_up_saturday():
    assert CALENDAR.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)


def test_counting_crosses_the_spring_festival():
    # Day 1 is Saturday 14 February; 15..23 are holidays; day 2 is Tuesday 24.
    assert CALENDAR.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert CALENDAR.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2


def test_deadline_over_national_day():
    # 10-01..07 off, then Thu 8, Fri 9, Sat 10 (worked), Mon 12, Tue 13.
    deadline = CALENDAR.deadline(D(2026, 9, 30), 5)
    assert deadline.date == D(2026, 10, 13)
    assert deadline.closes_at == at(D(2026, 10, 13), 17)
    assert not deadline.provisional
    assert deadline.warning == ""


def test_sunday_after_make_up_saturday_stays_closed():
    assert CALENDAR.add_working_days(D(2026, 10, 10), 1) == D(2026, 10, 12)


# Office hours


def test_receipt_after_closing_time_counts_from_the_next_day():
    # Thursday 2026-03-05: before closing, day 1 is Friday; after, it is Monday.
    assert CALENDAR.add_working_days(at(D(2026, 3, 5), 16, 59), 1) == D(2026, 3, 6)
    assert CALENDAR.add_working_days(at(D(2026, 3, 5), 17, 0), 1) == D(2026, 3, 9)


def test_receipt_after_closing_on_friday_before_spring_festival_skips_make_up_saturday():
    # Received after hours on Friday the 13th, the case is received on the
    # Saturday (a working day), so day 1 is the first working day after it.
    assert CALENDAR.add_working_days(at(D(2026, 2, 13), 18), 1) == D(2026, 2, 24)
    assert CALENDAR.add_working_days(at(D(2026, 2, 13), 10), 1) == D(2026, 2, 14)


def test_receipt_before_opening_counts_like_the_rest_of_the_day():
    assert CALENDAR.add_working_days(at(D(2026, 3, 5), 7), 1) == D(2026, 3, 6)


def test_datetimes_are_read_in_the_calendars_time_zone():
    # 09:30 UTC is 17:30 in Shanghai: after closing.
    moment = dt.datetime(2026, 3, 5, 9, 30, tzinfo=dt.UTC)
    assert CALENDAR.add_working_days(moment, 1) == D(2026, 3, 9)


def test_office_hours_are_configurable():
    late = WorkCalendar(opening=dt.time(8, 30), closing=dt.time(18))
    assert late.add_working_days(at(D(2026, 3, 5), 17, 30), 1) == D(2026, 3, 6)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.add_working_days(dt.datetime(2026, 3, 5, 10), 1)  # noqa: DTZ001


def test_is_open_honours_hours_and_holidays():
    assert CALENDAR.is_open(at(D(2026, 3, 5), 9))
    assert not CALENDAR.is_open(at(D(2026, 3, 5), 8, 59))
    assert not CALENDAR.is_open(at(D(2026, 3, 5), 17))
    assert not CALENDAR.is_open(at(D(2026, 10, 2), 10))
    assert CALENDAR.is_open(at(D(2026, 10, 10), 10))


def test_opening_must_precede_closing():
    with pytest.raises(ValueError, match="before closing"):
        WorkCalendar(opening=dt.time(17), closing=dt.time(9))


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_working_days(D(2026, 3, 5), -1)


def test_working_days_between_is_negative_when_end_is_earlier():
    # Mon 2026-03-09 back to Thu 2026-03-05: Fri 6 and Mon 9 lie in between.
    assert CALENDAR.working_days_between(D(2026, 3, 9), D(2026, 3, 5)) == -2


# Years the official data does not cover


def test_2027_falls_back_to_weekends_and_is_provisional():
    assert CALENDAR.is_provisional(D(2027, 5, 1))
    # Saturday 2027-05-01 is Labour Day, but only weekends are known for 2027.
    assert CALENDAR.is_working_day(D(2027, 4, 30))
    assert not CALENDAR.is_working_day(D(2027, 5, 1))
    assert CALENDAR.is_working_day(D(2027, 5, 3))


def test_deadline_reaching_into_2027_is_flagged(monkeypatch):
    # Leave translation out: the lib runs its tests without Django settings.
    monkeypatch.setattr(workdays, "_", str)
    # Thu 2026-12-31 is firm; Fri 2027-01-01 counts as a working day provisionally.
    deadline = CALENDAR.deadline(D(2026, 12, 30), 2)
    assert deadline.date == D(2027, 1, 1)
    assert deadline.provisional
    assert deadline.provisional_years == (2027,)
    assert deadline.warning == (
        "This deadline rests on a provisional calendar for 2027: "
        "official holidays have not been entered yet."
    )


def test_deadline_within_2026_is_not_flagged_by_a_later_year():
    assert not CALENDAR.deadline(D(2026, 12, 30), 1).provisional


def test_an_override_makes_its_year_official_and_is_honoured():
    new_year = D(2027, 1, 1)
    calendar = WorkCalendar({new_year: False})
    assert not calendar.is_provisional(D(2027, 6, 1))
    assert not calendar.is_working_day(new_year)
    deadline = calendar.deadline(D(2026, 12, 31), 1)
    assert deadline.date == D(2027, 1, 4)
    assert not deadline.provisional


def test_an_override_can_make_a_weekend_a_working_day():
    calendar = WorkCalendar({D(2027, 2, 6): True})
    assert calendar.is_working_day(D(2027, 2, 6))
    assert calendar.add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 6)


def test_overrides_win_over_the_official_data():
    calendar = WorkCalendar({D(2026, 10, 10): False, D(2026, 10, 2): True})
    assert not calendar.is_working_day(D(2026, 10, 10))
    assert calendar.is_working_day(D(2026, 10, 2))


def test_a_unit_closure_on_a_weekday_is_skipped():
    # Wednesday 2026-03-11 closed by the unit: day 1 after Tuesday is Thursday.
    for calendar in (
        WorkCalendar({D(2026, 3, 11): False}),
        WorkCalendar(closures=[D(2026, 3, 11)]),
    ):
        assert calendar.add_working_days(D(2026, 3, 10), 1) == D(2026, 3, 12)
        assert calendar.working_days_between(D(2026, 3, 10), D(2026, 3, 12)) == 1


def test_a_closure_does_not_make_its_year_official():
    calendar = WorkCalendar(closures=[D(2027, 3, 10)])
    assert not calendar.is_working_day(D(2027, 3, 10))
    assert calendar.is_provisional(D(2027, 3, 10))


def test_a_closure_wins_over_a_make_up_working_day():
    calendar = WorkCalendar({D(2027, 2, 6): True}, closures=[D(2027, 2, 6)])
    assert not calendar.is_working_day(D(2027, 2, 6))


def test_calendar_is_immutable():
    with pytest.raises(AttributeError):
        CALENDAR.closing = dt.time(18)


# Properties

starts = st.one_of(
    st.dates(D(2004, 1, 1), D(2028, 12, 31)),
    st.datetimes(
        dt.datetime(2004, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        dt.datetime(2028, 12, 31, 23, 59),  # noqa: DTZ001
        timezones=st.sampled_from([SHANGHAI, dt.UTC, ZoneInfo("America/New_York")]),
    ),
)
OVERRIDES = WorkCalendar(
    {D(2027, 1, 1): False, D(2027, 2, 6): True, D(2026, 10, 10): False},
    closures=[D(2015, 6, 3), D(2028, 3, 1)],
)


@given(start=starts, n=st.integers(0, 60), calendar=st.sampled_from([CALENDAR, OVERRIDES]))
def test_counting_back_gives_the_number_added(start, n, calendar):
    end = calendar.add_working_days(start, n)
    assert calendar.working_days_between(start, end) == n


@given(start=starts, n=st.integers(1, 60))
def test_the_last_day_of_a_time_limit_is_a_working_day(start, n):
    assert CALENDAR.is_working_day(CALENDAR.add_working_days(start, n))


@given(start=starts, n=st.integers(0, 59))
def test_one_more_working_day_ends_later(start, n):
    assert CALENDAR.add_working_days(start, n + 1) > CALENDAR.add_working_days(start, n)
