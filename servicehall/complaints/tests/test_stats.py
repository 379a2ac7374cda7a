"""The month's published complaint figures (公开): received, closed (archived), and those
received in the month, still open and overdue; counted in one query."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ..stats import monthly_figures
from . import factories as f

pytestmark = pytest.mark.django_db


def test_monthly_figures_count_received_closed_and_overdue(world, django_assert_num_queries):
    with time_machine.travel(f.local(dt.date(2026, 2, 27), 10), tick=False):  # Friday
        f.online(world)  # February: received, never handled
        late = f.replied(world)  # February: archived in March
    with time_machine.travel(f.local(dt.date(2026, 3, 2), 10), tick=False):
        from .. import actions

        actions.archive(world.head, late)
        f.online(world)  # March, due 3 March
        f.online(world, unit=world.other_office, staff_no="")  # another unit
    with time_machine.travel(f.local(dt.date(2026, 3, 31), 10), tick=False):
        with django_assert_num_queries(1):
            march = monthly_figures([world.office.pk], 2026, 3)
        february = monthly_figures([world.office.pk], 2026, 2)
        both = monthly_figures([world.office.pk, world.other_office.pk], 2026, 3)
    assert march == {"received": 1, "closed": 1, "overdue_open": 1}
    assert february == {"received": 2, "closed": 0, "overdue_open": 1}
    assert both == {"received": 2, "closed": 1, "overdue_open": 2}


def test_month_bounds_are_local_time(world):
    # 23:30 on 31 March in Shanghai is still March, although it is 15:30 UTC.
    with time_machine.travel(f.local(dt.date(2026, 3, 31), 23, 30), tick=False):
        f.online(world)
    assert monthly_figures([world.office.pk], 2026, 3)["received"] == 1
    assert monthly_figures([world.office.pk], 2026, 4)["received"] == 0
    assert monthly_figures([world.office.pk], 2026, 12) == {
        "received": 0, "closed": 0, "overdue_open": 0,
    }  # fmt: skip
