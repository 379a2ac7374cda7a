"""The hall's actions for the invariant test: each writes exactly one ledger entry."""

from __future__ import annotations

from servicehall.queueing.choices import TicketStatus, WindowStatus
from servicehall.queueing.models import OpeningCheck, Ticket, WindowState
from servicehall.testing import Scenario

NOT_ACTIONS = {
    "servicehall.queueing.actions.ticket_state": "the ticket's reconciler state",
}


def _hall(world):
    from servicehall.queueing.tests.conftest import make_hall

    return make_hall(world)


def _open_hall(world):
    """The hall with window 1 open and two tickets waiting in queue A."""
    hall = _hall(world)
    hall.issue()
    hall.issue()
    hall.open(hall.w1, hall.clerk1)
    return hall


def _called(world):
    from servicehall.queueing.actions import call_next

    hall = _open_hall(world)
    call_next(hall.clerk1, hall.w1)
    return hall


def _recalled_twice(world):
    from servicehall.queueing.actions import recall

    hall = _called(world)
    recall(hall.clerk1, hall.w1)
    recall(hall.clerk1, hall.w1)
    return hall


def _paused(world):
    from servicehall.queueing.actions import pause_window

    hall = _hall(world)
    hall.open(hall.w1, hall.clerk1)
    pause_window(hall.clerk1, hall.w1, reason="break", minutes=10)
    return hall


def _opened(world):
    hall = _hall(world)
    hall.open(hall.w1, hall.clerk1)
    return hall


def _perform(name, **arguments):
    def perform(world, hall):
        from servicehall.queueing import actions

        return getattr(actions, name)(hall.clerk1, hall.w1, **arguments)

    return perform


def _ticket_is(status, **fields):
    def changed(world, hall, ticket) -> bool:
        return Ticket.objects.filter(pk=ticket.pk, status=status, **fields).exists()

    return changed


def _window_is(status, **fields):
    def changed(world, hall, _result) -> bool:
        return WindowState.objects.filter(window=hall.w1, status=status, **fields).exists()

    return changed


def _issue(world, hall):
    return hall.issue(hall.queue_b)


def _call_chosen(world, hall):
    from servicehall.queueing.actions import call_chosen

    second = Ticket.objects.get(code="A002")
    return call_chosen(hall.clerk1, hall.w1, second, reason="孕妇，先行办理")


def _transfer(world, hall):
    from servicehall.queueing.actions import transfer

    return transfer(hall.clerk1, hall.w1, reason="需到三号窗口", to_window=hall.w3)


def _open(world, hall):
    return hall.open(hall.w1, hall.clerk1)


SCENARIOS = {
    "servicehall.queueing.actions.issue_ticket": Scenario(
        prepare=_hall,
        perform=_issue,
        changed=lambda world, hall, ticket: Ticket.objects.filter(
            pk=ticket.pk, code="B001", status=TicketStatus.WAITING
        ).exists(),
        event="hall.ticket_issued",
    ),
    "servicehall.queueing.actions.call_next": Scenario(
        prepare=_open_hall,
        perform=_perform("call_next"),
        changed=lambda world, hall, ticket: (
            _ticket_is(TicketStatus.CALLED, code="A001")(world, hall, ticket)
            and WindowState.objects.filter(window=hall.w1, current=ticket).exists()
        ),
        event="hall.ticket_called",
    ),
    "servicehall.queueing.actions.call_chosen": Scenario(
        prepare=_open_hall,
        perform=_call_chosen,
        changed=_ticket_is(TicketStatus.CALLED, code="A002"),
        event="hall.ticket_chosen",
    ),
    "servicehall.queueing.actions.recall": Scenario(
        prepare=_called,
        perform=_perform("recall"),
        changed=_ticket_is(TicketStatus.CALLED, recalls=1),
        event="hall.ticket_recalled",
    ),
    "servicehall.queueing.actions.skip_no_show": Scenario(
        prepare=_recalled_twice,
        perform=_perform("skip_no_show"),
        changed=_ticket_is(TicketStatus.NO_SHOW, finished_at__isnull=False),
        event="hall.ticket_no_show",
    ),
    "servicehall.queueing.actions.start_service": Scenario(
        prepare=_called,
        perform=_perform("start_service"),
        changed=_ticket_is(TicketStatus.SERVING, started_at__isnull=False),
        event="hall.service_started",
    ),
    "servicehall.queueing.actions.finish_service": Scenario(
        prepare=_called,
        perform=_perform("finish_service"),
        changed=_ticket_is(TicketStatus.DONE, finished_at__isnull=False),
        event="hall.service_finished",
    ),
    "servicehall.queueing.actions.transfer": Scenario(
        prepare=_called,
        perform=_transfer,
        changed=lambda world, hall, ticket: _ticket_is(
            TicketStatus.WAITING, target_window=hall.w3, transfers=1
        )(world, hall, ticket),
        event="hall.ticket_transferred",
    ),
    "servicehall.queueing.actions.open_window": Scenario(
        prepare=_hall,
        perform=_open,
        changed=lambda world, hall, check: (
            OpeningCheck.objects.filter(pk=check.pk, window=hall.w1).exists()
            and _window_is(WindowStatus.OPEN, clerk=hall.clerk1)(world, hall, check)
        ),
        event="hall.window_opened",
    ),
    "servicehall.queueing.actions.pause_window": Scenario(
        prepare=_opened,
        perform=_perform("pause_window", reason="meeting", minutes=30),
        changed=_window_is(WindowStatus.PAUSED, pause_reason="meeting"),
        event="hall.window_paused",
    ),
    "servicehall.queueing.actions.resume_window": Scenario(
        prepare=_paused,
        perform=_perform("resume_window"),
        changed=_window_is(WindowStatus.OPEN, paused_until__isnull=True),
        event="hall.window_resumed",
    ),
    "servicehall.queueing.actions.close_window": Scenario(
        prepare=_opened,
        perform=_perform("close_window"),
        changed=_window_is(WindowStatus.CLOSED, clerk__isnull=True),
        event="hall.window_closed",
    ),
}
