"""Invariant 4, as properties: calling order is priority class, then issue time (N-2.3).

For random sequences of tickets (kiosk, phone, appointment check-in, green channel) issued
at strictly increasing times, repeated call_next returns them exactly in (priority, issue
time) order; a window takes its queues in its order of preference; a client transferred to
a window keeps their place there (P-W18); no ticket is called twice and every issued
ticket is called and finished exactly once; and the counter desk's list of the next clients
(``_pools``, the ORM's form of the rule) is the order call_next (its SQL form) takes.

The hall is built once per test; each example runs in a savepoint that is rolled back, so
ticket numbers start at 001 again and the examples stay independent and quick.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from servicehall.ledger.models import LedgerEntry
from servicehall.queueing.actions import _pools, call_next, finish_service, transfer
from servicehall.queueing.choices import GreenReason, Priority, TicketStatus
from servicehall.queueing.models import Ticket

from .conftest import at

EXAMPLES = settings(max_examples=20, deadline=None, database=None)

KINDS = ["kiosk", "phone", "appointment", *(f"green:{r}" for r in GreenReason.values)]
PRIORITY = {"kiosk": Priority.NORMAL, "phone": Priority.NORMAL, "appointment": Priority.APPOINTMENT}

kinds = st.sampled_from(KINDS)
gaps = st.integers(min_value=1, max_value=900)  # seconds between two issues


@dataclass
class Issued:
    """The test's own model of a ticket, against which the hall is checked."""

    pk: int
    code: str
    queue: str
    priority: int
    issued_at: dt.datetime
    target: str | None = None
    done: bool = False

    @property
    def key(self) -> tuple:
        return (self.priority, self.issued_at)


def _issue(hall, clock, queue: str, kind: str, gap: int) -> Issued:
    clock.shift(gap)
    queue_row = hall.queue_a if queue == "A" else hall.queue_b
    if kind.startswith("green:"):
        ticket = hall.issue(queue_row, channel="guide_desk", green_reason=kind.split(":")[1])
        expected = Priority.GREEN
    else:
        ticket = hall.issue(queue_row, channel=kind)
        expected = PRIORITY[kind]
    assert ticket.priority == expected
    return Issued(ticket.pk, ticket.code, queue, ticket.priority, ticket.issued_at)


def _shown(window) -> list[int]:
    """The clients the counter desk lists as next, in its order."""
    return [t.pk for pool in _pools(window, timezone.localdate()) for t in pool]


def _drain(clerk, window) -> list[int]:
    called = []
    while (ticket := call_next(clerk, window)) is not None:
        called.append(ticket.pk)
        finish_service(clerk, window)
    return called


def _in_rolled_back_savepoint(clock, body) -> None:
    clock.move_to(at(8, 30))
    with transaction.atomic():
        body()
        transaction.set_rollback(True)


def _each_ticket_called_and_finished_once(issued: list[Issued]) -> None:
    pks = [str(t.pk) for t in issued]
    entries = LedgerEntry.objects.filter(subject_type="queueing.ticket", subject_id__in=pks)
    calls = Counter(entries.filter(event_type="hall.ticket_called").values_list("subject_id"))
    transfers = Counter(
        entries.filter(event_type="hall.ticket_transferred").values_list("subject_id")
    )
    finishes = Counter(entries.filter(event_type="hall.service_finished").values_list("subject_id"))
    for pk in pks:
        assert calls[(pk,)] == 1 + transfers[(pk,)]
        assert finishes[(pk,)] == 1
    assert Ticket.objects.filter(pk__in=pks, status=TicketStatus.DONE).count() == len(pks)


def test_one_window_calls_in_priority_then_issue_time_order(hall, clock):
    hall.open(hall.w1, hall.clerk1)

    @EXAMPLES
    @given(st.lists(st.tuples(kinds, gaps), min_size=1, max_size=12))
    def check(tickets):
        def body():
            issued = [_issue(hall, clock, "A", kind, gap) for kind, gap in tickets]

            called = _drain(hall.clerk1, hall.w1)

            assert called == [t.pk for t in sorted(issued, key=lambda t: t.key)]
            assert len(set(called)) == len(called) == len(issued)
            _each_ticket_called_and_finished_once(issued)

        _in_rolled_back_savepoint(clock, body)

    check()


def test_a_window_takes_its_queues_in_order_of_preference(hall, clock):
    hall.open(hall.w2, hall.clerk2)  # B first, then A

    @EXAMPLES
    @given(st.lists(st.tuples(st.sampled_from("AB"), kinds, gaps), min_size=1, max_size=12))
    def check(tickets):
        def body():
            issued = [_issue(hall, clock, queue, kind, gap) for queue, kind, gap in tickets]

            called = _drain(hall.clerk2, hall.w2)

            expected = [
                t.pk
                for queue in "BA"
                for t in sorted((t for t in issued if t.queue == queue), key=lambda t: t.key)
            ]
            assert called == expected
            _each_ticket_called_and_finished_once(issued)

        _in_rolled_back_savepoint(clock, body)

    check()


# A step is an issue (queue, kind, gap), or window 2 calling its next client and either
# transferring them to window 1 or finishing them.
steps = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from("AB"), kinds, gaps),
    st.tuples(st.just("call"), st.booleans()),
)


def _next_for_window_2(model: list[Issued]) -> Issued | None:
    """Window 2 serves B, then A; a client sent to window 1 is not window 2's."""
    for queue in "BA":
        waiting = [t for t in model if not t.done and t.queue == queue and t.target is None]
        if waiting:
            return min(waiting, key=lambda t: t.key)
    return None


def test_a_client_transferred_to_a_window_keeps_their_place(hall, clock):
    hall.open(hall.w1, hall.clerk1)  # A
    hall.open(hall.w2, hall.clerk2)  # B, then A

    @EXAMPLES
    @given(st.lists(steps, min_size=1, max_size=16))
    def check(script):
        def body():
            model: list[Issued] = []
            for step in script:
                if step[0] == "issue":
                    model.append(_issue(hall, clock, *step[1:]))
                    continue
                expected = _next_for_window_2(model)
                ticket = call_next(hall.clerk2, hall.w2)
                assert (ticket and ticket.pk) == (expected and expected.pk)
                if ticket is None:
                    continue
                clock.shift(30)
                if step[1]:
                    transfer(hall.clerk2, hall.w2, reason="转一号窗口", to_window=hall.w1)
                    expected.target = "w1"
                else:
                    finish_service(hall.clerk2, hall.w2)
                    expected.done = True

            # Window 1 takes queue A and the clients sent to it, each at their first place.
            mine = [t for t in model if not t.done and (t.queue == "A" or t.target == "w1")]
            expected = [t.pk for t in sorted(mine, key=lambda t: t.key)]
            assert _shown(hall.w1) == expected  # what the desk shows is what is called
            assert _drain(hall.clerk1, hall.w1) == expected
            # Window 2 then takes what is left of B; nothing is lost on the way.
            rest = [t for t in model if not t.done and t not in mine]
            expected = [t.pk for t in sorted(rest, key=lambda t: t.key)]
            assert _shown(hall.w2) == expected
            assert _drain(hall.clerk2, hall.w2) == expected
            _each_ticket_called_and_finished_once(model)

        _in_rolled_back_savepoint(clock, body)

    check()
