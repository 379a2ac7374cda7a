"""GET /api/tickets/{follow_token}: a ticket of the device's own hall, by its follow code."""

from __future__ import annotations

from servicehall.queueing.actions import call_next, issue_ticket
from servicehall.queueing.models import Ticket


def _issue(hall, queue=None) -> Ticket:
    return issue_ticket(queue=queue or hall.queue_a, channel="kiosk", client_type="resident")


def test_a_waiting_ticket_shows_its_place_and_wait(api, hall):
    _issue(hall)
    ticket = _issue(hall)

    response = api.get("ticket", ticket.follow_token, token=hall.token("phone"))

    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["status"], body["ahead"], body["window"]) == (
        "A002", "waiting", 1, None,
    )  # fmt: skip
    assert body["estimated_wait_minutes"] >= 1
    assert "follow_token" not in body


def test_a_called_ticket_shows_its_window(api, hall):
    ticket = _issue(hall)
    call_next(hall.world.clerk, hall.window1)

    body = api.get("ticket", ticket.follow_token, token=hall.token("kiosk")).json()

    assert (body["status"], body["window"], body["ahead"], body["estimated_wait_minutes"]) == (
        "called", 1, None, None,
    )  # fmt: skip
    assert body["called_at"] is not None


def test_a_ticket_of_another_unit_is_not_found(api, hall):
    other = _issue(hall, hall.other_queue)

    response = api.get("ticket", other.follow_token, token=hall.token("kiosk"), lang="en")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Not found."}


def test_an_unknown_follow_code_is_not_found(api, hall):
    assert api.get("ticket", "nope", token=hall.token("kiosk")).status_code == 404


def test_a_display_does_not_read_tickets(api, hall):
    ticket = _issue(hall)
    assert api.get("ticket", ticket.follow_token, token=hall.token("display")).status_code == 403
