"""Waiting-time estimates from recent service times and the windows open (N-2.4)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from .choices import TicketStatus, WindowStatus
from .models import Ticket, WindowQueue, WindowState

RECENT = 20
DEFAULT_SERVICE_MINUTES = 8


def average_service_minutes(queue_id: int) -> float:
    """Mean minutes from call to finish over the queue's last finished tickets."""
    rows = list(
        Ticket.objects.filter(
            queue_id=queue_id,
            status=TicketStatus.DONE,
            called_at__isnull=False,
            finished_at__isnull=False,
        )  # fmt: skip
        .order_by("-finished_at")
        .values_list("called_at", "finished_at")[:RECENT]
    )
    if not rows:
        return DEFAULT_SERVICE_MINUTES
    total = sum(((end - start) for start, end in rows), dt.timedelta())
    return max(1.0, total.total_seconds() / 60 / len(rows))


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
    return round((ahead + 1) * average_service_minutes(ticket.queue_id) / windows)
