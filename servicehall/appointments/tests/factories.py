"""Builders shared by the appointment tests and their action scenarios."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from servicehall.catalogue.models import Category, ServiceItem
from servicehall.lib.idnumbers import check_character
from servicehall.org.models import Unit
from servicehall.queueing.models import Queue
from servicehall.testing import World

from ..models import Appointment, Slot

MOBILE = "13812345678"
DAY = dt.date(2026, 3, 2)  # a Monday, a working day


def valid_id(seq: int, *, birth: str = "19800101", region: str = "110105") -> str:
    """A well-formed ID number (right check character) for test person ``seq``."""
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + check_character(first17)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def make_items(world: World) -> dict[str, ServiceItem]:
    """Two published items: the benefit (served by queue C) and the card (by no queue)."""
    from servicehall.catalogue.tests.conftest import make_item

    unemp = Category.objects.create(code="APPT-U", name="失业保险", order=1)
    ssc = Category.objects.create(code="APPT-S", name="社会保障卡", order=2)
    benefit = make_item(world.office, world.unit_admin, "UNEMP-BENEFIT", "失业保险金申领", unemp)
    card = make_item(
        world.office, world.unit_admin, "SSC-REPLACE", "社会保障卡挂失与补换", ssc,
        client_types=["resident", "retiree"],
    )  # fmt: skip
    return {"benefit": benefit.item, "card": card.item}


def make_queues(office: Unit, items: dict[str, ServiceItem]) -> dict[str, Queue]:
    queue_a = Queue.objects.create(unit=office, prefix="A", name="综合业务")
    queue_c = Queue.objects.create(unit=office, prefix="C", name="就业与失业保险")
    queue_c.items.set([items["benefit"]])
    return {"A": queue_a, "C": queue_c}


def make_slot(unit: Unit, item: ServiceItem, start: dt.datetime, *, minutes=60, capacity=6):
    start = timezone.localtime(start, timezone.get_default_timezone())
    end = start + dt.timedelta(minutes=minutes)
    if end.date() != start.date():
        end = start.replace(hour=23, minute=59, second=59, microsecond=0)
    return Slot.objects.create(
        unit=unit, item=item, day=start.date(), start=start.time(), end=end.time(),
        capacity=capacity,
    )  # fmt: skip


@dataclass
class Hall:
    world: World
    items: dict[str, ServiceItem]
    queues: dict[str, Queue]
    morning: Slot  # benefit, 09:00-10:00, 6 places
    small: Slot  # benefit, 10:00-11:00, 2 places
    card: Slot  # card, 09:00-10:00, 6 places (no queue lists the card: queue A takes it)


def make_hall(world: World, day: dt.date = DAY) -> Hall:
    items = make_items(world)
    queues = make_queues(world.office, items)
    office = world.office
    return Hall(
        world=world,
        items=items,
        queues=queues,
        morning=make_slot(office, items["benefit"], local(day, 9)),
        small=make_slot(office, items["benefit"], local(day, 10), capacity=2),
        card=make_slot(office, items["card"], local(day, 9)),
    )


def book(slot: Slot, seq: int = 1, **overrides) -> Appointment:
    from ..actions import book as book_action

    data = {
        "client_name": "张三",
        "client_type": "unemployed" if slot.item.code == "UNEMP-BENEFIT" else "resident",
        "id_number": valid_id(seq),
        "mobile": MOBILE,
    } | overrides
    return book_action(slot=slot, **data)
