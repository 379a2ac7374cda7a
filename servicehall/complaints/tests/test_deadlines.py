"""Each step of the complaint flow has its deadline in working days of the unit's calendar
(N-6.1, invariant 8): across the 2026 National Day holiday and its make-up Saturday."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicehall.lib.workdays import SHANGHAI
from servicehall.org.calendar import calendar_for

from .. import actions
from ..choices import Step
from ..deadlines import STEP_FIELD, limits_for, step_deadline
from ..models import Complaint
from . import factories as f

pytestmark = pytest.mark.django_db


def test_acceptance_deadline_skips_the_national_day_holiday(world):
    # Received on Wednesday 30 September 2026 at 10:00; 1 to 7 October are off.
    with time_machine.travel(f.local(dt.date(2026, 9, 30), 10), tick=False):
        complaint, _code = f.online(world)
    assert complaint.step == Step.RECEIVED
    assert complaint.step_due_at == f.local(dt.date(2026, 10, 8), 17)
    # The warning is due at closing time of the day of receipt (a one-day limit).
    assert complaint.step_warn_at == f.local(dt.date(2026, 9, 30), 17)


def test_investigation_counts_the_make_up_saturday_after_national_day(world):
    with time_machine.travel(f.local(dt.date(2026, 9, 30), 10), tick=False):
        complaint, _code = f.online(world)
        complaint = actions.accept(world.head, complaint)
    # Five working days after 30 September: 8, 9, 10 (Saturday, a make-up day), 12, 13.
    assert complaint.step_due_at == f.local(dt.date(2026, 10, 13), 17)
    assert complaint.step_warn_at == f.local(dt.date(2026, 10, 12), 17)


def test_a_step_begun_after_closing_time_counts_from_the_next_day(world):
    start = f.local(dt.date(2026, 3, 6), 17, 30)  # Friday after closing
    # Receipt moves to Saturday; Monday 9 March is the first working day.
    assert step_deadline(world.office, Step.RECEIVED, start).due_at == f.local(
        dt.date(2026, 3, 9), 17
    )


def test_the_units_own_limits_apply(world, clock):
    actions.set_limits(world.unit_admin, world.office, investigate_days=10)
    complaint = f.accepted(world)
    # Ten working days after Monday 2 March 2026: Monday 16 March.
    assert complaint.step_due_at == f.local(dt.date(2026, 3, 16), 17)


def test_overdue_is_a_query_on_the_step_deadline(world, clock):
    complaint, _code = f.online(world)  # due Tuesday 3 March 17:00
    assert not Complaint.objects.overdue().exists()
    clock.move_to(f.local(dt.date(2026, 3, 3), 17, 1))
    assert list(Complaint.objects.overdue()) == [complaint]
    assert Complaint.objects.get(pk=complaint.pk).is_overdue()
    # Accepting it late starts the next step with its own deadline.
    actions.accept(world.head, complaint)
    assert not Complaint.objects.overdue().exists()


def test_closed_complaints_have_no_deadline(world, clock):
    complaint = f.archived(world)
    assert complaint.step == Step.ARCHIVED
    assert complaint.step_due_at is None and complaint.step_warn_at is None
    clock.move_to(f.local(dt.date(2026, 12, 31), 12))
    assert not Complaint.objects.overdue().exists()


@pytest.mark.parametrize("value", [0, 61, "5"])
def test_limits_out_of_range_are_refused(world, value):
    with pytest.raises(actions.ComplaintError):
        actions.set_limits(world.unit_admin, world.office, handle_days=value)


def test_only_the_units_administrator_sets_limits(world):
    from django.core.exceptions import PermissionDenied

    for persona in (world.head, world.clerk, world.supervisor, world.system_admin):
        with pytest.raises(PermissionDenied):
            actions.set_limits(persona, world.office, handle_days=3)


# Hypothesis takes naive bounds and adds the time zone itself.
NAIVE_FIRST = dt.datetime(2025, 1, 1)  # noqa: DTZ001
NAIVE_LAST = dt.datetime(2026, 12, 20)  # noqa: DTZ001


@given(
    start=st.datetimes(min_value=NAIVE_FIRST, max_value=NAIVE_LAST, timezones=st.just(SHANGHAI)),
    step=st.sampled_from([Step.RECEIVED, Step.INVESTIGATING, Step.HANDLING, Step.REPLYING]),
)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_step_deadline_is_its_limit_in_working_days_at_closing_time(world, start, step):
    """Property (invariant 8): whatever the start, a step's deadline falls on a working day,
    at closing time, exactly its limit in working days after the day of receipt, and the
    warning never comes after it."""
    calendar = calendar_for(world.office)
    due = step_deadline(world.office, step, start)
    days = limits_for(world.office)[STEP_FIELD[step]]
    local = due.due_at.astimezone(timezone.get_default_timezone())
    assert calendar.is_working_day(local.date()) and local.time() == dt.time(17)
    assert calendar.working_days_between(start, local.date()) == days
    assert due.warn_at <= due.due_at
