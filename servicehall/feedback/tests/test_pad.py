"""The rating pad at a window (P-W26): paired once with its device token (kept in an
HttpOnly cookie), it shows the client being served, then the five levels for the
just-finished visit, then dimensions and reasons, then thanks; a staff session never
rates on it; a revoked pad stops."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from servicehall.devices.actions import issue_device, revoke_device
from servicehall.feedback.models import Rating
from servicehall.feedback.views_client import PAD_COOKIE
from servicehall.ledger.models import LedgerEntry
from servicehall.queueing import actions as hall
from servicehall.testing import log_in

from .factories import finished_visit, rate_visit, window1

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def pad(world):
    device, token = issue_device(
        world.unit_admin, unit=world.office, kind="rating_pad", name="1号窗评价器",
        window=window1(world),
    )  # fmt: skip
    return device, token


def _pair(web, token):
    return web.post(reverse("feedback:pad-pair"), {"token": token})


def test_an_unpaired_browser_is_sent_to_pairing(world, web):
    response = web.get(reverse("feedback:pad"))
    assert response.status_code == 302 and response["Location"] == reverse("feedback:pad-pair")
    assert web.get(reverse("feedback:pad-state")).status_code == 401


def test_pairing_keeps_the_token_in_an_httponly_cookie(world, web, pad):
    response = _pair(web, pad[1])
    assert response.status_code == 302 and response["Location"] == reverse("feedback:pad")
    cookie = response.cookies[PAD_COOKIE]
    assert cookie.value == pad[1] and cookie["httponly"] and cookie["path"] == "/feedback/"
    assert cookie["samesite"] == "Strict"


def test_only_an_active_rating_pads_token_pairs(world, web, pad):
    _kiosk, kiosk_token = issue_device(world.unit_admin, unit=world.office, kind="kiosk", name="k")
    for token in ("shd_wrong", kiosk_token):
        response = _pair(web, token)
        assert response.status_code == 400
        assert "not the token of an active rating pad" in response.content.decode()
        assert PAD_COOKIE not in response.cookies


def test_the_pad_follows_the_window_and_the_client_rates_with_a_reason(world, web, pad):
    _pair(web, pad[1])
    idle = web.get(reverse("feedback:pad")).content.decode()
    assert 'data-testid="pad-idle"' in idle

    serving = finished_visit(world, finish=False)
    page = web.get(reverse("feedback:pad")).content.decode()
    assert 'data-testid="pad-serving"' in page and serving.code in page and "A001" in page
    key_serving = web.get(reverse("feedback:pad-state")).json()["key"]

    hall.start_service(world.clerk, window1(world))
    hall.finish_service(world.clerk, window1(world))
    state = web.get(reverse("feedback:pad-state")).json()
    assert state["mode"] == "rate" and state["key"] != key_serving
    page = web.get(reverse("feedback:pad")).content.decode()
    assert 'data-testid="pad-level-2"' in page and "P-W26" in page

    step2 = web.get(reverse("feedback:pad"), {"level": "2"}).content.decode()
    assert 'data-testid="pad-form"' in step2
    assert re.search(r'name="level" value="2"[^>]*checked', step2)
    assert 'data-testid="reasons"' in step2

    done = web.post(reverse("feedback:pad-rate"), {
        "ticket": serving.pk, "level": "2", "reasons": ["slow"], "dim_efficiency": "2",
    })  # fmt: skip
    assert done.status_code == 302 and done["Location"].endswith("?thanks=1")
    rating = Rating.objects.get(ticket=serving)
    assert (rating.channel, rating.device_id, rating.level, rating.reasons) == (
        "pad", pad[0].pk, 2, ["slow"],
    )  # fmt: skip
    assert rating.rectification.assignee == world.clerk
    entry = LedgerEntry.objects.get(subject_type="feedback.rating", subject_id=str(rating.pk))
    assert entry.channel == "pad"
    thanks = web.get(done["Location"]).content.decode()
    assert 'data-testid="pad-thanks"' in thanks
    assert web.get(reverse("feedback:pad-state")).json()["mode"] == "idle"


def test_a_bad_rating_on_the_pad_needs_a_reason(world, web, pad):
    _pair(web, pad[1])
    ticket = finished_visit(world)
    response = web.post(reverse("feedback:pad-rate"), {"ticket": ticket.pk, "level": "1"})
    assert response.status_code == 400 and "at least one reason" in response.content.decode()
    assert not Rating.objects.exists()


def test_the_pad_offers_a_visit_only_once_and_only_for_a_while(world, web, pad, clock):
    _pair(web, pad[1])
    ticket = finished_visit(world)
    rate_visit(ticket, 5, reasons=())
    assert web.get(reverse("feedback:pad-state")).json()["mode"] == "idle"
    response = web.post(reverse("feedback:pad-rate"), {"ticket": ticket.pk, "level": "1",
                                                       "reasons": ["slow"]})  # fmt: skip
    assert response.status_code == 302 and Rating.objects.count() == 1

    later = finished_visit(world)
    clock.move_to(later.finished_at + dt.timedelta(minutes=11))
    assert web.get(reverse("feedback:pad-state")).json()["mode"] == "idle"


def test_a_staff_session_on_the_pad_cannot_rate(world, web, pad):
    _pair(web, pad[1])
    ticket = finished_visit(world)
    log_in(web, world.clerk)
    assert web.get(reverse("feedback:pad")).status_code == 403
    response = web.post(reverse("feedback:pad-rate"), {"ticket": ticket.pk, "level": "5"})
    assert response.status_code == 403
    assert "Staff cannot submit an evaluation" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_revoked_pad_stops(world, web, pad):
    _pair(web, pad[1])
    revoke_device(world.unit_admin, pad[0])
    response = web.get(reverse("feedback:pad"))
    assert response.status_code == 302 and response["Location"] == reverse("feedback:pad-pair")
