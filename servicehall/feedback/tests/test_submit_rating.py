"""submit_rating (N-2.5, P-W26): bound to the visit, window, clerk's 工号 and item; one per
visit (一次一评) and per case (一事一评); a clerk's session never rates; a bad rating opens
its rectification in the same ledger entry."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from servicehall.feedback import actions
from servicehall.feedback.choices import RectificationStatus
from servicehall.feedback.models import FeedbackSettings, Rating, Rectification
from servicehall.feedback.subjects import rated_call, rated_case, rated_visit
from servicehall.ledger.models import LedgerEntry
from servicehall.org.calendar import calendar_for

from .factories import DAY, finished_visit, rate_visit, window1

pytestmark = pytest.mark.usefixtures("clock", "english")


def test_a_good_rating_is_bound_to_the_visit_window_clerk_and_staff_no(world):
    ticket = finished_visit(world)

    rating = rate_visit(ticket, 5, reasons=(), dimensions={"attitude": 5, "efficiency": 4})

    row = Rating.objects.get(pk=rating.pk)
    assert (row.subject_kind, row.ticket_id, row.unit_id) == ("visit", ticket.pk, world.office.pk)
    assert (row.window_id, row.clerk_id, row.staff_no) == (
        window1(world).pk,
        world.clerk.pk,
        "A001",
    )
    assert row.dimensions == {"attitude": 5, "efficiency": 4}
    assert row.good and not Rectification.objects.exists()
    entry = LedgerEntry.objects.get(subject_type="feedback.rating", subject_id=str(row.pk))
    assert (entry.event_type, entry.channel, entry.actor_id) == (
        "feedback.rating_submitted", "portal", None,
    )  # fmt: skip


def test_a_bad_rating_opens_a_rectification_for_who_handled_it_due_in_15_working_days(world):
    rating = rate_visit(finished_visit(world), 2, reasons=["attitude", "slow"])

    rect = Rectification.objects.get(rating=rating)
    assert (rect.assignee, rect.status, rect.round) == (world.clerk, RectificationStatus.OPEN, 1)
    calendar = calendar_for(world.office)
    assert rect.due_at == calendar.deadline(rect.opened_at, 15).closes_at
    assert calendar.working_days_between(DAY, rect.due_at) == 15
    assert rect.warn_at == calendar.deadline(rect.opened_at, 12).closes_at
    # One entry for both: the rectification is recorded under "also".
    entry = LedgerEntry.objects.get(event_type="feedback.rating_submitted")
    also = json.loads(entry.payload)["also"]
    assert also[0]["subject"] == f"feedback.rectification:{rect.pk}"
    assert LedgerEntry.objects.filter(event_type__startswith="feedback.").count() == 1


def test_the_unit_sets_its_own_rectification_deadline(world):
    FeedbackSettings.objects.create(unit=world.office, rectification_days=5, warning_days=1)
    rect = rate_visit(finished_visit(world), 1, reasons=["slow"]).rectification
    calendar = calendar_for(world.office)
    assert calendar.working_days_between(DAY, rect.due_at) == 5
    assert rect.warn_at == calendar.deadline(rect.opened_at, 4).closes_at


def test_one_rating_per_visit(world):
    ticket = finished_visit(world)
    rate_visit(ticket, 4, reasons=())

    with pytest.raises(actions.FeedbackError, match="already been rated"):
        rate_visit(ticket, 1, reasons=["slow"])

    assert Rating.objects.filter(ticket=ticket).count() == 1
    assert not Rectification.objects.exists()


def test_the_database_refuses_a_second_rating_of_a_visit(world):
    first = rate_visit(finished_visit(world), 4, reasons=())
    twin = Rating(
        unit=first.unit, subject_kind="visit", ticket=first.ticket, mode="on_site", level=5,
        channel="pad", rated_at=first.rated_at,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_a_clerks_session_cannot_rate(world):
    ticket = finished_visit(world)
    before = LedgerEntry.objects.count()

    for staff in (world.clerk, world.head, world.reviewer):
        with pytest.raises(PermissionDenied, match="P-W26"):
            actions.submit_rating(staff, rated_visit(ticket), channel="pad", level=5, reasons=())

    assert not Rating.objects.exists()
    assert LedgerEntry.objects.count() == before


def test_a_visit_is_rated_once_its_service_has_finished(world):
    ticket = finished_visit(world, finish=False)
    with pytest.raises(actions.FeedbackError, match="once its service has finished"):
        rate_visit(ticket, 5, reasons=())
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("level", "extra", "message"),
    [
        (2, {"reasons": []}, "at least one reason"),
        (1, {"reasons": ["rude"]}, "Unknown reason"),
        (6, {"reasons": []}, "from 1 to 5"),
        (5, {"reasons": [], "dimensions": {"guide_accuracy": 3}}, "Unknown dimension"),
        (5, {"reasons": [], "dimensions": {"attitude": 9}}, "from 1 to 5"),
        (4, {"reasons": [], "comment": "很" * 501}, "At most 500"),
        (2, {"reasons": ["slow"], "contact_phone": "12345"}, "mobile number"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, level, extra, message):
    ticket = finished_visit(world)
    before = LedgerEntry.objects.count()
    with pytest.raises(actions.FeedbackError, match=message):
        actions.submit_rating(None, rated_visit(ticket), channel="portal", level=level, **extra)
    assert not Rating.objects.exists()
    assert LedgerEntry.objects.count() == before


def test_the_contact_phone_is_kept_encrypted_and_shown_masked(world):
    rating = rate_visit(finished_visit(world), 2, contact_phone="13812345678")
    row = Rating.objects.get(pk=rating.pk)
    assert "13812345678" not in row.contact_phone_token
    assert row.masked_contact_phone == "138****5678"
    assert row.contact_phone() == "13812345678"
    assert (
        "13812345678"
        not in LedgerEntry.objects.get(
            subject_type="feedback.rating", subject_id=str(row.pk)
        ).payload
    )


def test_one_rating_per_case_with_the_online_dimensions(world):
    from servicehall.cases.tests.factories import accept, make_desk

    case = accept(make_desk(world))  # accepted online
    rated = rated_case(case)
    assert rated.mode == "online"
    rating = actions.submit_rating(
        None, rated, channel="portal", level=5, dimensions={"guide_accuracy": 5, "ease_of_use": 4}
    )
    assert (rating.case_id, rating.clerk, rating.item_id) == (
        case.pk,
        case.handler,
        case.version.item_id,
    )

    with pytest.raises(actions.FeedbackError, match="already been rated"):
        actions.submit_rating(None, rated_case(case), channel="portal", level=1, reasons=["slow"])
    with pytest.raises(actions.FeedbackError, match="Unknown dimension"):
        actions.submit_rating(None, rated, channel="portal", level=5, dimensions={"attitude": 5})


def test_a_call_is_rated_once_and_bound_to_the_clerk_by_staff_no(world):
    rated = rated_call(world.office, call_ref="CALL-1", staff_no="A002")
    rating = actions.submit_rating(None, rated, channel="phone", level=1)
    assert (rating.clerk, rating.staff_no, rating.reasons) == (world.reviewer, "A002", [])
    assert rating.rectification.assignee == world.reviewer
    with pytest.raises(actions.FeedbackError, match="already been rated"):
        actions.submit_rating(None, rated, channel="phone", level=5)
    # The same reference in another unit is another call.
    other = rated_call(world.other_office, call_ref="CALL-1", staff_no="B001")
    assert actions.submit_rating(None, other, channel="phone", level=5).clerk == world.outsider


def test_an_unknown_staff_no_leaves_the_rectification_to_the_head(world):
    rated = rated_call(world.office, call_ref="CALL-2", staff_no="Z999")
    rating = actions.submit_rating(None, rated, channel="phone", level=2)
    assert rating.clerk is None and rating.rectification.assignee is None


def test_two_submissions_at_once_leave_one_rating(world, monkeypatch):
    """The check before the insert can race; the constraint then refuses the second."""
    ticket = finished_visit(world)
    rate_visit(ticket, 5, reasons=())
    monkeypatch.setattr(actions, "_exists", lambda rated: False)
    before = LedgerEntry.objects.count()
    with pytest.raises(actions.FeedbackError, match="already been rated"):
        rate_visit(ticket, 1, reasons=["slow"])
    assert Rating.objects.filter(ticket=ticket).count() == 1
    assert LedgerEntry.objects.count() == before and not Rectification.objects.exists()
