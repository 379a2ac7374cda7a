"""GET /api/window: a counter terminal or rating pad reads its window: open or not, the
clerk at work with their staff number (N-3.1), the current ticket."""

from __future__ import annotations

from servicehall.devices.actions import issue_device
from servicehall.devices.choices import DeviceKind
from servicehall.queueing.actions import call_next, close_window, issue_ticket


def test_the_rating_pad_shows_who_serves_and_whom(api, hall):
    issue_ticket(queue=hall.queue_a, channel="kiosk", client_type="resident")
    call_next(hall.world.clerk, hall.window1)

    response = api.get("window", token=hall.token("pad"))

    assert response.status_code == 200
    assert response.json()["window"] == {
        "number": 1,
        "name": hall.window1.name,
        "status": "open",
        "status_label": response.json()["window"]["status_label"],
        "clerk": {"staff_no": "A001", "name": hall.world.clerk.display_name},
        "current": "A001",
    }


def test_a_closed_window_has_no_clerk(api, hall):
    close_window(hall.world.clerk, hall.window1)

    window = api.get("window", token=hall.token("terminal"), lang="en").json()["window"]

    assert (window["status"], window["status_label"], window["clerk"], window["current"]) == (
        "closed", "Closed", None, None,
    )  # fmt: skip


def test_a_rating_pad_not_placed_at_a_window_is_refused(api, hall):
    token = issue_device(
        hall.world.unit_admin, unit=hall.world.office, kind=DeviceKind.RATING_PAD, name="pad"
    )[1]

    response = api.get("window", token=token, lang="en")

    assert response.status_code == 403
    assert response.json()["message"] == "This device is not placed at a window."


def test_a_kiosk_has_no_window(api, hall):
    assert api.get("window", token=hall.token("kiosk")).status_code == 403
