"""call_chosen: any other order than priority then issue time needs a reason, which is
recorded, and is flagged for review as possible unequal treatment (N-2.3, D-13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.queueing import actions
from servicehall.queueing.actions import HallError, call_chosen, call_next, ticket_state
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import Queue, WindowState
from servicehall.supervision.models import Detection, DetectionStatus

from .conftest import DAY, at, written

REASON = "行动不便，先行办理"


@pytest.fixture
def three(hall, clock):
    tickets = []
    for _n in range(3):
        tickets.append(hall.issue())
        clock.shift(60)
    hall.open(hall.w1, hall.clerk1)
    return tickets


def test_a_chosen_call_is_recorded_with_its_reason_and_flagged(hall, three):
    chosen = three[2]

    with written() as w:
        ticket = call_chosen(hall.clerk1, hall.w1, chosen, reason=f"  {REASON} ")

    assert ticket.pk == chosen.pk
    chosen.refresh_from_db()
    assert (chosen.status, chosen.window, chosen.clerk, chosen.called_at) == (
        TicketStatus.CALLED, hall.w1, hall.clerk1, at(8, 33),
    )  # fmt: skip
    assert WindowState.objects.get(window=hall.w1).current == chosen
    (entry,) = w.entries
    assert (entry.event_type, entry.actor) == ("hall.ticket_chosen", hall.clerk1)
    assert w.payload() == {
        "state": ticket_state(chosen), "ticket": "A003", "window": 1, "reason": REASON,
    }  # fmt: skip
    assert [(e.kind, e.data["ticket"], e.data["recall"]) for e in w.events] == [
        ("call", "A003", False)
    ]
    detection = Detection.objects.get()
    assert (detection.clause, detection.key, detection.status) == (
        "D-13", f"D-13:ticket:{chosen.pk}", DetectionStatus.OPEN,
    )  # fmt: skip
    assert (detection.unit, detection.staff) == (hall.office, hall.clerk1)
    assert (detection.subject_type, detection.subject_id) == ("queueing.ticket", str(chosen.pk))
    assert "A003" in detection.detail and REASON in detection.detail


def test_after_a_chosen_call_the_order_goes_on_from_the_front(hall, three):
    call_chosen(hall.clerk1, hall.w1, three[1], reason=REASON)
    actions.finish_service(hall.clerk1, hall.w1)

    assert call_next(hall.clerk1, hall.w1).code == "A001"
    actions.finish_service(hall.clerk1, hall.w1)
    assert call_next(hall.clerk1, hall.w1).code == "A003"


def test_even_the_next_in_order_is_flagged_when_chosen(hall, three):
    # The flag is for review; the head on duty dismisses it if the order was kept anyway.
    call_chosen(hall.clerk1, hall.w1, three[0], reason=REASON)

    assert Detection.objects.filter(clause="D-13").count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_chosen_call_needs_a_reason(hall, three, refused, reason):
    with refused(HallError, match="needs a reason"):
        call_chosen(hall.clerk1, hall.w1, three[2], reason=reason)


def test_a_closed_window_does_not_call_a_chosen_ticket(hall, three, refused):
    with refused(HallError, match="Open the window first"):
        call_chosen(hall.clerk3, hall.w3, three[2], reason=REASON)


def test_another_clerk_cannot_call_a_chosen_ticket(hall, three, refused):
    with refused(PermissionDenied, match="Another clerk"):
        call_chosen(hall.clerk2, hall.w1, three[2], reason=REASON)


def test_staff_of_another_unit_cannot_call_a_chosen_ticket(hall, three, refused):
    with refused(PermissionDenied, match="Only staff of this unit"):
        call_chosen(hall.world.outsider, hall.w1, three[2], reason=REASON)


def test_a_paused_window_does_not_call_a_chosen_ticket(hall, three, refused):
    actions.pause_window(hall.clerk1, hall.w1, reason="meeting", minutes=30)

    with refused(HallError, match="Resume the window"):
        call_chosen(hall.clerk1, hall.w1, three[2], reason=REASON)


def test_a_chosen_call_waits_for_the_current_client(hall, three, refused):
    call_next(hall.clerk1, hall.w1)

    with refused(HallError, match="Finish, transfer or skip"):
        call_chosen(hall.clerk1, hall.w1, three[2], reason=REASON)


def test_a_ticket_of_another_unit_cannot_be_chosen(hall, three, refused):
    other = Queue.objects.create(unit=hall.world.other_office, prefix="A", name="综合")
    foreign = hall.issue(other)

    with refused(HallError, match="not waiting here today"):
        call_chosen(hall.clerk1, hall.w1, foreign, reason=REASON)


def test_a_ticket_of_an_earlier_day_cannot_be_chosen(hall, three, clock, refused):
    clock.move_to(at(8, 30, day=DAY + dt.timedelta(days=1)))

    with refused(HallError, match="not waiting here today"):
        call_chosen(hall.clerk1, hall.w1, three[2], reason=REASON)


def test_a_ticket_another_window_called_cannot_be_chosen(hall, three, refused):
    hall.open(hall.w3, hall.clerk3)
    assert call_next(hall.clerk3, hall.w3).pk == three[0].pk

    with refused(HallError, match="no longer waiting"):
        call_chosen(hall.clerk1, hall.w1, three[0], reason=REASON)
