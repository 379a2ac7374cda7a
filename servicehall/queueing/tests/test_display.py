"""The hall display page and its state: public, the latest calls with the window and the
clerk's staff number (N-3.1), waiting counts and estimates per queue, the commitments
(N-4.2); ``state.json`` for catching up, with the calls a polling display missed."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicehall.org.choices import CommitmentLevel
from servicehall.org.models import Commitment
from servicehall.queueing.actions import (
    call_next,
    finish_service,
    pause_window,
    recall,
    transfer,
)
from servicehall.queueing.models import HallEvent

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def busy_hall(hall, clock):
    """Windows 1 and 2 open; A001 called at window 1, then B001 at window 2; A002 and A003
    waiting; window 3 closed."""
    hall.open_all()
    from servicehall.queueing.actions import close_window

    close_window(hall.clerk3, hall.w3)
    for queue in (hall.queue_a, hall.queue_a, hall.queue_a, hall.queue_b):
        hall.issue(queue)
    clock.shift(60)
    call_next(hall.clerk1, hall.w1)
    clock.shift(60)
    call_next(hall.clerk2, hall.w2)
    return hall


def _section(html: str, testid: str) -> str:
    """The text of the element marked ``data-testid``, tags removed, spaces collapsed."""
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:div|tbody|ul)>', html, re.S)
    assert match, testid
    return " ".join(re.sub(r"<[^>]+>", " ", match[1]).split())


def test_the_display_is_public_and_shows_the_newest_call_first(client, busy_hall):
    response = client.get("/hall/display/O1/", **EN)

    assert response.status_code == 200
    html = response.content.decode()
    assert _section(html, "now") == "B001 Window 2 社会保障卡 Staff no. A002"
    assert "Ticket B001, please go to window 2" in html
    assert _section(html, "calls") == ("B001 Window 2 社会保障卡 A002 A001 Window 1 综合受理 A001")
    assert 'class="newest"' in html.split('data-testid="calls"')[1].split("</tr>")[0]


def test_the_display_shows_waiting_counts_and_estimates(client, busy_hall):
    html = client.get("/hall/display/O1/", **EN).content.decode()

    # A: A002 and A003 wait, windows 1 and 2 serve it; B: nobody waits.
    assert _section(html, "queues") == (
        "A 综合业务 2 waiting about 12 min B 社会保障卡 0 waiting about 8 min"
    )


def test_the_display_shows_each_window_and_the_staff_number_at_it(client, busy_hall):
    html = client.get("/hall/display/O1/", **EN).content.decode()

    assert _section(html, "windows") == (
        "Window 1 综合受理 Open · Staff no. A001 "
        "Window 2 社会保障卡 Open · Staff no. A002 "
        "Window 3 综合受理 Closed"
    )


def test_the_display_shows_the_units_commitments_in_order(client, busy_hall):
    office = busy_hall.office
    Commitment.objects.create(unit=office, level=CommitmentLevel.COLLECTIVE, text="首问负责")
    Commitment.objects.create(unit=office, level=CommitmentLevel.DEPARTMENTAL, text="依法办事")
    Commitment.objects.create(
        unit=office, level=CommitmentLevel.PERSONAL, staff=busy_hall.clerk1, text="微笑服务"
    )
    Commitment.objects.create(
        unit=office, level=CommitmentLevel.COLLECTIVE, text="已撤下", active=False
    )
    Commitment.objects.create(
        unit=busy_hall.world.other_office, level=CommitmentLevel.COLLECTIVE, text="别处"
    )

    html = client.get("/hall/display/O1/", **EN).content.decode()

    assert _section(html, "commitments") == (
        "Departmental commitment 依法办事 Collective commitment 首问负责 "
        "Personal commitment 微笑服务 — wang（Staff no. A001）"
    )


def test_an_empty_hall_says_so(client, hall, clock):
    html = client.get("/hall/display/O1/", **EN).content.decode()

    assert _section(html, "now") == "Nobody is being called now."
    assert _section(html, "calls") == ""


def test_an_unknown_unit_has_no_display(client, world):
    assert client.get("/hall/display/NOPE/").status_code == 404
    assert client.get("/hall/display/NOPE/state.json").status_code == 404


def test_the_page_tells_its_script_where_the_stream_is(client, busy_hall, settings):
    html = client.get("/hall/display/O1/").content.decode()
    assert '"stream": ":8001"' in html  # the page's own host, port 8001

    settings.EVENTSTREAM_URL = "https://events.example.org"
    html = client.get("/hall/display/O1/").content.decode()
    assert '"stream": "https://events.example.org"' in html
    assert f'"last_event_id": {HallEvent.objects.latest("pk").pk}' in html


def test_the_state_is_what_the_display_shows(client, busy_hall):
    response = client.get("/hall/display/O1/state.json", **EN)

    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    state = response.json()
    assert state["unit"] == {"code": "O1", "name": "甲市社保中心"}
    assert state["last_event_id"] == HallEvent.objects.latest("pk").pk
    assert state["day"] == "2026-03-02"
    assert [(c["ticket"], c["window"], c["staff_no"], c["status"]) for c in state["calls"]] == [
        ("B001", 2, "A002", "called"),
        ("A001", 1, "A001", "called"),
    ]
    assert state["queues"] == [
        {"prefix": "A", "name": "综合业务", "waiting": 2, "estimate": 12},
        {"prefix": "B", "name": "社会保障卡", "waiting": 0, "estimate": 8},
    ]
    assert [(w["number"], w["status"], w["staff_no"], w["ticket"]) for w in state["windows"]] == [
        (1, "open", "A001", "A001"),
        (2, "open", "A002", "B001"),
        (3, "closed", "", ""),
    ]
    assert "calls_since" not in state


def test_the_state_follows_finish_transfer_recall_and_pause(client, busy_hall, clock):
    hall = busy_hall
    clock.shift(60)
    recall(hall.clerk1, hall.w1)
    transfer(hall.clerk2, hall.w2, reason="需综合受理窗口办理", to_window=hall.w1)
    finish_service(hall.clerk1, hall.w1)
    pause_window(hall.clerk1, hall.w1, reason="break", minutes=10)

    state = client.get("/hall/display/O1/state.json").json()

    # B001 went back to waiting (for window 1, keeping its place): it is no longer a call.
    assert [(c["ticket"], c["status"], c["recalls"]) for c in state["calls"]] == [
        ("A001", "done", 1),
    ]
    assert [q["waiting"] for q in state["queues"]] == [2, 1]
    assert [(w["status"], w["ticket"]) for w in state["windows"]] == [
        ("paused", ""), ("open", ""), ("closed", ""),
    ]  # fmt: skip


def test_a_polling_display_is_told_the_calls_it_missed(client, busy_hall, clock):
    before = HallEvent.objects.latest("pk").pk
    clock.shift(30)
    finish_service(busy_hall.clerk1, busy_hall.w1)
    call_next(busy_hall.clerk1, busy_hall.w1)
    clock.shift(30)
    recall(busy_hall.clerk1, busy_hall.w1)

    state = client.get(f"/hall/display/O1/state.json?after={before}").json()

    calls = list(HallEvent.objects.filter(pk__gt=before, kind="call").order_by("pk"))
    assert [missed["id"] for missed in state["calls_since"]] == [call.pk for call in calls]
    assert [
        (missed["data"]["ticket"], missed["data"]["recall"], missed["age"])
        for missed in state["calls_since"]
    ] == [("A002", False, 30.0), ("A002", True, 0.0)]
    latest = state["last_event_id"]
    assert client.get(f"/hall/display/O1/state.json?after={latest}").json()["calls_since"] == []


def test_the_state_costs_one_query_while_nothing_happens(client, busy_hall):
    with CaptureQueriesContext(connection) as first:
        client.get("/hall/display/O1/state.json")
    with CaptureQueriesContext(connection) as again:
        client.get("/hall/display/O1/state.json")
    busy_hall.issue()
    with CaptureQueriesContext(connection) as after_a_change:
        fresh = client.get("/hall/display/O1/state.json").json()

    # Unit, last event id, calls, waiting counts, open windows per queue, queues, one average
    # service time per queue, window states, windows, commitments.
    assert len(first) == 11
    assert len(again) == 2  # the unit and the last event id
    assert len(after_a_change) == 11
    assert fresh["queues"][0]["waiting"] == 3
