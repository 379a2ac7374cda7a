"""The rating page of a link or QR code (/feedback/r/<token>/): the client rates once; an
expired, altered or used link is refused with a clear message; a clerk's logged-in
session cannot rate (P-W26)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from servicehall.feedback.models import FeedbackSettings, Rating, Rectification
from servicehall.feedback.views_client import link_for_ticket
from servicehall.ledger.models import LedgerEntry
from servicehall.testing import log_in

from .factories import finished_visit, rate_visit, window1

pytestmark = pytest.mark.usefixtures("clock")


def _url(ticket) -> str:
    return reverse("feedback:rate", args=[link_for_ticket(ticket)])


def test_the_client_rates_a_visit_through_its_link(world, web):
    ticket = finished_visit(world)
    page = web.get(_url(ticket))
    assert page.status_code == 200
    text = page.content.decode()
    assert ticket.code in text and "A001" in text and 'data-testid="rating-form"' in text

    done = web.post(_url(ticket), {
        "level": "2", "reasons": ["attitude", "unclear"], "comment": "态度冷淡",
        "dim_attitude": "1", "contact_phone": "13812345678",
    })  # fmt: skip

    assert done.status_code == 200 and 'data-testid="thanks"' in done.content.decode()
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.level, rating.reasons, rating.channel) == (2, ["attitude", "unclear"], "portal")
    assert rating.dimensions == {"attitude": 1}
    assert Rectification.objects.get(rating=rating).assignee == world.clerk


def test_a_bad_rating_without_a_reason_is_asked_for_one(world, web):
    ticket = finished_visit(world)
    page = web.post(_url(ticket), {"level": "1"})
    assert page.status_code == 400
    assert "at least one reason" in page.content.decode()
    assert not Rating.objects.exists()


def test_a_used_link_is_refused(world, web):
    ticket = finished_visit(world)
    url = _url(ticket)
    rate_visit(ticket, 5, reasons=())

    again = web.post(url, {"level": "1", "reasons": ["slow"]})

    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert Rating.objects.get().level == 5


def test_an_expired_link_is_refused(world, web, clock):
    ticket = finished_visit(world)
    url = _url(ticket)
    clock.move_to(ticket.finished_at + dt.timedelta(days=7, seconds=1))

    for response in (web.get(url), web.post(url, {"level": "5"})):
        assert response.status_code == 410
        assert "expired on 2026-03-09" in response.content.decode()
    assert not Rating.objects.exists()


def test_the_units_link_validity_counts_from_the_finish(world, web, clock):
    FeedbackSettings.objects.create(unit=world.office, link_valid_days=2)
    ticket = finished_visit(world)
    clock.move_to(ticket.finished_at + dt.timedelta(days=1))
    assert web.get(_url(ticket)).status_code == 200
    clock.move_to(ticket.finished_at + dt.timedelta(days=2, seconds=1))
    # Opening the link from the ticket page again does not extend it.
    response = web.get(reverse("feedback:rate-visit", args=[ticket.follow_token]), follow=True)
    assert response.status_code == 410


def test_an_altered_link_is_refused(world, web):
    url = _url(finished_visit(world))
    response = web.get(url[:-3] + "xx/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


@pytest.mark.parametrize("persona", ["clerk", "head", "reviewer"])
def test_a_clerks_session_cannot_rate(world, web, persona):
    ticket = finished_visit(world)
    log_in(web, getattr(world, persona))
    before = LedgerEntry.objects.count()

    response = web.post(_url(ticket), {"level": "5"})

    assert response.status_code == 403
    assert "Staff cannot submit an evaluation" in response.content.decode()
    assert not Rating.objects.exists() and LedgerEntry.objects.count() == before


def test_the_ticket_page_offers_the_rating_once_the_service_is_done(world, web):
    waiting = finished_visit(world, finish=False)
    page = web.get(reverse("queueing:ticket", args=[waiting.follow_token])).content.decode()
    assert (
        'data-testid="rate-link"' in page
        and "hidden" in page.split('data-testid="rate-link"')[0][-80:]
    )
    assert web.get(reverse("feedback:rate-visit", args=[waiting.follow_token])).status_code == 302

    from servicehall.queueing.actions import finish_service

    done = finish_service(world.clerk, window1(world))
    page = web.get(reverse("queueing:ticket", args=[done.follow_token])).content.decode()
    link = reverse("feedback:rate-visit", args=[done.follow_token])
    assert link in page
    response = web.get(link)
    assert response.status_code == 302 and response["Location"].startswith("/feedback/r/")
    assert web.get(response["Location"]).status_code == 200


def test_a_case_is_rated_once_through_the_link_on_its_receipt(world, web):
    from servicehall.cases.tests.factories import accept, make_desk
    from servicehall.feedback.views_client import link_for_case

    case = accept(make_desk(world))
    url = reverse("feedback:rate", args=[link_for_case(case)])
    page = web.get(url).content.decode()
    assert case.number in page and "Accuracy of the service guide" in page

    web.post(url, {"level": "4", "dim_guide_accuracy": "3"})

    rating = Rating.objects.get(case=case)
    assert (rating.subject_kind, rating.mode, rating.dimensions) == (
        "case", "online", {"guide_accuracy": 3},
    )  # fmt: skip
    assert web.get(url).status_code == 410


@pytest.mark.parametrize(("code", "status"), [("a%00b", 400), ("nope", 404), ("a.b", 404)])
def test_a_visit_link_with_an_unknown_or_malformed_code_is_refused(world, web, code, status):
    """Not a server error: PostgreSQL refuses a NUL in the lookup (the site refuses a NUL
    in any address with 400), and the address only takes the follow code's characters."""
    assert web.get(f"/feedback/visit/{code}/").status_code == status
