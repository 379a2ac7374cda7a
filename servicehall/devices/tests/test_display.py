"""GET /api/display: the hall display's state: latest calls of today, waiting counts, the
commitments (N-4.2), and the event id to resume the live stream from."""

from __future__ import annotations

import datetime as dt

from servicehall.devices.actions import issue_device
from servicehall.devices.choices import DeviceKind
from servicehall.org.choices import CommitmentLevel
from servicehall.org.models import Commitment
from servicehall.queueing.actions import call_next, issue_ticket, recall
from servicehall.queueing.models import HallEvent
from servicehall.queueing.views_display import display_state


def _issue(queue):
    return issue_ticket(queue=queue, channel="kiosk", client_type="resident")


def test_the_display_shows_latest_calls_first_and_waiting_counts(api, hall):
    for _ in range(3):
        _issue(hall.queue_a)
    _issue(hall.queue_b)
    call_next(hall.world.clerk, hall.window1)
    call_next(hall.world.reviewer, hall.window2)
    recall(hall.world.clerk, hall.window1)
    Commitment.objects.create(
        unit=hall.world.office, level=CommitmentLevel.COLLECTIVE, text="一次性告知。"
    )

    response = api.get("display", token=hall.token("display"))

    assert response.status_code == 200
    body = response.json()
    assert body["unit"] == hall.world.office.name
    assert body["service_day"] == "2026-03-02"
    assert body["queues"] == [
        {"queue": "A", "name": "综合业务", "waiting": 2},
        {"queue": "B", "name": "社会保障卡", "waiting": 0},
    ]
    calls = [(c["ticket"], c["window"], c["recall"], c["staff_no"]) for c in body["calls"]]
    assert calls == [
        ("A001", 1, True, "A001"),
        ("B001", 2, False, "A002"),
        ("A001", 1, False, "A001"),
    ]
    assert body["commitments"] == [{"level": "collective", "text": "一次性告知。"}]
    assert body["last_event"] == HallEvent.objects.filter(unit=hall.world.office).latest("pk").pk
    assert body["window"] is None


def test_yesterdays_calls_are_not_shown(api, hall, clock):
    _issue(hall.queue_a)
    call_next(hall.world.clerk, hall.window1)
    clock.shift(dt.timedelta(days=1))

    assert api.get("display", token=hall.token("display")).json()["calls"] == []


def test_another_units_calls_are_not_shown(api, hall):
    _issue(hall.queue_a)
    call_next(hall.world.clerk, hall.window1)
    display = issue_device(
        hall.world.system_admin, unit=hall.world.other_office, kind=DeviceKind.DISPLAY, name="d"
    )[1]

    body = api.get("display", token=display).json()

    assert body["calls"] == [] and body["queues"] == [
        {"queue": "A", "name": "综合业务", "waiting": 0}
    ]


def test_a_display_at_a_window_shows_that_window(api, hall):
    _issue(hall.queue_a)
    call_next(hall.world.clerk, hall.window1)
    token = issue_device(
        hall.world.unit_admin, unit=hall.world.office, kind=DeviceKind.DISPLAY, name="1号窗口屏",
        window=hall.window1,
    )[1]  # fmt: skip

    window = api.get("display", token=token).json()["window"]

    assert (window["number"], window["status"], window["current"]) == (1, "open", "A001")
    assert window["clerk"] == {"staff_no": "A001", "name": hall.world.clerk.display_name}


def test_a_kiosk_is_no_display(api, hall):
    assert api.get("display", token=hall.token("kiosk")).status_code == 403


def test_the_answer_is_the_hall_display_pages_state_in_the_apis_shape(api, hall):
    """One source for both: the API reads ``display_state``, as the TV page does, so the
    two never disagree on the counts, the commitments (N-4.2, in the page's order) or
    the event to resume from."""
    _issue(hall.queue_a)
    _issue(hall.queue_b)
    call_next(hall.world.clerk, hall.window1)
    for level in (CommitmentLevel.COLLECTIVE, CommitmentLevel.DEPARTMENTAL):
        Commitment.objects.create(unit=hall.world.office, level=level, text=f"{level} 承诺")
    state = display_state(hall.world.office)

    body = api.get("display", token=hall.token("display")).json()

    assert body["queues"] == [
        {"queue": q["prefix"], "name": q["name"], "waiting": q["waiting"]} for q in state["queues"]
    ]
    assert body["commitments"] == [
        {"level": c["level"], "text": c["text"]} for c in state["commitments"]
    ]
    assert [c["level"] for c in body["commitments"]] == ["departmental", "collective"]
    assert (body["last_event"], body["service_day"]) == (state["last_event_id"], state["day"])
    assert [c["ticket"] for c in body["calls"]] == [c["ticket"] for c in state["calls"]]
