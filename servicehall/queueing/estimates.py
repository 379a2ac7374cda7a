"""Waiting-time estimates from recent service times and the windows open (N-2.4)."""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Q

from servicehall.lib import rows

from .choices import TicketStatus, WindowStatus
from .models import Ticket, WindowQueue, WindowState

RECENT = 20
DEFAULT_SERVICE_MINUTES = 8


# Every issued ticket's answer carries its estimate: plain SQL written once (the ORM's
# query cost ten times what it takes to run). The status is written out, not a
# parameter, so that the partial index ticket_recent_service (finished tickets only,
# latest first) serves it: the 20 rows are read, not the day's finished tickets sorted.
# The database averages the service times itself: returned, the 40 times were each
# turned into a datetime by Python (on SQLite from text), a few per cent of an issue.
_RECENT = (
    "SELECT called_at, finished_at FROM queueing_ticket "  # noqa: S608 - the status is a constant
    f"WHERE queue_id = %s AND status = '{TicketStatus.DONE.value}' "
    "AND called_at IS NOT NULL AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT %s"
)
# Seconds from call to finish: SQLite counts in days (julianday, a double, exact to well
# under a millisecond at today's dates), rounded here to the millisecond.
_SECONDS = {
    "sqlite": "ROUND((julianday(finished_at) - julianday(called_at)) * 86400.0, 3)",
    "postgresql": "EXTRACT(EPOCH FROM finished_at - called_at)",
}


@functools.cache
def _recent_sql(vendor: str) -> str:
    return f"SELECT AVG({_SECONDS[vendor]}), COUNT(*) FROM ({_RECENT}) recent"  # noqa: S608


def average_service_minutes(queue_id: int) -> float:
    """Mean minutes from call to finish over the queue's last finished tickets."""
    return _service_minutes(*rows.fetchone(_recent_sql(connection.vendor), [queue_id, RECENT]))


def _service_minutes(seconds, count: int) -> float:
    if not count:
        return DEFAULT_SERVICE_MINUTES
    return max(1.0, float(seconds) / 60)


def ahead_of(ticket: Ticket) -> int:
    """Waiting tickets of the same queue that will be called first."""
    earlier = Q(priority__lt=ticket.priority) | Q(
        priority=ticket.priority, issued_at__lt=ticket.issued_at
    )
    return (
        Ticket.objects.filter(
            queue_id=ticket.queue_id,
            service_day=ticket.service_day,
            status=TicketStatus.WAITING,
            target_window__isnull=True,
        )  # fmt: skip
        .filter(earlier)
        .count()
    )


# What a waiting ticket's estimate needs, :func:`ahead_of` and :func:`open_windows`, in
# one query: the API answers every issued ticket with its estimate. The clients ahead are
# the queue's line (its waiting count, kept in the ticket counter, less the tickets sent
# to a window) less those not ahead: counted from the ticket's place to the end of the
# line on the index ticket_waiting, so a ticket just issued costs one step, not one per
# client ahead of it (about 1 µs each on SQLite).
#
# The open windows are counted without DISTINCT: a window serves a queue once
# (window_queue_unique) and has one state, and DISTINCT made SQLite build a temporary
# table on every issue.
#
# The statuses are written out, not bound. Where a partial index could serve a query if
# a bound value matched its condition (ticket_recent_service: status = 'done'), SQLite
# checks the value when it plans, and so prepares the statement again each time a new
# value is bound: bound, this query took 68 µs on SQLite, three times what it takes to run.
_WAITING = TicketStatus.WAITING.value
_AHEAD_AND_WINDOWS = (
    "COALESCE((SELECT waiting FROM queueing_ticketcounter WHERE unit_id = %s "  # noqa: S608
    "AND queue_id = %s AND service_day = %s), 0) "
    "- (SELECT COUNT(*) FROM queueing_ticket WHERE queue_id = %s AND service_day = %s "
    f"AND status = '{_WAITING}' AND target_window_id IS NOT NULL) "
    "- (SELECT COUNT(*) FROM queueing_ticket WHERE queue_id = %s AND service_day = %s "
    f"AND status = '{_WAITING}' AND target_window_id IS NULL "
    "AND (priority, issued_at) >= (%s, %s)), "
    "(SELECT COUNT(*) FROM queueing_windowstate s "
    "JOIN queueing_windowqueue wq ON wq.window_id = s.window_id "
    f"WHERE wq.queue_id = %s AND s.status = '{WindowStatus.OPEN.value}')"
)


def _ahead_and_windows_params(ticket: Ticket, ops) -> list:
    day = ops.adapt_datefield_value(ticket.service_day)
    line = [ticket.queue_id, day]
    return [
        ticket.unit_id, ticket.queue_id, day, *line, *line, ticket.priority,
        ops.adapt_datetimefield_value(ticket.issued_at), ticket.queue_id,
    ]  # fmt: skip


@functools.cache
def _ahead_and_wait_sql(vendor: str) -> str:
    # The counts beside the recent service's aggregates: as two subqueries joined, SQLite
    # built a temporary table for each.
    return (
        f"SELECT {_AHEAD_AND_WINDOWS}, AVG({_SECONDS[vendor]}), COUNT(*) "  # noqa: S608
        f"FROM ({_RECENT}) recent"
    )


def ahead_and_wait(ticket: Ticket) -> tuple[int, int | None]:
    """:func:`ahead_of` a waiting ticket and its :func:`estimated_wait_minutes`, in one
    query: every issued ticket's answer carries both (with the open windows and the recent
    service times, read apart, an issue ran a statement more)."""
    conn = rows.connection()
    ahead, windows, seconds, count = rows.fetchone(
        _ahead_and_wait_sql(conn.vendor),
        [*_ahead_and_windows_params(ticket, conn.ops), ticket.queue_id, RECENT],
        conn,
    )
    if windows == 0:
        return ahead, None
    return ahead, wait_minutes(ahead, _service_minutes(seconds, count), windows)


def wait_minutes(ahead: int, service_minutes: float, windows: int) -> int:
    """The clients ahead and this one, served by the open windows at the recent pace; at
    least a minute, so that a client who is waiting is never told "0 minutes". The one
    formula of the ticket, the kiosk's queue list and the hall display."""
    return max(1, round((ahead + 1) * service_minutes / windows))


def queue_wait_minutes(queue_id: int, waiting: int) -> int | None:
    """The wait of a ticket taken now in a queue where ``waiting`` clients wait; None when
    no window serving it is open."""
    windows = open_windows(queue_id)
    if windows == 0:
        return None
    return wait_minutes(waiting, average_service_minutes(queue_id), windows)


def open_windows(queue_id: int) -> int:
    window_ids = WindowQueue.objects.filter(queue_id=queue_id).values_list("window_id", flat=True)
    return WindowState.objects.filter(window_id__in=window_ids, status=WindowStatus.OPEN).count()


def estimated_wait_minutes(ticket: Ticket, ahead: int | None = None) -> int | None:
    """Minutes until the ticket is called; None when no window serving its queue is open.

    ``ahead`` is the count of :func:`ahead_of` when the caller has it already.
    """
    if ticket.status != TicketStatus.WAITING:
        return 0
    windows = open_windows(ticket.queue_id)
    if windows == 0:
        return None
    if ahead is None:
        ahead = ahead_of(ticket)
    return wait_minutes(ahead, average_service_minutes(ticket.queue_id), windows)
