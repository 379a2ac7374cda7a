"""start_service and finish_service: the called client is served, then the window is free;
each step writes its ledger entry (N-2.4)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.queueing.actions import (
    HallError,
    call_next,
    finish_service,
    start_service,
    ticket_state,
)
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import WindowState

from .conftest import at, written


@pytest.fixture
def called(hall, clock):
    hall.issue()
    hall.issue(hall.queue_b)
    hall.open(hall.w1, hall.clerk1)
    ticket = call_next(hall.clerk1, hall.w1)
    clock.shift(60)
    return ticket


def test_start_serves_the_called_client(hall, called):
    with written() as w:
        ticket = start_service(hall.clerk1, hall.w1)

    called.refresh_from_db()
    assert ticket.pk == called.pk
    assert (called.status, called.started_at) == (TicketStatus.SERVING, at(8, 31))
    assert WindowState.objects.get(window=hall.w1).current == called
    (entry,) = w.entries
    assert (entry.event_type, entry.actor) == ("hall.service_started", hall.clerk1)
    assert w.payload() == {"state": ticket_state(called), "ticket": "A001"}


def test_finish_ends_the_service_and_frees_the_window(hall, called, clock):
    start_service(hall.clerk1, hall.w1)
    clock.shift(600)

    with written() as w:
        ticket = finish_service(hall.clerk1, hall.w1)

    called.refresh_from_db()
    assert ticket.pk == called.pk
    assert (called.status, called.started_at, called.finished_at) == (
        TicketStatus.DONE, at(8, 31), at(8, 41),
    )  # fmt: skip
    assert WindowState.objects.get(window=hall.w1).current is None
    (entry,) = w.entries
    assert (entry.event_type, entry.actor) == ("hall.service_finished", hall.clerk1)
    assert w.payload() == {"state": ticket_state(called), "ticket": "A001"}
    assert [(e.kind, e.data) for e in w.events] == [("queue", {"waiting": {"A": 0, "B": 1}})]


def test_finish_without_start_starts_and_ends_at_once(hall, called):
    finish_service(hall.clerk1, hall.w1)

    called.refresh_from_db()
    assert called.status == TicketStatus.DONE
    assert called.started_at == called.finished_at == at(8, 31)


@pytest.mark.parametrize("action", [start_service, finish_service])
def test_nothing_to_start_or_finish_without_a_client(hall, refused, action):
    hall.open(hall.w1, hall.clerk1)

    with refused(HallError, match="no client at this window"):
        action(hall.clerk1, hall.w1)


def test_a_service_starts_once(hall, called, refused):
    start_service(hall.clerk1, hall.w1)

    with refused(HallError, match="no client at this window"):
        start_service(hall.clerk1, hall.w1)


def test_a_finished_client_is_not_finished_again(hall, called, refused):
    finish_service(hall.clerk1, hall.w1)

    with refused(HallError, match="no client at this window"):
        finish_service(hall.clerk1, hall.w1)


@pytest.mark.parametrize("action", [start_service, finish_service])
def test_another_clerk_cannot_start_or_finish(hall, called, refused, action):
    with refused(PermissionDenied, match="Another clerk"):
        action(hall.clerk2, hall.w1)


@pytest.mark.parametrize("action", [start_service, finish_service])
def test_staff_of_another_unit_cannot_start_or_finish(hall, called, refused, action):
    with refused(PermissionDenied, match="Only staff of this unit"):
        action(hall.world.outsider, hall.w1)


@pytest.mark.parametrize("action", [start_service, finish_service])
def test_a_closed_window_starts_and_finishes_nothing(hall, refused, action):
    with refused(HallError, match="Open the window first"):
        action(hall.clerk1, hall.w1)
