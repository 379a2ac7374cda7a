"""Time limits in working days (N-5.6d, invariant 8): the official calendar with 调休,
the green channel, the stages' shares, the yellow-card moment, and provisional years."""

from __future__ import annotations

import datetime as dt

import pytest

from servicehall.org.choices import CalendarDayKind
from servicehall.org.models import CalendarDay

from .. import actions
from ..choices import Stage
from ..deadlines import case_limit, path_of, stage_share, yellow_offset
from .factories import accept, local, person


@pytest.mark.parametrize(
    ("days", "offset"),
    # 90 % passed, or one working day left, whichever comes first.
    [(0, 0), (1, 0), (2, 1), (3, 2), (5, 4), (10, 9), (11, 10), (20, 18), (30, 27), (60, 54)],
)
def test_the_yellow_card_comes_at_90_percent_or_one_day_left(days, offset):
    assert yellow_offset(days) == offset


def test_the_limit_is_shared_evenly_and_cumulatively_over_the_stages():
    path = [Stage.FIRST_REVIEW, Stage.SECOND_REVIEW, Stage.COMPLETION]
    assert [stage_share(path, 10, stage) for stage in path] == [(0, 4), (4, 7), (7, 10)]
    assert [stage_share(path, 1, stage) for stage in path] == [(0, 1), (1, 1), (1, 1)]
    assert [stage_share(path, 20, stage) for stage in path] == [(0, 7), (7, 14), (14, 20)]


def test_the_green_channel_halves_the_limit_but_leaves_a_day(desk):
    assert case_limit(desk.benefit) == 10
    assert case_limit(desk.benefit, "elderly") == 5
    assert case_limit(desk.card, "elderly") == 0  # completed on the spot anyway
    desk.benefit.promised_limit_days = 1  # (not saved: the limit is read from the version)
    assert case_limit(desk.benefit, "disabled") == 1
    desk.benefit.promised_limit_days = 3
    assert case_limit(desk.benefit, "disabled") == 1


def test_the_path_follows_the_catalogue(desk):
    assert path_of(desk.benefit) == ["first_review", "second_review", "completion"]
    assert path_of(desk.card) == ["completion"]


def test_a_case_gets_each_stage_deadline_and_yellow_moment(desk):
    case = accept(desk)  # Monday 2 March 2026, 10:00
    assert case.due_at == local(dt.date(2026, 3, 16), 17)
    assert case.yellow_at == local(dt.date(2026, 3, 13), 17)  # day 9 of 10 closes
    assert case.stage_due_at == local(dt.date(2026, 3, 6), 17)  # day 4
    assert case.stage_yellow_at == local(dt.date(2026, 3, 5), 17)  # day 3 of 4


def test_a_case_received_after_closing_counts_from_the_next_day(desk, clock):
    clock.move_to(local(dt.date(2026, 3, 2), 17, 30))
    case = accept(desk)
    # Received on Tuesday: day 1 is Wednesday, day 10 Tuesday 17 March.
    assert case.due_at == local(dt.date(2026, 3, 17), 17)


def test_deadlines_skip_the_national_day_holiday_and_count_its_working_saturday(desk, clock):
    clock.move_to(local(dt.date(2026, 9, 30), 10))  # Wednesday before the holiday
    case = accept(desk)
    # 1-7 October off; 8 (1), 9 (2), Saturday 10 worked (3), 12 (4), ... 20 October (10).
    assert case.due_at == local(dt.date(2026, 10, 20), 17)
    assert case.stage_due_at == local(dt.date(2026, 10, 12), 17)  # day 4
    assert case.yellow_at == local(dt.date(2026, 10, 19), 17)
    assert not case.deadline_provisional


def test_the_green_channel_across_the_national_day(desk, clock):
    clock.move_to(local(dt.date(2026, 9, 30), 10))
    case = accept(desk, green_reason="far_away")
    assert case.limit_days == 5
    assert case.due_at == local(dt.date(2026, 10, 13), 17)


def test_deadlines_skip_the_spring_festival_and_count_its_working_saturdays(desk, clock):
    clock.move_to(local(dt.date(2026, 2, 13), 10))  # Friday
    case = accept(desk)
    # Saturday 14 (1) worked; 15-23 off; 24 (2), 25, 26, 27 (5), Saturday 28 worked (6),
    # 2 March (7), 3, 4, 5 March (10).
    assert case.due_at == local(dt.date(2026, 3, 5), 17)
    assert case.stage_due_at == local(dt.date(2026, 2, 26), 17)  # day 4


def test_a_deadline_in_2027_is_provisional_until_its_holidays_are_entered(desk, clock):
    clock.move_to(local(dt.date(2026, 12, 24), 10))  # Thursday
    case = accept(desk)
    # 25, 28, 29, 30, 31 December; then 2027 by weekends only: Friday 1 January (6),
    # 4, 5, 6, 7 January (10).
    assert case.due_at == local(dt.date(2027, 1, 7), 17)
    assert case.deadline_provisional and case.provisional_years == [2027]
    assert "provisional calendar for 2027" in case.deadline_warning
    assert actions.case_state(case)["due_at"] == "2027-01-07T09:00:00.000000Z"


def test_once_2027_is_entered_new_deadlines_are_firm_and_skip_new_year(desk, clock):
    CalendarDay.objects.create(
        date=dt.date(2027, 1, 1), kind=CalendarDayKind.OFFICIAL, is_working_day=False,
        note="元旦",
    )  # fmt: skip
    clock.move_to(local(dt.date(2026, 12, 24), 10))
    case = accept(desk)
    assert case.due_at == local(dt.date(2027, 1, 8), 17)
    assert not case.deadline_provisional and case.deadline_warning == ""


def test_a_case_within_2026_is_firm_even_in_december(desk, clock):
    clock.move_to(local(dt.date(2026, 12, 1), 10))
    assert not accept(desk).deadline_provisional


def test_a_unit_closure_moves_the_deadline(desk):
    CalendarDay.objects.create(
        date=dt.date(2026, 3, 10), unit=desk.world.office, kind=CalendarDayKind.UNIT_CLOSURE,
        is_working_day=False, note="系统升级停办",
    )  # fmt: skip
    assert accept(desk).due_at == local(dt.date(2026, 3, 17), 17)


def test_an_item_completed_on_the_spot_is_due_the_same_day(desk):
    case = actions.accept(
        desk.clerk, version=desk.card, applicant=person(), channel="onsite",
        received=desk.materials(desk.card),
    )  # fmt: skip
    assert case.due_at == case.yellow_at == local(dt.date(2026, 3, 2), 17)
