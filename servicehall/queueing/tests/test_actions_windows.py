"""open_window (三提前, N-5.1), pause_window, resume_window, close_window: a window opens
only with the whole checklist signed by its clerk, late openings are flagged, and a pause
always has a reason and a length (D-01)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.org.actions import assign_duty
from servicehall.org.models import Unit
from servicehall.queueing import actions
from servicehall.queueing.actions import (
    HallError,
    call_next,
    close_window,
    open_window,
    pause_window,
    resume_window,
)
from servicehall.queueing.choices import WindowStatus
from servicehall.queueing.models import OpeningCheck, WindowState
from servicehall.supervision.models import Detection

from .conftest import DAY, at, written


def _open(hall, window=None, clerk=None, **checklist):
    checklist = {"systems_checked": True, "vouchers_ready": True, "at_post": True} | checklist
    return open_window(clerk or hall.clerk1, window or hall.w1, **checklist)


# --- opening ------------------------------------------------------------------------------


def test_a_window_state_is_locked_on_every_database(hall):
    # PostgreSQL refuses FOR UPDATE on the nullable side of an outer join (the current
    # ticket): the state row alone is locked.
    hall.issue()
    hall.open(hall.w1, hall.clerk1)

    assert actions.call_next(hall.clerk1, hall.w1).code == "A001"


def test_opening_before_opening_time_signs_the_checklist(hall):
    with written() as w:
        check = _open(hall)

    assert (check.window, check.unit, check.service_day, check.clerk) == (
        hall.w1, hall.office, DAY, hall.clerk1,
    )  # fmt: skip
    assert (check.signed_at, check.late) == (at(8, 30), False)
    assert check.systems_checked and check.vouchers_ready and check.at_post
    state = WindowState.objects.get(window=hall.w1)
    assert (state.status, state.clerk, state.since, state.current) == (
        WindowStatus.OPEN, hall.clerk1, at(8, 30), None,
    )  # fmt: skip
    (entry,) = w.entries
    assert (entry.event_type, entry.actor, entry.subject_type, entry.subject_id) == (
        "hall.window_opened", hall.clerk1, "org.window", str(hall.w1.pk),
    )  # fmt: skip
    assert w.payload() == {"window": 1, "late": False, "first_today": True}
    assert [(e.kind, e.data) for e in w.events] == [("window", {"window": 1, "status": "open"})]
    assert not Detection.objects.exists()


def test_opening_at_opening_time_exactly_is_on_time(hall, clock):
    clock.move_to(at(9, 0))

    assert _open(hall).late is False
    assert not Detection.objects.exists()


def test_opening_after_opening_time_is_late_and_flagged(hall, clock):
    clock.move_to(at(9, 10))

    with written() as w:
        check = _open(hall)

    assert check.late is True
    assert w.payload()["late"] is True
    detection = Detection.objects.get()
    assert (detection.clause, detection.key, detection.unit, detection.staff) == (
        "N-5.1", f"N-5.1:window:{hall.w1.pk}:{DAY}", hall.office, hall.clerk1,
    )  # fmt: skip
    assert (detection.subject_type, detection.subject_id) == ("org.window", str(hall.w1.pk))
    assert "09:10" in detection.detail and "09:00" in detection.detail


def test_lateness_is_measured_against_the_units_own_opening_time(hall, clock):
    Unit.objects.filter(pk=hall.office.pk).update(opening_time=dt.time(8, 30))
    hall.w1.unit.refresh_from_db()
    clock.move_to(at(8, 45))

    assert _open(hall).late is True
    assert Detection.objects.filter(clause="N-5.1").count() == 1


def test_reopening_the_same_day_keeps_the_first_check_and_flags_nothing_more(hall, clock):
    clock.move_to(at(9, 5))
    _open(hall)
    close_window(hall.clerk1, hall.w1)
    clock.move_to(at(13, 30))

    with written() as w:
        check = _open(hall, clerk=hall.clerk3)

    assert OpeningCheck.objects.count() == 1
    assert (check.signed_at, check.clerk) == (at(9, 5), hall.clerk1)
    assert w.payload() == {"window": 1, "late": True, "first_today": False}
    assert WindowState.objects.get(window=hall.w1).clerk == hall.clerk3
    assert Detection.objects.filter(clause="N-5.1").count() == 1


def test_the_rostered_clerk_opens_their_window(hall):
    assign_duty(hall.world.head, unit=hall.office, date=DAY, staff=hall.clerk1, window=hall.w1)

    assert _open(hall).clerk == hall.clerk1


def test_a_clerk_of_another_day_on_the_roster_does_not_stop_the_opening(hall):
    assign_duty(
        hall.world.head, unit=hall.office, date=DAY + dt.timedelta(days=1), staff=hall.clerk2,
        window=hall.w1,
    )  # fmt: skip

    assert _open(hall).clerk == hall.clerk1


@pytest.mark.parametrize("missing", ["systems_checked", "vouchers_ready", "at_post"])
def test_an_incomplete_checklist_opens_nothing(hall, refused, missing):
    with refused(HallError, match="Every item of the opening checklist"):
        _open(hall, **{missing: False})


def test_a_window_rostered_to_another_clerk_is_not_opened(hall, refused):
    assign_duty(hall.world.head, unit=hall.office, date=DAY, staff=hall.clerk2, window=hall.w1)

    with refused(PermissionDenied, match="Another clerk is on the roster"):
        _open(hall)


@pytest.mark.parametrize("persona", ["outsider", "supervisor", "social_supervisor"])
def test_staff_of_another_unit_cannot_open(hall, refused, persona):
    with refused(PermissionDenied, match="Only staff of this unit"):
        _open(hall, clerk=getattr(hall.world, persona))


def test_an_open_window_is_not_opened_again(hall, refused):
    _open(hall)

    with refused(HallError, match="already open"):
        _open(hall)
    with refused(HallError, match="already open"):
        _open(hall, clerk=hall.clerk2)


# --- pausing, resuming, closing -----------------------------------------------------------


def test_a_pause_has_a_reason_and_a_length(hall, clock):
    _open(hall)
    clock.shift(dt.timedelta(minutes=30))

    with written() as w:
        state = pause_window(hall.clerk1, hall.w1, reason="system_fault", minutes=20)

    state = WindowState.objects.get(pk=state.pk)
    assert (state.status, state.pause_reason, state.since, state.paused_until) == (
        WindowStatus.PAUSED, "system_fault", at(9, 0), at(9, 20),
    )  # fmt: skip
    (entry,) = w.entries
    assert (entry.event_type, entry.actor, entry.subject_type) == (
        "hall.window_paused", hall.clerk1, "org.window",
    )  # fmt: skip
    assert w.payload() == {"window": 1, "reason": "system_fault", "minutes": 20}
    assert [(e.kind, e.data) for e in w.events] == [("window", {"window": 1, "status": "paused"})]


@pytest.mark.parametrize(
    ("reason", "minutes", "match"),
    [
        ("", 10, "Choose why the window pauses"),
        ("lunch", 10, "Choose why the window pauses"),
        ("break", 0, "between 1 and 120 minutes"),
        ("break", -5, "between 1 and 120 minutes"),
        ("meeting", 121, "between 1 and 120 minutes"),
    ],
)
def test_a_pause_without_a_valid_reason_or_length_is_refused(hall, refused, reason, minutes, match):
    _open(hall)

    with refused(HallError, match=match):
        pause_window(hall.clerk1, hall.w1, reason=reason, minutes=minutes)


@pytest.mark.parametrize("minutes", [1, 120])
def test_a_pause_may_last_from_one_to_a_hundred_and_twenty_minutes(hall, minutes):
    _open(hall)

    state = pause_window(hall.clerk1, hall.w1, reason="break", minutes=minutes)

    assert state.paused_until == at(8, 30) + dt.timedelta(minutes=minutes)


def test_a_window_with_a_client_does_not_pause(hall, refused):
    hall.issue()
    _open(hall)
    call_next(hall.clerk1, hall.w1)

    with refused(HallError, match="Finish, transfer or skip"):
        pause_window(hall.clerk1, hall.w1, reason="break", minutes=10)


def test_a_paused_window_does_not_pause_again(hall, refused):
    _open(hall)
    pause_window(hall.clerk1, hall.w1, reason="break", minutes=10)

    with refused(HallError, match="Only an open window can pause"):
        pause_window(hall.clerk1, hall.w1, reason="break", minutes=10)


@pytest.mark.parametrize(
    "action",
    [
        lambda clerk, window: pause_window(clerk, window, reason="break", minutes=10),
        resume_window,
        close_window,
    ],
    ids=["pause", "resume", "close"],
)
def test_a_closed_window_does_not_pause_resume_or_close(hall, refused, action):
    with refused(HallError, match="Open the window first"):
        action(hall.clerk1, hall.w1)


@pytest.mark.parametrize(
    "action",
    [
        lambda clerk, window: pause_window(clerk, window, reason="break", minutes=10),
        resume_window,
        close_window,
    ],
    ids=["pause", "resume", "close"],
)
def test_another_clerk_does_not_pause_resume_or_close(hall, refused, action):
    _open(hall)
    if action is resume_window:
        pause_window(hall.clerk1, hall.w1, reason="break", minutes=10)

    with refused(PermissionDenied, match="Another clerk"):
        action(hall.clerk2, hall.w1)
    with refused(PermissionDenied, match="Only staff of this unit"):
        action(hall.world.outsider, hall.w1)


@pytest.mark.parametrize(("after", "overran"), [(10, False), (16, True)])
def test_resuming_reopens_and_records_an_overrun(hall, clock, after, overran):
    _open(hall)
    pause_window(hall.clerk1, hall.w1, reason="break", minutes=15)
    clock.shift(dt.timedelta(minutes=after))

    with written() as w:
        state = resume_window(hall.clerk1, hall.w1)

    state = WindowState.objects.get(pk=state.pk)
    assert (state.status, state.pause_reason, state.paused_until, state.since) == (
        WindowStatus.OPEN, "", None, at(8, 30) + dt.timedelta(minutes=after),
    )  # fmt: skip
    (entry,) = w.entries
    assert entry.event_type == "hall.window_resumed"
    assert w.payload() == {"window": 1, "overran": overran}
    assert [(e.kind, e.data) for e in w.events] == [("window", {"window": 1, "status": "open"})]


def test_an_open_window_is_not_resumed(hall, refused):
    _open(hall)

    with refused(HallError, match="not paused"):
        resume_window(hall.clerk1, hall.w1)


@pytest.mark.parametrize("paused", [False, True])
def test_closing_frees_the_window_for_another_clerk(hall, clock, paused):
    _open(hall)
    if paused:
        pause_window(hall.clerk1, hall.w1, reason="meeting", minutes=30)
    clock.shift(dt.timedelta(hours=3))

    with written() as w:
        close_window(hall.clerk1, hall.w1)

    state = WindowState.objects.get(window=hall.w1)
    assert (state.status, state.clerk, state.current, state.since) == (
        WindowStatus.CLOSED, None, None, at(11, 30),
    )  # fmt: skip
    (entry,) = w.entries
    assert (entry.event_type, entry.actor) == ("hall.window_closed", hall.clerk1)
    assert w.payload() == {"window": 1}
    assert [(e.kind, e.data) for e in w.events] == [("window", {"window": 1, "status": "closed"})]
    assert _open(hall, clerk=hall.clerk2).window == hall.w1


def test_a_window_with_a_client_does_not_close(hall, refused):
    hall.issue()
    _open(hall)
    call_next(hall.clerk1, hall.w1)

    with refused(HallError, match="Finish, transfer or skip"):
        close_window(hall.clerk1, hall.w1)
