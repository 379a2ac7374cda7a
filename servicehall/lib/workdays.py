"""Working days by China's official calendar (norm N-5.6d; invariant 8).

A time limit (限时办结) counts working days: weekdays, minus the official public
holidays, plus the make-up working days (调休) the State Council announces each
year. ``chinesecalendar`` knows those announcements for 2004–2026 only. Later
years come from overrides that administrators enter once the notice is out;
until then a year is *provisional*: weekends are the only days off, and every
deadline that relies on such a year says so.

Precedence, highest first: a unit's own closures, overrides, ``chinesecalendar``,
the weekends-only rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.translation import gettext_lazy as _

SHANGHAI = ZoneInfo("Asia/Shanghai")

_ONE_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=64)
def _official_data_covers(year: int) -> bool:
    """Whether ``chinesecalendar`` has the State Council's notice for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class Deadline:
    """The last working day of a time limit, and how sure the calendar is of it."""

    date: dt.date
    #: The end of office hours on ``date``, for "overdue" queries on a datetime column.
    closes_at: dt.datetime
    #: Years, among the days counted, whose official holidays are not known yet.
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    @property
    def warning(self) -> str:
        """A sentence to show next to the deadline, or ``""`` when it is firm."""
        if not self.provisional_years:
            return ""
        return _(
            "This deadline rests on a provisional calendar for {year}: "
            "official holidays have not been entered yet."
        ).format(year=", ".join(str(year) for year in self.provisional_years))


class WorkCalendar:
    """Which days a unit works, and time limits counted in those days.

    ``overrides`` maps a date to ``True`` (working day) or ``False`` (closed): the
    official days entered by administrators, and possibly a unit's own closures.
    Any override in a year makes that year non-provisional, so a unit's one-off
    closure is better passed as ``closures``, which always closes the day but
    says nothing about the official calendar. The calendar is immutable and
    safe to share between threads.
    """

    __slots__ = ("_closures", "_override_years", "_overrides", "closing", "opening", "tz")

    def __init__(
        self,
        overrides: Mapping[dt.date, bool] | None = None,
        *,
        closures: Iterable[dt.date] = (),
        opening: dt.time = dt.time(9),
        closing: dt.time = dt.time(17),
        tz: dt.tzinfo = SHANGHAI,
    ) -> None:
        if not opening < closing:
            raise ValueError(f"Opening time {opening} must be before closing time {closing}.")
        self._overrides: Mapping[dt.date, bool] = MappingProxyType(dict(overrides or {}))
        self._override_years = frozenset(day.year for day in self._overrides)
        self._closures = frozenset(closures)
        self.opening = opening
        self.closing = closing
        self.tz = tz

    def __setattr__(self, name: str, value: object) -> None:
        # Immutable after __init__: a shared calendar must not change under a
        # request that is counting with it.
        if hasattr(self, name):
            raise AttributeError(f"WorkCalendar is immutable; cannot set {name!r}.")
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        return (
            f"<WorkCalendar {len(self._overrides)} overrides, {len(self._closures)} closures, "
            f"{self.opening:%H:%M}-{self.closing:%H:%M} {self.tz}>"
        )

    # Single days

    def is_working_day(self, day: dt.date) -> bool:
        if day in self._closures:
            return False
        if day in self._overrides:
            return self._overrides[day]
        if _official_data_covers(day.year):
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def is_provisional(self, day: dt.date) -> bool:
        """Whether ``day`` is judged by the weekends-only rule for lack of official data."""
        return not _official_data_covers(day.year) and day.year not in self._override_years

    def is_open(self, moment: dt.datetime) -> bool:
        """Whether the office is open at ``moment`` (a working day, within office hours)."""
        local = self._local(moment)
        return self.is_working_day(local.date()) and self.opening <= local.time() < self.closing

    # Counting

    def add_working_days(self, start: dt.date | dt.datetime, n: int) -> dt.date:
        """The ``n``-th working day after ``start``.

        The day of receipt is never counted (day 1 is the first working day after
        it), so ``n=0`` gives the day of receipt itself. ``start`` may be:

        * a date: it is the day of receipt;
        * an aware datetime: converted to the calendar's time zone, its date is the
          day of receipt, except at or after closing time, when receipt moves to the
          next calendar day. So a case received at 17:30 on Thursday counts Monday
          as day 1, not Friday; before opening time it is the same day as any
          other hour.

        A day of receipt that is not a working day is not moved: a Saturday
        receipt counts Monday as day 1, like a Friday one.
        """
        if n < 0:
            raise ValueError(f"A number of working days cannot be negative, got {n}.")
        day = self._day_of_receipt(start)
        for _count in range(n):
            day = self._next_working_day(day)
        return day

    def working_days_between(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
        """Working days after ``start``'s day of receipt, up to and including ``end``.

        ``start`` is read as in :meth:`add_working_days`, so
        ``working_days_between(start, add_working_days(start, n)) == n``. ``end``
        counts by its date alone (in the calendar's time zone). When ``end`` is
        before the day of receipt the result is negative: minus the working days
        after ``end`` up to and including the day of receipt.
        """
        first = self._day_of_receipt(start)
        last = self._local(end).date() if isinstance(end, dt.datetime) else end
        if last < first:
            return -self._count_working_days(last, first)
        return self._count_working_days(first, last)

    def deadline(self, start: dt.date | dt.datetime, n: int) -> Deadline:
        """The deadline ``n`` working days after ``start``, flagged when provisional.

        The flag covers every day looked at, working or not, after the day of
        receipt up to the deadline: a missing holiday in any of them could move it.
        """
        first = self._day_of_receipt(start)
        last = self.add_working_days(start, n)
        years = {day.year for day in _days_after(first, last) if self.is_provisional(day)}
        return Deadline(
            date=last,
            closes_at=dt.datetime.combine(last, self.closing, tzinfo=self.tz),
            provisional_years=tuple(sorted(years)),
        )

    # Helpers

    def _local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("WorkCalendar needs timezone-aware datetimes.")
        return moment.astimezone(self.tz)

    def _day_of_receipt(self, start: dt.date | dt.datetime) -> dt.date:
        # datetime is a subclass of date, so test for it first.
        if not isinstance(start, dt.datetime):
            return start
        local = self._local(start)
        if local.time() >= self.closing:
            return local.date() + _ONE_DAY
        return local.date()

    def _next_working_day(self, day: dt.date) -> dt.date:
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def _count_working_days(self, first: dt.date, last: dt.date) -> int:
        return sum(1 for day in _days_after(first, last) if self.is_working_day(day))


def _days_after(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    """The days after ``first`` up to and including ``last``."""
    day = first + _ONE_DAY
    while day <= last:
        yield day
        day += _ONE_DAY
