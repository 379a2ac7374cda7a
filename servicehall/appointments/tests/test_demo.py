"""Demo slots: on working days only, within opening hours, and loading twice adds nothing."""

from __future__ import annotations

import datetime as dt

from servicehall.appointments.demo import DEMO_CAPACITY, load_demo_slots
from servicehall.appointments.models import Slot
from servicehall.catalogue.models import Category
from servicehall.catalogue.tests.conftest import make_item

from .factories import DAY


def test_demo_slots_cover_the_next_working_days_once(world, clock):
    category = Category.objects.create(code="DEMO", name="演示", order=1)
    make_item(world.office, world.unit_admin, "SSC-APPLY", "社会保障卡申领", category)
    make_item(world.office, world.unit_admin, "UNEMP-BENEFIT", "失业保险金申领", category)
    office = world.office  # open 09:00-17:00
    assert load_demo_slots(office, days=5) == 5 * 2 * 4
    assert load_demo_slots(office, days=5) == 0
    days = sorted(set(Slot.objects.values_list("day", flat=True)))
    # DAY is a Monday: Monday to Friday of that week.
    assert days == [DAY + dt.timedelta(days=n) for n in range(5)]
    assert set(Slot.objects.values_list("capacity", flat=True)) == {DEMO_CAPACITY}
    assert all(office.opening_time <= s.start and s.end <= office.closing_time
               for s in Slot.objects.all())  # fmt: skip
