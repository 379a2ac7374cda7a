"""The opening checklist page (三提前, N-5.1): signing all three items opens the window;
signing after opening time is marked late and flagged to the head on duty."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from servicehall.ledger.models import LedgerEntry
from servicehall.org.actions import assign_duty
from servicehall.queueing.choices import WindowStatus
from servicehall.queueing.models import OpeningCheck, WindowState
from servicehall.supervision.models import Detection
from servicehall.testing import log_in

from .test_views_desk import MORNING, in_language, make_hall

ALL_DONE = {"systems_checked": "on", "vouchers_ready": "on", "at_post": "on"}


@pytest.fixture
def hall(world, clock):
    return make_hall(world)


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def url(number: int = 1) -> str:
    return reverse("queueing:desk-open", args=[number])


def test_the_checklist_shows_the_three_items_and_the_clause(hall, client):
    log_in(client, hall.world.clerk)
    response = client.get(url())
    body = response.content.decode()
    assert body.count('type="checkbox"') == 3
    assert "N-5.1" in body and "三提前" in body
    assert "09:00" in body
    assert 'data-testid="late"' not in body


def test_signing_before_opening_time_opens_the_window(hall, client):
    log_in(client, hall.world.clerk)
    response = client.post(url(), ALL_DONE, follow=True)
    assert response.redirect_chain[-1][0] == reverse("queueing:desk", args=[1])
    state = WindowState.objects.get(window=hall.w1)
    assert state.status == WindowStatus.OPEN and state.clerk == hall.world.clerk
    check = OpeningCheck.objects.get(window=hall.w1)
    assert check.late is False and check.clerk == hall.world.clerk
    assert LedgerEntry.objects.filter(event_type="hall.window_opened").count() == 1
    assert not Detection.objects.filter(clause="N-5.1").exists()
    assert 'data-shortcut="n"' in response.content.decode()


def test_signing_after_opening_time_is_late_and_flagged(hall, client, clock):
    clock.move_to(MORNING + dt.timedelta(minutes=40))  # 09:10
    log_in(client, hall.world.clerk)
    assert 'data-testid="late"' in client.get(url()).content.decode()
    response = client.post(url(), ALL_DONE, follow=True)
    assert OpeningCheck.objects.get(window=hall.w1).late is True
    assert Detection.objects.filter(clause="N-5.1", staff=hall.world.clerk).count() == 1
    messages = [str(m) for m in response.context["messages"]]
    assert in_language("Signed after opening time: the head on duty is told (N-5.1).") in messages


def test_an_unticked_item_keeps_the_window_closed(hall, client):
    log_in(client, hall.world.clerk)
    response = client.post(url(), {"systems_checked": "on", "at_post": "on"})
    assert response.status_code == 200
    assert (
        in_language("Every item of the opening checklist must be done before opening.")
        in response.content.decode()
    )
    assert not OpeningCheck.objects.exists()
    assert not WindowState.objects.filter(status=WindowStatus.OPEN).exists()


def test_only_the_rostered_clerk_opens_the_window(hall, client):
    assign_duty(
        hall.world.head, unit=hall.world.office, date=MORNING.date(), staff=hall.world.reviewer,
        window=hall.w1,
    )  # fmt: skip
    log_in(client, hall.world.clerk)
    body = client.get(url()).content.decode()
    assert hall.world.reviewer.display_name in body
    response = client.post(url(), ALL_DONE)
    assert in_language("Another clerk is on the roster at this window today.") in (
        response.content.decode()
    )
    assert not OpeningCheck.objects.exists()
    log_in(client, hall.world.reviewer)
    client.post(url(), ALL_DONE)
    assert WindowState.objects.get(window=hall.w1).clerk == hall.world.reviewer


def test_an_open_window_says_so(hall, client):
    log_in(client, hall.world.clerk)
    client.post(url(), ALL_DONE)
    body = client.get(url()).content.decode()
    assert 'data-testid="signed"' in body
    assert 'type="checkbox"' not in body


def test_access(hall, client):
    assert client.get(url()).status_code == 302
    log_in(client, hall.world.supervisor)
    assert client.get(url()).status_code == 403
    log_in(client, hall.world.outsider)
    assert client.get(url(2)).status_code == 404
    assert client.post(url(2), ALL_DONE).status_code == 404
    assert not WindowState.objects.filter(window=hall.w2).exists()
