"""Visits, ratings and rectifications for the feedback tests, made through the actions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from servicehall.org.models import Window
from servicehall.testing import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 3, 2)  # a Monday, a working day


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def window1(world: World) -> Window:
    return Window.objects.get(unit=world.office, number=1)


def finished_visit(world: World, *, clerk=None, finish: bool = True):
    """A ticket of queue A served at window 1 by ``clerk`` (the counter clerk, wang)."""
    from servicehall.queueing import actions as hall
    from servicehall.queueing.models import Queue, WindowQueue, WindowState

    clerk = clerk or world.clerk
    window = window1(world)
    queue, _created = Queue.objects.get_or_create(
        unit=world.office, prefix="A", defaults={"name": "综合业务"}
    )
    WindowQueue.objects.get_or_create(window=window, queue=queue)
    state = WindowState.objects.filter(window=window).first()
    if state is None or state.status == "closed":
        hall.open_window(clerk, window, systems_checked=True, vouchers_ready=True, at_post=True)
    hall.issue_ticket(queue=queue, channel="kiosk", client_type="resident")
    ticket = hall.call_next(clerk, window)
    if finish:
        hall.start_service(clerk, window)
        ticket = hall.finish_service(clerk, window)
    return ticket


def rate_visit(ticket, level: int = 2, *, reasons=("attitude",), channel="portal", **extra):
    from servicehall.feedback.actions import submit_rating
    from servicehall.feedback.subjects import rated_visit

    return submit_rating(
        None, rated_visit(ticket), channel=channel, level=level, reasons=reasons, **extra
    )


def bad_rating(world: World, **extra):
    """A visit rated 不满意 (2) through the link: its rectification is open, for wang."""
    return rate_visit(finished_visit(world), 2, **extra)


def rectification(world: World):
    return bad_rating(world).rectification
