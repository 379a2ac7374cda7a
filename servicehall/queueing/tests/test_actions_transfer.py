"""transfer: the current client goes to another queue or window of the hall, with a reason,
and keeps their place there (P-W18): their priority class and issue time do not change."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.org.models import Window
from servicehall.queueing import actions
from servicehall.queueing.actions import HallError, call_next, ticket_state, transfer
from servicehall.queueing.choices import Priority, TicketStatus
from servicehall.queueing.models import Queue, WindowState
from servicehall.queueing.views_display import display_state

from .conftest import at, written

REASON = "需到社保卡窗口补卡"


@pytest.fixture
def three(hall, clock):
    """A001, A002, A003 issued a minute apart; A001 called at window 1."""
    tickets = []
    for _n in range(3):
        tickets.append(hall.issue())
        clock.shift(60)
    hall.open_all()
    assert call_next(hall.clerk1, hall.w1).pk == tickets[0].pk
    return tickets


def test_a_transfer_to_a_window_is_recorded_with_its_reason(hall, three):
    ticket = three[0]

    with written() as w:
        moved = transfer(hall.clerk1, hall.w1, reason=f" {REASON} ", to_window=hall.w3)

    ticket.refresh_from_db()
    assert moved.pk == ticket.pk
    assert (ticket.status, ticket.window, ticket.clerk, ticket.called_at, ticket.started_at) == (
        TicketStatus.WAITING, None, None, None, None,
    )  # fmt: skip
    assert (ticket.queue, ticket.target_window, ticket.transfers) == (hall.queue_a, hall.w3, 1)
    assert (ticket.priority, ticket.issued_at, ticket.code) == (Priority.NORMAL, at(8, 30), "A001")
    assert WindowState.objects.get(window=hall.w1).current is None
    (entry,) = w.entries
    assert (entry.event_type, entry.actor) == ("hall.ticket_transferred", hall.clerk1)
    assert w.payload() == {
        "state": ticket_state(ticket), "ticket": "A001", "reason": REASON, "from_window": 1,
    }  # fmt: skip
    assert w.payload()["state"]["target_window"] == hall.w3.pk
    assert [(e.kind, e.data) for e in w.events] == [
        ("window", {"window": 1, "status": "open", "waiting": {"A": 3, "B": 0}})
    ]


def test_a_transfer_takes_the_ticket_off_the_displays_calling_line_at_once(hall, three):
    """A display reads the hall's state again on a window event (display.js): the state it
    reads no longer shows the transferred ticket as called (P-W18, N-2.3)."""
    ticket = three[0]
    calling = [call["ticket"] for call in display_state(hall.office)["calls"]]
    assert calling == [ticket.code]

    with written() as w:
        transfer(hall.clerk1, hall.w1, reason=REASON, to_queue=hall.queue_b)

    assert [event.kind for event in w.events] == ["window"]
    state = display_state(hall.office)
    assert state["last_event_id"] == w.events[0].pk
    assert state["calls"] == []
    assert [window["ticket"] for window in state["windows"]] == ["", "", ""]
    assert {queue["prefix"]: queue["waiting"] for queue in state["queues"]} == {"A": 2, "B": 1}


def test_a_client_sent_to_a_window_keeps_their_place_there_and_only_there(hall, three):
    transfer(hall.clerk1, hall.w1, reason=REASON, to_window=hall.w3)

    # Window 1 does not call them back; window 3 calls them before the later tickets.
    assert call_next(hall.clerk1, hall.w1).code == "A002"
    assert call_next(hall.clerk3, hall.w3).code == "A001"


def test_a_client_sent_to_a_queue_keeps_their_issue_time_there(hall, three):
    actions.finish_service(hall.clerk1, hall.w1)
    assert call_next(hall.clerk1, hall.w1).code == "A002"
    hall.issue(hall.queue_b)  # B001, issued after A002
    transfer(hall.clerk1, hall.w1, reason=REASON, to_queue=hall.queue_b)

    ticket = call_next(hall.clerk2, hall.w2)

    assert (ticket.code, ticket.queue, ticket.window) == ("A002", hall.queue_b, hall.w2)
    assert ticket.target_window is None
    assert call_next(hall.clerk1, hall.w1).code == "A003"


def test_a_client_sent_to_a_queue_whose_ticket_has_the_same_number(hall, three):
    hall.issue(hall.queue_b)  # B001: the same number as A001

    ticket = transfer(hall.clerk1, hall.w1, reason=REASON, to_queue=hall.queue_b)

    assert (ticket.code, ticket.queue) == ("A001", hall.queue_b)
    assert call_next(hall.clerk2, hall.w2).code == "A001"


def test_a_green_channel_client_keeps_their_priority(hall, three):
    actions.finish_service(hall.clerk1, hall.w1)
    green = hall.issue(channel="guide_desk", green_reason="disabled")
    assert call_next(hall.clerk1, hall.w1).pk == green.pk

    transfer(hall.clerk1, hall.w1, reason=REASON, to_window=hall.w3)

    assert call_next(hall.clerk3, hall.w3).pk == green.pk


def test_a_client_being_served_can_be_transferred(hall, three):
    actions.start_service(hall.clerk1, hall.w1)

    ticket = transfer(hall.clerk1, hall.w1, reason=REASON, to_window=hall.w3)

    assert (ticket.status, ticket.started_at, ticket.transfers) == (TicketStatus.WAITING, None, 1)


def test_a_transferred_client_can_be_transferred_again(hall, three):
    transfer(hall.clerk1, hall.w1, reason=REASON, to_window=hall.w3)
    call_next(hall.clerk3, hall.w3)

    ticket = transfer(hall.clerk3, hall.w3, reason="再转综合窗口", to_window=hall.w1)

    assert (ticket.transfers, ticket.target_window) == (2, hall.w1)
    assert call_next(hall.clerk1, hall.w1).pk == ticket.pk


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_transfer_needs_a_reason(hall, three, refused, reason):
    with refused(HallError, match="Say why"):
        transfer(hall.clerk1, hall.w1, reason=reason, to_window=hall.w3)


def test_a_transfer_names_one_queue_or_one_window(hall, three, refused):
    with refused(HallError, match="one queue or one window"):
        transfer(hall.clerk1, hall.w1, reason=REASON)
    with refused(HallError, match="one queue or one window"):
        transfer(hall.clerk1, hall.w1, reason=REASON, to_queue=hall.queue_b, to_window=hall.w3)


def test_a_transfer_to_the_same_window_is_refused(hall, three, refused):
    with refused(HallError, match="another queue or window"):
        transfer(hall.clerk1, hall.w1, reason=REASON, to_window=hall.w1)


def test_a_transfer_to_another_unit_is_refused(hall, three, refused):
    other_window = Window.objects.get(unit=hall.world.other_office, number=1)
    other_queue = Queue.objects.create(unit=hall.world.other_office, prefix="A", name="综合")

    with refused(HallError, match="within this hall"):
        transfer(hall.clerk1, hall.w1, reason=REASON, to_window=other_window)
    with refused(HallError, match="within this hall"):
        transfer(hall.clerk1, hall.w1, reason=REASON, to_queue=other_queue)


def test_no_transfer_without_a_current_client(hall, three, refused):
    actions.finish_service(hall.clerk1, hall.w1)

    with refused(HallError, match="no client at this window"):
        transfer(hall.clerk1, hall.w1, reason=REASON, to_window=hall.w3)


def test_another_clerk_cannot_transfer(hall, three, refused):
    with refused(PermissionDenied, match="Another clerk"):
        transfer(hall.clerk3, hall.w1, reason=REASON, to_window=hall.w3)


def test_staff_of_another_unit_cannot_transfer(hall, three, refused):
    with refused(PermissionDenied, match="Only staff of this unit"):
        transfer(hall.world.outsider, hall.w1, reason=REASON, to_window=hall.w3)


def test_a_closed_window_transfers_nobody(hall, three, refused):
    actions.finish_service(hall.clerk1, hall.w1)
    actions.close_window(hall.clerk1, hall.w1)

    with refused(HallError, match="Open the window first"):
        transfer(hall.clerk1, hall.w1, reason=REASON, to_window=hall.w3)


def test_a_transfer_to_a_queue_out_of_service_is_refused(hall, three, refused):
    Queue.objects.filter(pk=hall.queue_b.pk).update(active=False)
    hall.queue_b.refresh_from_db()

    with refused(HallError, match="not in service"):
        transfer(hall.clerk1, hall.w1, reason=REASON, to_queue=hall.queue_b)
