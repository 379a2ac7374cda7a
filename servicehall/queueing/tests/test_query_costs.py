"""What the hall's hot queries cost as the day fills up: a call, the waiting counts and an
estimate must not read the whole line (N-2.4: short waits, whatever the crowd).

Measured in SQLite's own steps (the virtual machine's instructions, counted by a progress
handler), which do not depend on the machine's speed; and by the query plans.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from servicehall.queueing import actions, estimates, events
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import Ticket

from .conftest import DAY, at

pytestmark = pytest.mark.sqlite


def _steps(run) -> int:
    """SQLite virtual-machine steps taken by ``run()``."""
    connection.ensure_connection()
    raw = connection.connection
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    raw.set_progress_handler(tick, 1)
    try:
        run()
    finally:
        raw.set_progress_handler(None, 1)
    return count[0]


def _plan(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql.replace("%s", "?"), params)
        return " | ".join(row[-1] for row in cursor.fetchall())


def _crowd(hall, queue, count: int, *, status=TicketStatus.WAITING, start: int = 100) -> None:
    """``count`` more tickets of the day in ``queue``, made in bulk (the line, not the
    actions, is under test here)."""
    issued = at(8, 31)  # after the fixture clock: behind the tickets issued by the actions
    Ticket.objects.bulk_create(
        Ticket(
            unit=hall.office, queue=queue, service_day=DAY, number=start + n,
            code=f"{queue.prefix}{start + n:03d}", channel="kiosk", client_type="resident",
            status=status, issued_at=issued + dt.timedelta(seconds=n),
            called_at=issued + dt.timedelta(seconds=n) if status == TicketStatus.DONE else None,
            finished_at=issued + dt.timedelta(seconds=n + 300)
            if status == TicketStatus.DONE
            else None,
        )
        for n in range(count)
    )  # fmt: skip


def test_calling_the_next_client_costs_the_same_however_long_the_line(hall, clock):
    hall.open_all()
    hall.issue()
    _crowd(hall, hall.queue_a, 20)

    def candidates():
        actions._candidates(hall.w1, DAY, hall.queue_a.pk, True)

    short = _steps(candidates)
    _crowd(hall, hall.queue_a, 600, start=200)
    long = _steps(candidates)

    # Before the index ticket_waiting, the whole line was read and sorted: 30 times more.
    assert long < short * 1.2
    ticket = actions.call_next(hall.clerk1, hall.w1)
    assert ticket.code == "A001"


def test_the_recent_service_times_are_read_without_the_days_finished_tickets(hall, clock):
    _crowd(hall, hall.queue_a, estimates.RECENT + 5, status=TicketStatus.DONE)

    def average():
        estimates.average_service_minutes(hall.queue_a.pk)

    few = _steps(average)
    _crowd(hall, hall.queue_a, 600, status=TicketStatus.DONE, start=300)
    many = _steps(average)

    assert many < few * 1.2
    assert estimates.average_service_minutes(hall.queue_a.pk) == 5


def test_the_waiting_counts_cost_the_same_however_long_the_line(hall, clock):
    hall.issue()
    _crowd(hall, hall.queue_a, 20)

    def counts():
        events.waiting_counts(hall.office.pk, DAY)

    short = _steps(counts)
    _crowd(hall, hall.queue_a, 600, start=200)
    long = _steps(counts)

    assert long == short  # the counters are read; no ticket is
    day = connection.ops.adapt_datefield_value(DAY)
    plan = _plan(events._WAITING_SQL, [day, hall.office.pk, True])
    assert "queueing_ticket " not in plan and "ticketcounter" in plan


def test_the_clients_ahead_of_a_new_ticket_cost_the_same_however_long_the_line(hall, clock):
    _crowd(hall, hall.queue_a, 20)
    clock.move_to(at(9, 0))  # after the crowd: the new ticket is the last in line
    ticket = hall.issue()

    def ahead():
        estimates.ahead_and_windows(ticket)

    short = _steps(ahead)
    _crowd(hall, hall.queue_a, 600, start=200)
    long = _steps(ahead)

    # Counting the clients ahead one by one took a step each: 30 times more here.
    assert long < short * 1.2
    day = connection.ops.adapt_datefield_value(DAY)
    line = [hall.queue_a.pk, day, TicketStatus.WAITING.value]
    plan = _plan(
        estimates._AHEAD_AND_WINDOWS_SQL,
        [hall.office.pk, hall.queue_a.pk, day, *line, *line, 2, "2026-03-02 01:00:00",
         hall.queue_a.pk, "open"],
    )  # fmt: skip
    assert "COVERING INDEX ticket_waiting" in plan and "FOR ORDER BY" not in plan


def test_a_ticket_number_is_drawn_through_the_counters_unique_index(hall, clock):
    plan = _plan(actions._NEXT_NUMBER_SQL, [hall.office.pk, hall.queue_a.pk, "2026-03-02"])

    assert "unit_id=? AND queue_id=? AND service_day=?" in plan
