"""Waiting-time estimates (N-2.4): clients ahead in the calling order, the queue's recent
service times, and the windows open for it; no open window, no estimate."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from servicehall.queueing import actions
from servicehall.queueing.estimates import (
    DEFAULT_SERVICE_MINUTES,
    RECENT,
    ahead_and_wait,
    ahead_of,
    average_service_minutes,
    estimated_wait_minutes,
    open_windows,
    queue_wait_minutes,
    wait_minutes,
)
from servicehall.queueing.models import Ticket


def _serve(hall, clock, minutes: float, *, window=None, clerk=None) -> Ticket:
    """Call the next client at window 1 (or ``window``) and finish after ``minutes``."""
    window, clerk = window or hall.w1, clerk or hall.clerk1
    ticket = actions.call_next(clerk, window)
    clock.shift(dt.timedelta(minutes=minutes))
    actions.finish_service(clerk, window)
    return ticket


# --- clients ahead ---------------------------------------------------------------------------


def test_ahead_are_the_higher_classes_and_the_earlier_of_the_same_class(hall, clock):
    tickets = {}
    for code, channel, green in [
        ("A001", "kiosk", ""), ("A002", "appointment", ""), ("A003", "kiosk", ""),
        ("A004", "guide_desk", "elderly"), ("A005", "appointment", ""),
    ]:  # fmt: skip
        tickets[code] = hall.issue(channel=channel, green_reason=green)
        clock.shift(60)

    assert {code: ahead_of(t) for code, t in tickets.items()} == {
        "A004": 0, "A002": 1, "A005": 2, "A001": 3, "A003": 4,
    }  # fmt: skip


def test_clients_called_or_of_another_queue_are_not_ahead(hall, clock):
    hall.issue()
    clock.shift(60)
    hall.issue(hall.queue_b)
    clock.shift(60)
    hall.issue()
    clock.shift(60)
    last = hall.issue()
    hall.open(hall.w1, hall.clerk1)
    actions.call_next(hall.clerk1, hall.w1)

    assert ahead_of(last) == 1


def test_clients_sent_to_a_window_are_not_counted_ahead(hall, clock):
    hall.issue()
    clock.shift(60)
    last = hall.issue()
    hall.open(hall.w1, hall.clerk1)
    actions.call_next(hall.clerk1, hall.w1)
    actions.transfer(hall.clerk1, hall.w1, reason="转三号窗口", to_window=hall.w3)

    assert ahead_of(last) == 0


# --- service times -----------------------------------------------------------------------------


def test_with_no_service_yet_the_default_is_used(hall):
    assert average_service_minutes(hall.queue_a.pk) == DEFAULT_SERVICE_MINUTES


def test_the_average_runs_from_call_to_finish(hall, clock):
    for _n in range(3):
        hall.issue()
    hall.open(hall.w1, hall.clerk1)
    _serve(hall, clock, 4)
    _serve(hall, clock, 6)
    clock.shift(dt.timedelta(minutes=30))  # time between clients is not service time
    _serve(hall, clock, 11)

    assert average_service_minutes(hall.queue_a.pk) == 7.0
    assert average_service_minutes(hall.queue_b.pk) == DEFAULT_SERVICE_MINUTES


def test_only_the_recent_services_count(hall, clock):
    for _n in range(RECENT + 1):
        hall.issue()
    hall.open(hall.w1, hall.clerk1)
    _serve(hall, clock, 60)
    for _n in range(RECENT):
        _serve(hall, clock, 5)

    assert average_service_minutes(hall.queue_a.pk) == 5.0


def test_no_shows_do_not_count_and_the_average_is_at_least_a_minute(hall, clock):
    hall.issue()
    hall.issue()
    hall.open(hall.w1, hall.clerk1)
    actions.call_next(hall.clerk1, hall.w1)
    actions.recall(hall.clerk1, hall.w1)
    actions.recall(hall.clerk1, hall.w1)
    clock.shift(dt.timedelta(minutes=40))
    actions.skip_no_show(hall.clerk1, hall.w1)
    _serve(hall, clock, 0.2)

    assert average_service_minutes(hall.queue_a.pk) == 1.0


# --- windows open and the estimate -------------------------------------------------------------


def test_open_windows_are_those_serving_the_queue_and_open(hall):
    assert open_windows(hall.queue_a.pk) == 0
    hall.open_all()
    assert open_windows(hall.queue_a.pk) == 3  # windows 1 and 3, and 2 as its second queue
    assert open_windows(hall.queue_b.pk) == 1
    actions.pause_window(hall.clerk3, hall.w3, reason="break", minutes=10)
    actions.close_window(hall.clerk2, hall.w2)
    assert open_windows(hall.queue_a.pk) == 1


def test_no_open_window_gives_no_estimate(hall):
    ticket = hall.issue(hall.queue_b)
    hall.open(hall.w1, hall.clerk1)  # window 1 does not serve B

    assert estimated_wait_minutes(ticket) is None


def test_the_estimate_shares_the_clients_ahead_among_the_open_windows(hall, clock):
    hall.open(hall.w1, hall.clerk1)
    hall.open(hall.w3, hall.clerk3)
    hall.issue()
    hall.issue()
    _serve(hall, clock, 10)
    _serve(hall, clock, 6)  # average 8 minutes
    waiting = []
    for _n in range(4):
        clock.shift(1)
        waiting.append(hall.issue())

    # (ahead + 1) clients at 8 minutes each, shared by two windows.
    assert [estimated_wait_minutes(t) for t in waiting] == [4, 8, 12, 16]
    # The device API's answer reads both in one query.
    assert [ahead_and_wait(t) for t in waiting] == [(0, 4), (1, 8), (2, 12), (3, 16)]


def test_the_one_query_estimate_is_the_estimate(hall, clock):
    """ahead_and_wait as estimated_wait_minutes, with no service yet (the default pace),
    with no window open for the queue, and after services of various lengths."""
    first = hall.issue()
    assert ahead_and_wait(first) == (0, None) == (ahead_of(first), estimated_wait_minutes(first))
    hall.open(hall.w1, hall.clerk1)
    clock.shift(1)
    second = hall.issue()
    assert ahead_and_wait(second) == (1, 2 * DEFAULT_SERVICE_MINUTES)
    for minutes in (3, 17, 1):
        _serve(hall, clock, minutes)
        clock.shift(1)
        ticket = hall.issue()
        assert ahead_and_wait(ticket) == (ahead_of(ticket), estimated_wait_minutes(ticket))


def test_a_called_client_waits_no_longer(hall):
    hall.issue()
    hall.open(hall.w1, hall.clerk1)
    ticket = actions.call_next(hall.clerk1, hall.w1)

    assert estimated_wait_minutes(ticket) == 0


def test_a_waiting_client_is_told_at_least_a_minute():
    # One client at a minute each, shared by four windows: a quarter of a minute.
    assert wait_minutes(0, 1.0, 4) == 1
    assert wait_minutes(3, 8.0, 2) == 16


def test_the_kiosk_list_the_display_and_a_new_ticket_give_one_estimate(hall, clock):
    """The wait of a ticket taken now, by the kiosk's queue list and the hall display, is
    the estimate the ticket then gets (one formula: estimates.wait_minutes)."""
    from servicehall.queueing.views_display import _queues

    assert queue_wait_minutes(hall.queue_a.pk, 0) is None
    hall.open(hall.w1, hall.clerk1)
    hall.issue()
    hall.issue()
    _serve(hall, clock, 3)
    clock.shift(1)
    listed = queue_wait_minutes(hall.queue_a.pk, 1)
    day = timezone.localdate()
    shown = {row["prefix"]: row["estimate"] for row in _queues(hall.office, day)}["A"]
    ticket = hall.issue()

    assert listed == shown == estimated_wait_minutes(ticket) == ahead_and_wait(ticket)[1] == 6
