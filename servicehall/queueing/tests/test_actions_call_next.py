"""call_next: priority class, then issue time, the only order (N-2.3); a window takes its
queues in its order of preference; one ledger entry and one call event per call."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.ledger.choices import Channel
from servicehall.queueing import actions
from servicehall.queueing.actions import HallError, call_next, ticket_state
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import Queue, WindowState

from .conftest import DAY, at, snapshot, written


def _drain(hall, window, clerk) -> list[str]:
    codes = []
    while (ticket := call_next(clerk, window)) is not None:
        codes.append(ticket.code)
        actions.finish_service(clerk, window)
    return codes


def test_priority_class_comes_first_then_issue_time(hall, clock):
    hall.issue()  # A001 normal, 08:30
    clock.shift(60)
    hall.issue(channel="appointment")  # A002
    clock.shift(60)
    hall.issue(channel="guide_desk", green_reason="pregnant")  # A003
    clock.shift(60)
    hall.issue()  # A004
    clock.shift(60)
    hall.issue(channel="guide_desk", green_reason="elderly")  # A005
    hall.open(hall.w1, hall.clerk1)

    assert _drain(hall, hall.w1, hall.clerk1) == ["A003", "A005", "A002", "A001", "A004"]


def test_a_call_claims_the_ticket_and_is_recorded(hall, clock):
    hall.issue()
    hall.issue(hall.queue_b)
    hall.open(hall.w1, hall.clerk1)
    clock.shift(dt.timedelta(minutes=5))

    with written() as w:
        ticket = call_next(hall.clerk1, hall.w1)

    assert ticket.code == "A001"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.window, ticket.clerk, ticket.called_at) == (
        TicketStatus.CALLED, hall.w1, hall.clerk1, at(8, 35),
    )  # fmt: skip
    state = WindowState.objects.get(window=hall.w1)
    assert (state.current, state.since) == (ticket, at(8, 35))
    (entry,) = w.entries
    assert (entry.event_type, entry.actor, entry.channel) == (
        "hall.ticket_called", hall.clerk1, Channel.STAFF,
    )  # fmt: skip
    assert (entry.subject_type, entry.subject_id) == ("queueing.ticket", str(ticket.pk))
    assert w.payload() == {"state": ticket_state(ticket), "ticket": "A001", "window": 1}
    ((kind, data),) = [(e.kind, e.data) for e in w.events]
    assert kind == "call"
    assert data == {
        "ticket": "A001", "window": 1, "window_name": hall.w1.name, "staff_no": "A001",
        "recall": False, "waiting": {"A": 0, "B": 1},
    }  # fmt: skip


def test_nobody_waiting_gives_none_and_changes_nothing(hall):
    hall.issue(hall.queue_b)  # window 1 does not serve B
    hall.open(hall.w1, hall.clerk1)

    before = snapshot()
    assert call_next(hall.clerk1, hall.w1) is None
    assert snapshot() == before


def test_a_window_takes_its_first_queue_before_its_second(hall, clock):
    hall.issue(hall.queue_a)  # A001, earlier but the second preference of window 2
    clock.shift(60)
    hall.issue(hall.queue_b)  # B001
    clock.shift(60)
    hall.issue(hall.queue_b, channel="appointment")  # B002
    hall.open(hall.w2, hall.clerk2)

    assert _drain(hall, hall.w2, hall.clerk2) == ["B002", "B001", "A001"]


def test_a_queue_out_of_service_is_not_called(hall):
    hall.issue(hall.queue_b)
    Queue.objects.filter(pk=hall.queue_b.pk).update(active=False)
    hall.issue(hall.queue_a)
    hall.open(hall.w2, hall.clerk2)

    assert _drain(hall, hall.w2, hall.clerk2) == ["A001"]


def test_tickets_of_an_earlier_day_are_not_called(hall, clock):
    hall.issue()
    clock.move_to(at(8, 30, day=DAY + dt.timedelta(days=1)))
    hall.open(hall.w1, hall.clerk1)

    assert call_next(hall.clerk1, hall.w1) is None


def test_two_windows_never_get_the_same_ticket(hall, clock):
    for _n in range(3):
        hall.issue()
        clock.shift(1)
    hall.open_all()

    first = call_next(hall.clerk1, hall.w1)
    second = call_next(hall.clerk3, hall.w3)

    assert (first.code, second.code) == ("A001", "A002")


def test_a_closed_window_does_not_call(hall, refused):
    hall.issue()

    with refused(HallError, match="Open the window first"):
        call_next(hall.clerk1, hall.w1)


def test_another_clerk_cannot_call_at_an_open_window(hall, refused):
    hall.issue()
    hall.open(hall.w1, hall.clerk1)

    with refused(PermissionDenied, match="Another clerk"):
        call_next(hall.clerk2, hall.w1)


@pytest.mark.parametrize("persona", ["outsider", "supervisor", "audit_admin"])
def test_staff_of_another_unit_cannot_call(hall, refused, persona):
    hall.issue()
    hall.open(hall.w1, hall.clerk1)

    with refused(PermissionDenied, match="Only staff of this unit"):
        call_next(getattr(hall.world, persona), hall.w1)


def test_a_paused_window_does_not_call(hall, refused):
    hall.issue()
    hall.open(hall.w1, hall.clerk1)
    actions.pause_window(hall.clerk1, hall.w1, reason="break", minutes=10)

    with refused(HallError, match="Resume the window"):
        call_next(hall.clerk1, hall.w1)


@pytest.mark.parametrize("started", [False, True])
def test_the_current_client_is_dealt_with_first(hall, refused, started):
    hall.issue()
    hall.issue()
    hall.open(hall.w1, hall.clerk1)
    call_next(hall.clerk1, hall.w1)
    if started:
        actions.start_service(hall.clerk1, hall.w1)

    with refused(HallError, match="Finish, transfer or skip the current client first"):
        call_next(hall.clerk1, hall.w1)
