"""Fixtures of the hall tests: queues A and B served by three windows of the office, a
fixed clock on a working-day morning in Shanghai, and a check that a refusal changed nothing.

Window 1 serves queue A; window 2 serves B first, then A; window 3 serves A. The office
opens at 09:00; the clock starts at 08:30, so windows opened by the fixture are on time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import translation

from servicehall.catalogue.choices import ClientType
from servicehall.org.choices import Role
from servicehall.org.models import Unit, User, Window
from servicehall.testing import World, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 3, 2)  # a Monday, a working day


def at(hour: int, minute: int = 0, second: int = 0, *, day: dt.date = DAY) -> dt.datetime:
    """A moment of the service day, Shanghai time."""
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=SHANGHAI)


@dataclass
class Hall:
    """The office's hall: two queues, three windows, and a clerk for each window."""

    world: World
    office: Unit
    queue_a: object
    queue_b: object
    w1: Window
    w2: Window
    w3: Window
    clerk1: User
    clerk2: User
    clerk3: User

    def open(self, window: Window, clerk: User):
        from servicehall.queueing.actions import open_window

        return open_window(clerk, window, systems_checked=True, vouchers_ready=True, at_post=True)

    def open_all(self) -> None:
        self.open(self.w1, self.clerk1)
        self.open(self.w2, self.clerk2)
        self.open(self.w3, self.clerk3)

    def issue(self, queue=None, *, channel: str = "kiosk", green_reason: str = "", actor=None):
        from servicehall.queueing.actions import issue_ticket

        if green_reason and actor is None:
            actor = self.world.head  # the green channel is granted by staff
        return issue_ticket(
            queue=queue or self.queue_a, channel=channel, client_type=ClientType.RESIDENT,
            green_reason=green_reason, actor=actor,
        )  # fmt: skip


def make_hall(world: World) -> Hall:
    from servicehall.queueing.models import HallSettings, Queue, WindowQueue

    office = world.office
    HallSettings.objects.create(
        unit=office, recalls_before_no_show=2, long_wait_minutes=30, unattended_minutes=15
    )
    queue_a = Queue.objects.create(unit=office, prefix="A", name="综合业务")
    queue_b = Queue.objects.create(unit=office, prefix="B", name="社会保障卡")
    w1 = Window.objects.get(unit=office, number=1)
    w2 = Window.objects.create(unit=office, number=2, name="社会保障卡")
    w3 = Window.objects.create(unit=office, number=3, name="综合受理")
    WindowQueue.objects.create(window=w1, queue=queue_a, preference=1)
    WindowQueue.objects.create(window=w2, queue=queue_b, preference=1)
    WindowQueue.objects.create(window=w2, queue=queue_a, preference=2)
    WindowQueue.objects.create(window=w3, queue=queue_a, preference=1)
    clerk3 = User.objects.filter(username="qian").first() or make_user(
        "qian", Role.CLERK, office, "A003"
    )
    return Hall(
        world=world, office=office, queue_a=queue_a, queue_b=queue_b, w1=w1, w2=w2, w3=w3,
        clerk1=world.clerk, clerk2=world.reviewer, clerk3=clerk3,
    )  # fmt: skip


@pytest.fixture
def english():
    """Messages are compared with their English msgids, whatever the translations say."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed with a fast hasher: Argon2 costs ~0.1 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """A frozen clock at 08:30 on the service day; ``clock.shift(...)`` moves it."""
    with time_machine.travel(at(8, 30), tick=False) as traveller:
        yield traveller


@pytest.fixture
def hall(world, clock, english) -> Hall:
    return make_hall(world)


def snapshot() -> dict[str, list]:
    """Every row an action of the hall may write, with all its values."""
    from servicehall.ledger.models import LedgerEntry, LedgerHead
    from servicehall.queueing.models import (
        HallEvent,
        OpeningCheck,
        Ticket,
        TicketCounter,
        WindowState,
    )
    from servicehall.supervision.models import Detection

    models = [
        Ticket, TicketCounter, WindowState, OpeningCheck, HallEvent, Detection, LedgerEntry,
        LedgerHead,
    ]  # fmt: skip
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@pytest.fixture
def refused():
    """``with refused(match=...): action(...)``: the action raises and changes nothing."""

    @contextmanager
    def check(exception=None, *, match: str | None = None):
        from servicehall.queueing.actions import HallError

        before = snapshot()
        with pytest.raises(exception or (HallError, PermissionDenied), match=match):
            yield
        assert snapshot() == before

    return check


@dataclass
class Written:
    """The ledger entries and hall events written inside a ``written()`` block."""

    entries: list
    events: list

    def payload(self, index: int = 0) -> dict:
        return json.loads(self.entries[index].payload)


@contextmanager
def written() -> Iterator[Written]:
    from servicehall.ledger.models import LedgerEntry
    from servicehall.queueing.models import HallEvent

    last_entry = LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_event = HallEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result = Written([], [])
    yield result
    result.entries.extend(LedgerEntry.objects.filter(pk__gt=last_entry).order_by("pk"))
    result.events.extend(HallEvent.objects.filter(pk__gt=last_event).order_by("pk"))
