"""The waiting counts the events carry are kept in the ticket counters by the actions
(TicketCounter.waiting); as a property: after any sequence of issues, calls (in order or
chosen), finishes and transfers to a queue or a window, at any of three windows, each
queue's count is the number of its tickets waiting, and the clients ahead of each waiting
ticket that the API answers (read with the counters) are those of ``ahead_of`` (counted
one by one) (N-2.3, N-2.4)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from hypothesis import given, settings
from hypothesis import strategies as st

from servicehall.queueing import actions, events
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.estimates import ahead_and_wait, ahead_of
from servicehall.queueing.models import Ticket

from .conftest import DAY, at

EXAMPLES = settings(max_examples=30, deadline=None, database=None)

windows = st.sampled_from([1, 2, 3])
# A step issues a ticket, or has a window call its next client (or a chosen one) and then
# finish, transfer to a queue or a window, or keep the client for a later step.
outcomes = st.one_of(
    st.just(("finish",)),
    st.just(("keep",)),
    st.tuples(st.just("to_queue"), st.sampled_from("AB")),
    st.tuples(st.just("to_window"), windows),
)
steps = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from("AB")),
    st.tuples(st.just("serve"), windows, st.integers(min_value=-1, max_value=20), outcomes),
)


def _counted(hall) -> dict[str, int]:
    found = dict(
        Ticket.objects.filter(unit=hall.office, service_day=DAY, status=TicketStatus.WAITING)
        .values_list("queue__prefix")
        .annotate(n=Count("id"))
    )
    return {"A": found.get("A", 0), "B": found.get("B", 0)}


def _attempt(action, *args, **kwargs) -> None:
    """The action, or nothing if it is refused (nobody there, the same window, ...): a
    refusal changes nothing."""
    try:
        with transaction.atomic():
            action(*args, **kwargs)
    except (ValidationError, PermissionDenied):
        pass


def _step(hall, step) -> None:
    window = {1: hall.w1, 2: hall.w2, 3: hall.w3}
    clerk = {1: hall.clerk1, 2: hall.clerk2, 3: hall.clerk3}
    queue = {"A": hall.queue_a, "B": hall.queue_b}
    if step[0] == "issue":
        hall.issue(queue[step[1]])
        return
    _kind, at_window, choice, outcome = step
    here = (clerk[at_window], window[at_window])
    waiting = list(Ticket.objects.filter(status=TicketStatus.WAITING).order_by("pk"))
    if choice < 0 or not waiting:
        _attempt(actions.call_next, *here)
    else:
        _attempt(actions.call_chosen, *here, waiting[choice % len(waiting)], reason="腿脚不便")
    if outcome[0] == "finish":
        _attempt(actions.finish_service, *here)
    elif outcome[0] == "to_queue":
        _attempt(actions.transfer, *here, reason="转办", to_queue=queue[outcome[1]])
    elif outcome[0] == "to_window":
        _attempt(actions.transfer, *here, reason="转窗", to_window=window[outcome[1]])


def test_the_counters_waiting_counts_are_the_tickets_waiting(hall, clock):
    hall.open_all()

    @EXAMPLES
    @given(st.lists(steps, min_size=1, max_size=25))
    def check(script):
        clock.move_to(at(9, 0))
        with transaction.atomic():
            for step in script:
                clock.shift(20)
                _step(hall, step)
                assert events.waiting_counts(hall.office.pk, DAY) == _counted(hall), step
                for ticket in Ticket.objects.filter(status=TicketStatus.WAITING):
                    assert ahead_and_wait(ticket)[0] == ahead_of(ticket), (step, ticket)
            transaction.set_rollback(True)

    check()
