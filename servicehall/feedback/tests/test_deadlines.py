"""Rectification deadlines (N-2.5; invariant 8): counted in the unit's working days from
the moment the bad rating came in; the warning comes before the deadline (hypothesis)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from servicehall.feedback.actions import deadlines
from servicehall.feedback.models import FeedbackSettings
from servicehall.lib.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


@settings(max_examples=60, deadline=None)
@given(
    # Hypothesis takes naive bounds and attaches the time zone itself.
    start=st.datetimes(
        min_value=dt.datetime(2024, 1, 1),  # noqa: DTZ001
        max_value=dt.datetime(2026, 10, 1),  # noqa: DTZ001
        timezones=st.just(SHANGHAI),
    ),
    days=st.integers(1, 30),
    warning=st.integers(0, 10),
)
def test_the_deadline_is_days_working_days_on_and_the_warning_before_it(start, days, warning):
    rules = FeedbackSettings(rectification_days=days, warning_days=warning)
    calendar = WorkCalendar(opening=dt.time(9), closing=dt.time(17))
    due, warn = deadlines(calendar, rules, start)
    assert calendar.working_days_between(start, due) == days
    assert calendar.is_working_day(due.date()) and due.time() == dt.time(17)
    assert warn <= due
    if warning < days:
        assert calendar.working_days_between(start, warn) == days - warning
