"""The deadline sweep (电子监察 红黄牌): yellow at 90 % of a limit or one working day left,
red once exceeded, each once per case, limit and level; sent to the handling clerk, the
owner and the head on duty of the day; counted per unit; one ledger entry per card."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from servicehall.ledger.choices import Channel
from servicehall.ledger.models import LedgerEntry
from servicehall.org.models import DutyAssignment

from .. import actions
from ..choices import CardLevel, CardScope
from ..deadlines import cards_per_unit
from ..models import DeadlineCard
from ..sweep import sweep
from .factories import accept, in_correction, local, reviewed_twice


def _cards(case=None) -> list[tuple[str, str]]:
    rows = DeadlineCard.objects.order_by("pk")
    if case is not None:
        rows = rows.filter(case=case)
    return [(card.stage, card.level) for card in rows]


@pytest.fixture
def case(desk):
    """Accepted Monday 2 March 10:00. First review: yellow at the close of Thursday 5
    March, due Friday 6. The case: yellow at the close of Friday 13, due Monday 16."""
    return accept(desk)


def test_nothing_before_the_yellow_moment(desk, case, clock):
    clock.move_to(local(dt.date(2026, 3, 5), 16, 59))
    assert sweep() == []
    assert not DeadlineCard.objects.exists()


def test_a_stage_yellow_card_at_its_moment_sent_to_clerk_owner_and_head(desk, case, clock):
    day = dt.date(2026, 3, 5)
    DutyAssignment.objects.create(unit=desk.world.office, date=day, staff=desk.head,
                                  head_on_duty=True)  # fmt: skip
    clock.move_to(local(day, 17))
    (issued,) = sweep()
    card = issued.card
    assert (card.stage, card.level) == (CardScope.FIRST_REVIEW, CardLevel.YELLOW)
    assert (card.case, card.unit, card.issued_at) == (case, desk.world.office, local(day, 17))
    assert card.due_at == local(dt.date(2026, 3, 6), 17)
    assert (card.clerk, card.owner, card.head) == (desk.clerk, desk.clerk, desk.head)
    entry = LedgerEntry.objects.get(subject_type="cases.deadlinecard", subject_id=str(card.pk))
    assert entry.event_type == "cases.deadline_card" and entry.channel == Channel.SYSTEM
    assert json.loads(entry.payload)["state"] == actions.card_state(card)


def test_each_card_is_issued_once_however_often_the_sweep_runs(desk, case, clock):
    clock.move_to(local(dt.date(2026, 3, 5), 17))
    assert len(sweep()) == 1
    clock.move_to(local(dt.date(2026, 3, 5), 17, 1))
    entries = LedgerEntry.objects.count()
    assert sweep() == [] and sweep() == []
    assert LedgerEntry.objects.count() == entries
    assert _cards() == [("first_review", "yellow")]


def test_a_red_card_once_the_stage_limit_is_exceeded(desk, case, clock):
    clock.move_to(local(dt.date(2026, 3, 5), 17))
    sweep()
    clock.move_to(local(dt.date(2026, 3, 6), 17))
    assert sweep() == []  # the limit ends at closing time: not exceeded yet
    clock.move_to(local(dt.date(2026, 3, 6), 17) + dt.timedelta(seconds=1))
    (issued,) = sweep()
    assert (issued.card.stage, issued.card.level) == ("first_review", "red")


def test_a_limit_found_exceeded_gets_its_red_card_only(desk, case, clock):
    clock.move_to(local(dt.date(2026, 3, 9), 9))
    sweep()
    assert _cards() == [("first_review", "red")]


def test_the_case_limit_yellow_and_red(desk, clock):
    case = reviewed_twice(desk)  # waiting for completion, whose limit is the case's
    clock.move_to(local(dt.date(2026, 3, 13), 17))
    sweep()
    assert _cards(case) == [("case", "yellow")]
    clock.move_to(local(dt.date(2026, 3, 17), 9))
    sweep()
    assert _cards(case) == [("case", "yellow"), ("case", "red")]
    card = DeadlineCard.objects.get(case=case, level="red")
    assert card.clerk == desk.checker and card.owner == desk.clerk and card.head is None


def test_each_review_stage_has_its_own_cards(desk, case, clock):
    clock.move_to(local(dt.date(2026, 3, 9), 9))
    sweep()  # first review late: red
    case = actions.first_review(desk.reviewer, case)
    # Second review's share runs to day 7 (Wednesday 11); yellow at the close of day 6.
    clock.move_to(local(dt.date(2026, 3, 10), 17))
    sweep()
    assert _cards(case) == [("first_review", "red"), ("second_review", "yellow")]


def test_no_card_while_the_client_corrects_materials(desk, clock):
    in_correction(desk)
    stopped = actions.first_review(
        desk.reviewer, accept(desk, 2), passed=False, note="银行卡不清晰",
        missing=desk.materials()[2:], return_place="一楼",
    )  # fmt: skip
    clock.move_to(local(dt.date(2026, 4, 30), 9))
    assert sweep() == []
    # Back on 30 April: the clock runs again, every deadline moved by the days it stood.
    stopped = actions.resume(desk.clerk, stopped, received=desk.materials()[2:])
    assert stopped.due_at > local(dt.date(2026, 4, 30), 17)
    assert sweep() == []


def test_a_completed_case_gets_no_card(desk, clock):
    actions.complete(desk.reviewer, reviewed_twice(desk), approved=True)
    clock.move_to(local(dt.date(2026, 4, 1), 9))
    assert sweep() == []


def test_cards_are_counted_per_unit(desk, clock):
    accept(desk, 1)
    accept(desk, 2)
    clock.move_to(local(dt.date(2026, 3, 5), 17))
    sweep()
    clock.move_to(local(dt.date(2026, 3, 9), 9))
    sweep()
    office = desk.world.office.pk
    counts = cards_per_unit(local(dt.date(2026, 3, 1), 0), local(dt.date(2026, 4, 1), 0))
    assert counts == {office: {"yellow": 2, "red": 2}}
    assert cards_per_unit(local(dt.date(2026, 3, 6), 0), local(dt.date(2026, 4, 1), 0)) == {
        office: {"yellow": 0, "red": 2}
    }
    assert cards_per_unit(
        local(dt.date(2026, 3, 1), 0), local(dt.date(2026, 4, 1), 0),
        units=[desk.world.other_office],
    ) == {}  # fmt: skip


def test_the_command_runs_one_pass_and_reports(desk, case, clock):
    clock.move_to(local(dt.date(2026, 3, 9), 9))
    out = StringIO()
    call_command("case_sweep", stdout=out)
    text = out.getvalue()
    assert f"red card, first_review: case {case.number}" in text
    assert f"unit {desk.world.office.pk}: 1 red" in text
    assert "1 card(s) issued" in text


def test_the_command_refuses_a_bad_interval():
    with pytest.raises(CommandError):
        call_command("case_sweep", "--every", "0")


def test_overdue_and_due_soon_are_queries_on_the_deadline_columns(desk, case, clock):
    from ..models import Case

    at = local(dt.date(2026, 3, 14), 9)
    assert list(Case.objects.due_soon(at)) == [case]
    assert list(Case.objects.stage_overdue(at)) == [case]
    assert not Case.objects.overdue(at).exists()
    assert list(Case.objects.overdue(local(dt.date(2026, 3, 17), 9))) == [case]


# --- applications made online (不积压, N-5.4) ----------------------------------------------


def test_an_online_application_nobody_took_in_its_day_gets_a_red_card_for_the_head(desk, clock):
    """Submitted Monday 2 March 10:00, to be taken by the close of Tuesday 3 March."""
    from .factories import submitted

    case = submitted(desk)
    tuesday, wednesday = dt.date(2026, 3, 3), dt.date(2026, 3, 4)
    DutyAssignment.objects.create(unit=desk.world.office, date=wednesday, staff=desk.head,
                                  head_on_duty=True)  # fmt: skip
    clock.move_to(local(tuesday, 16, 59))
    assert sweep() == []

    clock.move_to(local(wednesday, 8, 30))
    (issued,) = sweep()

    card = issued.card
    assert (card.stage, card.level) == (CardScope.ACCEPTANCE, CardLevel.RED)
    assert card.due_at == case.accept_due_at == local(tuesday, 17)
    assert (card.clerk, card.owner, card.head) == (None, None, desk.head)
    with translation.override("zh-hans"):
        assert str(card.get_stage_display()) == "网上申请受理时限"
    entry = LedgerEntry.objects.get(subject_type="cases.deadlinecard", subject_id=str(card.pk))
    assert json.loads(entry.payload)["state"] == actions.card_state(card)
    assert sweep() == []  # once
    assert _cards(case) == [("acceptance", "red")]


def test_an_online_application_taken_in_time_gets_no_card(desk, clock):
    from .factories import submitted

    case = submitted(desk)
    clock.move_to(local(dt.date(2026, 3, 3), 9))
    actions.accept(desk.clerk, case=case, received=desk.materials())
    clock.move_to(local(dt.date(2026, 3, 4), 9))

    assert [row.card.stage for row in sweep()] == []
    assert not DeadlineCard.objects.filter(case=case).exists()


def test_a_late_application_taken_afterwards_keeps_its_card_and_gets_the_cases_own(desk, clock):
    from .factories import submitted

    case = submitted(desk)
    clock.move_to(local(dt.date(2026, 3, 4), 9))
    assert [row.card.stage for row in sweep()] == [CardScope.ACCEPTANCE]
    actions.accept(desk.clerk, case=case, received=desk.materials())
    clock.move_to(local(dt.date(2026, 3, 4), 10))

    assert sweep() == []
    assert _cards(case) == [("acceptance", "red")]
