"""recall (重呼) and skip_no_show: a called client is called again, and counted as not
come only after the unit's published number of recalls (N-2.3: one rule for all)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.queueing import actions
from servicehall.queueing.actions import HallError, call_next, recall, skip_no_show, ticket_state
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import HallSettings, WindowState

from .conftest import at, written


@pytest.fixture
def called(hall, clock):
    """A001 called at window 1, A002 waiting behind it."""
    hall.issue()
    hall.issue()
    hall.open(hall.w1, hall.clerk1)
    ticket = call_next(hall.clerk1, hall.w1)
    clock.shift(60)
    return ticket


def test_a_recall_calls_the_same_client_again(hall, called):
    with written() as w:
        ticket = recall(hall.clerk1, hall.w1)

    assert ticket.pk == called.pk
    called.refresh_from_db()
    assert (called.recalls, called.status) == (1, TicketStatus.CALLED)
    (entry,) = w.entries
    assert (entry.event_type, entry.actor) == ("hall.ticket_recalled", hall.clerk1)
    assert w.payload() == {"state": ticket_state(called), "ticket": "A001", "recalls": 1}
    ((kind, data),) = [(e.kind, e.data) for e in w.events]
    assert kind == "call"
    assert (data["ticket"], data["window"], data["recall"]) == ("A001", 1, True)


def test_recalls_add_up(hall, called):
    recall(hall.clerk1, hall.w1)
    recall(hall.clerk1, hall.w1)
    recall(hall.clerk1, hall.w1)

    called.refresh_from_db()
    assert called.recalls == 3


def test_a_no_show_after_the_recalls_frees_the_window(hall, called, clock):
    recall(hall.clerk1, hall.w1)
    recall(hall.clerk1, hall.w1)
    clock.shift(60)

    with written() as w:
        ticket = skip_no_show(hall.clerk1, hall.w1)

    called.refresh_from_db()
    assert ticket.pk == called.pk
    assert (called.status, called.finished_at) == (TicketStatus.NO_SHOW, at(8, 32))
    assert WindowState.objects.get(window=hall.w1).current is None
    (entry,) = w.entries
    assert (entry.event_type, entry.actor) == ("hall.ticket_no_show", hall.clerk1)
    assert w.payload() == {"state": ticket_state(called), "ticket": "A001"}
    assert [(e.kind, e.data) for e in w.events] == [("queue", {"waiting": {"A": 1, "B": 0}})]
    assert call_next(hall.clerk1, hall.w1).code == "A002"


@pytest.mark.parametrize("recalls", [0, 1])
def test_a_no_show_needs_the_recalls_first(hall, called, refused, recalls):
    for _n in range(recalls):
        recall(hall.clerk1, hall.w1)

    with refused(HallError, match="Call the client again first: 2 recalls before a no-show"):
        skip_no_show(hall.clerk1, hall.w1)


def test_the_number_of_recalls_is_the_units_setting(hall, called, refused):
    HallSettings.objects.filter(unit=hall.office).update(recalls_before_no_show=3)
    recall(hall.clerk1, hall.w1)
    recall(hall.clerk1, hall.w1)
    with refused(HallError, match="3 recalls"):
        skip_no_show(hall.clerk1, hall.w1)

    recall(hall.clerk1, hall.w1)
    assert skip_no_show(hall.clerk1, hall.w1).status == TicketStatus.NO_SHOW


def test_without_hall_settings_two_recalls_are_needed(hall, called, refused):
    HallSettings.objects.filter(unit=hall.office).delete()
    recall(hall.clerk1, hall.w1)
    with refused(HallError, match="2 recalls"):
        skip_no_show(hall.clerk1, hall.w1)


def test_a_new_call_starts_the_recalls_from_nought(hall, called):
    recall(hall.clerk1, hall.w1)
    actions.transfer(hall.clerk1, hall.w1, reason="到社保卡窗口", to_queue=hall.queue_b)
    hall.open(hall.w2, hall.clerk2)

    ticket = call_next(hall.clerk2, hall.w2)

    assert (ticket.pk, ticket.recalls) == (called.pk, 0)


@pytest.mark.parametrize("action", [recall, skip_no_show])
def test_nobody_to_recall_or_skip_without_a_called_client(hall, refused, action):
    hall.open(hall.w1, hall.clerk1)

    with refused(HallError, match="no client at this window"):
        action(hall.clerk1, hall.w1)


@pytest.mark.parametrize("action", [recall, skip_no_show])
def test_a_client_being_served_is_neither_recalled_nor_skipped(hall, called, refused, action):
    recall(hall.clerk1, hall.w1)
    recall(hall.clerk1, hall.w1)
    actions.start_service(hall.clerk1, hall.w1)

    with refused(HallError, match="no client at this window"):
        action(hall.clerk1, hall.w1)


@pytest.mark.parametrize("action", [recall, skip_no_show])
def test_another_clerk_cannot_recall_or_skip(hall, called, refused, action):
    with refused(PermissionDenied, match="Another clerk"):
        action(hall.clerk2, hall.w1)


@pytest.mark.parametrize("action", [recall, skip_no_show])
def test_staff_of_another_unit_cannot_recall_or_skip(hall, called, refused, action):
    with refused(PermissionDenied, match="Only staff of this unit"):
        action(hall.world.outsider, hall.w1)


@pytest.mark.parametrize("action", [recall, skip_no_show])
def test_a_closed_window_recalls_and_skips_nobody(hall, refused, action):
    with refused(HallError, match="Open the window first"):
        action(hall.clerk1, hall.w1)
