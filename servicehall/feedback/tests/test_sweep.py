"""The feedback sweep (N-2.5, N-5.6e): a warning before a rectification's deadline and a
notice once it has passed, each once per round and recorded in the ledger; overdue is a
query on the indexed deadline; unrated visits count as 基本满意 only where switched on."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from servicehall.feedback import actions
from servicehall.feedback.models import FeedbackSettings, Rating, Rectification, RectificationNotice
from servicehall.feedback.subjects import rated_visit
from servicehall.feedback.sweep import sweep
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import verify_all
from servicehall.org.actions import assign_duty

from .factories import DAY, finished_visit, rectification

pytestmark = pytest.mark.usefixtures("clock", "english")


def test_a_warning_before_the_deadline_then_an_overdue_notice_each_once(world, clock):
    rect = rectification(world)
    clock.move_to(rect.warn_at - dt.timedelta(minutes=1))
    assert sweep().notices == []

    clock.move_to(rect.warn_at + dt.timedelta(minutes=1))
    assign_duty(world.head, unit=world.office, date=timezone.localdate(), staff=world.head,
                head_on_duty=True)  # fmt: skip
    first = sweep().notices
    assert [(n.level, n.round, n.assignee, n.head) for n in first] == [
        ("warning", 1, world.clerk, world.head)
    ]
    assert sweep().notices == []
    assert not Rectification.objects.overdue(timezone.now()).exists()

    clock.move_to(rect.due_at + dt.timedelta(minutes=1))
    assert Rectification.objects.overdue(timezone.now()).get() == rect
    assert [n.level for n in sweep().notices] == ["overdue"]
    assert sweep().notices == []
    entries = LedgerEntry.objects.filter(event_type="feedback.rectification_notice")
    assert entries.count() == 2 and {e.channel for e in entries} == {"system"}
    problems, _summary = verify_all()
    assert [p.detail for p in problems if "feedback." in p.detail] == []


def test_a_second_round_is_warned_again_and_finished_ones_never(world, clock):
    rect = rectification(world)
    done = rectification(world)
    actions.record_contact(world.clerk, done, note="联系")
    actions.classify(world.clerk, done, classification="fixed", findings="属实")
    actions.record_measures(world.clerk, done, measures="致歉")
    actions.record_follow_up(world.clerk, done, satisfied=True, note="满意")
    clock.move_to(rect.warn_at + dt.timedelta(minutes=1))
    assert [n.rectification_id for n in sweep().notices] == [rect.pk]

    actions.record_contact(world.clerk, rect, note="联系")
    actions.classify(world.clerk, rect, classification="fixed", findings="属实")
    actions.record_measures(world.clerk, rect, measures="致歉")
    rect = actions.record_follow_up(world.clerk, rect, satisfied=False, note="不满意")
    clock.move_to(rect.warn_at + dt.timedelta(minutes=1))
    assert [(n.rectification_id, n.round) for n in sweep().notices] == [(rect.pk, 2)]


def test_unrated_visits_are_not_counted_by_default(world, clock):
    finished_visit(world)
    clock.move_to(timezone.now() + dt.timedelta(days=30))
    assert sweep().defaulted == [] and not Rating.objects.exists()


def test_a_unit_may_count_unrated_visits_as_basically_satisfied(world, clock):
    FeedbackSettings.objects.create(unit=world.office, default_after_days=3, default_from=DAY)
    ticket = finished_visit(world)
    rated = finished_visit(world)
    actions.submit_rating(None, rated_visit(rated), channel="pad", level=5)
    clock.move_to(timezone.now() + dt.timedelta(days=2))
    assert sweep().defaulted == []

    clock.move_to(timezone.now() + dt.timedelta(days=2))
    made = sweep().defaulted
    assert [(r.ticket_id, r.level, r.channel, r.clerk) for r in made] == [
        (ticket.pk, 3, "default", world.clerk)
    ]
    assert sweep().defaulted == []
    entry = LedgerEntry.objects.get(event_type="feedback.rating_defaulted")
    assert entry.channel == "system" and entry.subject_id == str(made[0].pk)
    problems, _summary = verify_all()
    assert [p.detail for p in problems if "feedback." in p.detail] == []


def test_the_command_runs_a_pass(world, clock):
    rect = rectification(world)
    clock.move_to(rect.due_at + dt.timedelta(hours=1))
    out = StringIO()
    call_command("feedback_sweep", stdout=out)
    assert "overdue: rectification" in out.getvalue()
    assert "1 notice(s) issued" in out.getvalue()
    assert RectificationNotice.objects.count() == 1
