"""monthly_figures: the published evaluation figures per unit and month (N-2.5), in one
query; set-aside ratings excluded; good share arithmetic (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from servicehall.feedback import actions
from servicehall.feedback.stats import good_share, month_bounds, monthly_figures

from .factories import finished_visit, local, rate_visit

pytestmark = pytest.mark.usefixtures("english")


@given(good=st.integers(0, 10_000), bad=st.integers(0, 10_000))
def test_the_good_share_is_a_percentage_to_one_decimal(good, bad):
    share = good_share(good, good + bad)
    if good + bad == 0:
        assert share is None
        return
    assert Decimal(0) <= share <= Decimal(100)
    assert share.as_tuple().exponent == -1
    assert abs(share - Decimal(good) * 100 / (good + bad)) <= Decimal("0.05")
    if bad == 0:
        assert share == 100
    if good == 0:
        assert share == 0


def test_months_are_counted_in_shanghai_time():
    start, end = month_bounds(2026, 12)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-12-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00",
    )  # fmt: skip


def test_the_figures_of_a_month(world, clock):
    for level in (5, 4, 3):
        rate_visit(finished_visit(world), level, reasons=())
    bad = [rate_visit(finished_visit(world), 2) for _n in range(2)]
    set_aside = rate_visit(finished_visit(world), 1).rectification
    actions.record_contact(world.clerk, set_aside, note="联系")
    actions.appeal(world.clerk, set_aside, reason="误评")
    actions.decide_appeal(world.supervisor, set_aside, upheld=True, note="误评属实")
    fixed = bad[0].rectification
    actions.record_contact(world.clerk, fixed, note="联系")
    actions.classify(world.clerk, fixed, classification="fixed", findings="属实")
    actions.record_measures(world.clerk, fixed, measures="致歉")
    actions.record_follow_up(world.clerk, fixed, satisfied=True, note="满意")
    clock.move_to(local(dt.date(2026, 4, 1), 10))
    rate_visit(finished_visit(world), 1)  # April: not in March

    with CaptureQueriesContext(connection) as queries:
        figures = monthly_figures([world.office.pk], 2026, 3)

    assert len(queries) == 1
    assert figures == {
        "ratings": 5, "good": 3, "bad": 2, "bad_rectified": 1, "good_share": Decimal("60.0"),
    }  # fmt: skip
    assert monthly_figures([world.other_office.pk], 2026, 3)["ratings"] == 0
    assert monthly_figures([world.office.pk], 2026, 4)["bad"] == 1
    assert monthly_figures([world.office.pk], 2026, 5)["good_share"] is None
