"""The rectification of a bad rating (差评整改, N-2.5, N-6.1, N-5.6e): contact, verify and
classify or appeal (申诉复核, decided by the department above), measures, follow-up call
(回访); an unsatisfied client starts another round with a new deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.feedback import actions, stats
from servicehall.feedback.choices import RectificationStatus
from servicehall.feedback.models import Rating, Rectification
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import verify_all
from servicehall.org.calendar import calendar_for
from servicehall.org.choices import Role, UnitKind
from servicehall.org.models import Unit
from servicehall.testing import make_user

from .factories import DAY, local, rectification

pytestmark = pytest.mark.usefixtures("clock", "english")


def _feedback_problems() -> list[str]:
    problems, _summary = verify_all()
    return [f"{p.kind}: {p.detail}" for p in problems if "feedback." in p.detail]


def _events(rect) -> list[str]:
    return list(
        LedgerEntry.objects.filter(subject_type="feedback.rectification", subject_id=str(rect.pk))
        .order_by("seq")
        .values_list("event_type", flat=True)
    )


def test_the_whole_flow_with_a_rejected_appeal_and_a_second_round(world, clock):
    rect = rectification(world)
    clerk, supervisor = world.clerk, world.supervisor

    rect = actions.record_contact(clerk, rect, note="电话联系客户，客户称等候太久")
    rect = actions.appeal(clerk, rect, reason="当日系统故障，非窗口原因")
    assert rect.status == RectificationStatus.APPEALED
    rect = actions.decide_appeal(
        supervisor, rect, upheld=False, note="系统故障应提前告知，差评成立"
    )
    assert (rect.status, rect.appeal_decision, rect.classification) == ("open", "rejected", "")
    with pytest.raises(actions.FeedbackError, match="decided already"):
        actions.appeal(clerk, rect, reason="再次申诉")

    rect = actions.classify(clerk, rect, classification="needs_time", findings="告知不到位属实")
    rect = actions.record_measures(clerk, rect, measures="增加故障公告牌，当面致歉")
    assert rect.status == RectificationStatus.FOLLOW_UP
    clock.move_to(local(DAY + dt.timedelta(days=3), 10))
    rect = actions.record_follow_up(clerk, rect, satisfied=False, note="客户仍不满意，希望加快办理")

    # Round 2: a new deadline from today, the round's steps empty again.
    assert (rect.round, rect.status, rect.client_satisfied) == (2, "open", False)
    assert (rect.contacted_at, rect.classification, rect.measures) == (None, "", "")
    calendar = calendar_for(world.office)
    assert rect.due_at == calendar.deadline(local(DAY + dt.timedelta(days=3), 10), 15).closes_at
    with pytest.raises(actions.FeedbackError, match="Contact the client first"):
        actions.classify(clerk, rect, classification="fixed", findings="x")

    rect = actions.record_contact(world.head, rect, note="负责人再次联系")
    rect = actions.classify(world.head, rect, classification="fixed", findings="已加急办结")
    rect = actions.record_measures(world.head, rect, measures="当日办结并回电")
    rect = actions.record_follow_up(clerk, rect, satisfied=True, note="客户表示满意")

    row = Rectification.objects.get(pk=rect.pk)
    assert (row.status, row.round, row.client_satisfied) == ("closed", 2, True)
    assert row.closed_at is not None
    assert _events(row) == [
        "feedback.rectification_contacted", "feedback.rectification_appealed",
        "feedback.appeal_decided", "feedback.rectification_classified",
        "feedback.rectification_measures", "feedback.rectification_followed_up",
        "feedback.rectification_contacted", "feedback.rectification_classified",
        "feedback.rectification_measures", "feedback.rectification_followed_up",
    ]  # fmt: skip
    assert _feedback_problems() == []
    figures = stats.monthly_figures([world.office.pk], 2026, 3)
    assert (figures["ratings"], figures["bad"], figures["bad_rectified"]) == (1, 1, 1)


def test_an_upheld_appeal_sets_the_rating_aside_but_keeps_it(world):
    rect = rectification(world)
    actions.record_contact(world.clerk, rect, note="联系不上，短信留言")
    actions.appeal(world.clerk, rect, reason="监控显示客户未到窗口办理，系误评")

    rect = actions.decide_appeal(world.supervisor, rect, upheld=True, note="查看监控，确属误评")

    assert (rect.status, rect.appeal_decided_by) == ("set_aside", world.supervisor)
    rating = Rating.objects.get(pk=rect.rating_id)
    assert rating.status == "set_aside" and rating.set_aside_at is not None
    assert stats.monthly_figures([world.office.pk], 2026, 3)["ratings"] == 0
    assert _feedback_problems() == []  # the rating's change is in the decision's entry


def test_a_row_changed_behind_the_ledger_is_found(world):
    rect = rectification(world)
    Rectification.objects.filter(pk=rect.pk).update(status="closed")
    assert any("feedback.rectification" in problem for problem in _feedback_problems())


def test_only_the_handler_or_the_head_on_duty_works_on_it(world):
    rect = rectification(world)
    for other in (world.reviewer, world.unit_admin, world.outsider, world.supervisor):
        with pytest.raises(PermissionDenied):
            actions.record_contact(other, rect, note="x")
    assert actions.record_contact(world.head, rect, note="负责人联系").contacted_at


def test_only_a_supervisor_above_the_unit_decides_the_appeal(world):
    rect = rectification(world)
    actions.record_contact(world.clerk, rect, note="联系")
    actions.appeal(world.clerk, rect, reason="恶意")
    elsewhere = Unit.objects.create(code="P2", name="外省厅", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    foreign = make_user("qin", Role.SUPERVISOR, elsewhere)
    sibling = make_user("he", Role.SUPERVISOR, world.other_city)
    inside = make_user("ma", Role.SUPERVISOR, world.office)
    for user in (foreign, sibling, inside, world.head, world.clerk):
        with pytest.raises(PermissionDenied):
            actions.decide_appeal(user, rect, upheld=True, note="x")
    province = make_user("lu", Role.SUPERVISOR, world.province)
    assert actions.decide_appeal(province, rect, upheld=True, note="省厅复核").status == "set_aside"


def test_steps_out_of_order_are_refused(world):
    rect = rectification(world)
    with pytest.raises(actions.FeedbackError, match="Contact the client first"):
        actions.appeal(world.clerk, rect, reason="x")
    actions.record_contact(world.clerk, rect, note="联系")
    with pytest.raises(actions.FeedbackError, match="classify the rating first"):
        actions.record_measures(world.clerk, rect, measures="x")
    with pytest.raises(actions.FeedbackError, match="Not at this step"):
        actions.record_follow_up(world.clerk, rect, satisfied=True, note="x")
    with pytest.raises(actions.FeedbackError, match="is appealed"):
        actions.classify(world.clerk, rect, classification="mistaken", findings="x")
    with pytest.raises(actions.FeedbackError, match="not waiting for an appeal"):
        actions.decide_appeal(world.supervisor, rect, upheld=True, note="x")
    with pytest.raises(actions.FeedbackError):
        actions.record_contact(world.clerk, rect, note="   ")


def test_a_rating_verified_as_valid_is_not_appealed_afterwards(world):
    """N-2.5: verification ends in a classification or an appeal, not both; an appeal posted
    after the rating was classified valid changes nothing (the page offers none then)."""
    rect = rectification(world)
    actions.record_contact(world.clerk, rect, note="联系")
    actions.classify(world.clerk, rect, classification="needs_time", findings="属实")
    entries = LedgerEntry.objects.count()

    with pytest.raises(actions.FeedbackError, match="classified already"):
        actions.appeal(world.clerk, rect, reason="系恶意差评")

    row = Rectification.objects.get(pk=rect.pk)
    assert (row.status, row.classification, row.findings) == ("open", "needs_time", "属实")
    assert LedgerEntry.objects.count() == entries
