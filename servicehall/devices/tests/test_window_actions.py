"""POST /api/window/*: a counter terminal calls, recalls, skips, starts, finishes and
transfers through the queueing actions, as the clerk who opened its window; refusals
change nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from servicehall.devices.api import ticket_json, window_json
from servicehall.ledger.models import LedgerEntry
from servicehall.queueing.actions import close_window, issue_ticket, open_window, pause_window
from servicehall.queueing.models import Ticket, WindowState

from . import conftest

ONE_TARGET = "Transfer to one queue or one window."
SAME_WINDOW = "Transfer within this hall, to another queue or window."


def _issue(queue):
    return issue_ticket(queue=queue, channel="kiosk", client_type="resident")


def _post(api, hall, name, data=None, device="terminal", lang=None):
    return api.post(name, data, token=hall.token(device), lang=lang)


def _entries(event: str) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(event_type=event))


def test_call_next_calls_the_first_waiting_client_as_the_windows_clerk(api, hall):
    _issue(hall.queue_a)
    _issue(hall.queue_a)

    response = _post(api, hall, "window-call-next")

    assert response.status_code == 200
    body = response.json()
    assert (body["ticket"]["code"], body["ticket"]["status"], body["ticket"]["window"]) == (
        "A001", "called", 1,
    )  # fmt: skip
    assert body["window"]["current"] == "A001"
    ticket = Ticket.objects.get(code="A001")
    assert (ticket.status, ticket.window, ticket.clerk) == (
        "called", hall.window1, hall.world.clerk,
    )  # fmt: skip
    [entry] = _entries("hall.ticket_called")
    assert entry.actor == hall.world.clerk and entry.subject_id == str(ticket.pk)


def test_call_next_with_nobody_waiting_calls_nobody(api, hall):
    response = _post(api, hall, "window-call-next")

    assert response.status_code == 200
    assert response.json()["ticket"] is None
    assert response.json()["window"]["current"] is None
    assert not _entries("hall.ticket_called")


def test_a_terminal_calls_for_its_own_window_only(api, hall):
    """Window 2 serves B first, then A: its terminal calls B001 though A001 came first."""
    _issue(hall.queue_a)
    _issue(hall.queue_b)

    response = _post(api, hall, "window-call-next", device="terminal2")

    assert response.json()["ticket"]["code"] == "B001"
    assert Ticket.objects.get(code="B001").clerk == hall.world.reviewer


def test_a_closed_window_has_nobody_to_act_for_it(api, hall):
    _issue(hall.queue_a)
    close_window(hall.world.clerk, hall.window1)

    response = _post(api, hall, "window-call-next", lang="en")

    assert response.status_code == 409
    assert response.json() == {
        "error": "window_unattended",
        "message": "Nobody is working at this window: the clerk opens it at the counter desk "
        "first.",
    }
    assert Ticket.objects.get().status == "waiting"


def test_a_paused_window_does_not_call_and_says_why(api, hall):
    _issue(hall.queue_a)
    pause_window(hall.world.clerk, hall.window1, reason="break", minutes=10)
    before = LedgerEntry.objects.count()

    english = _post(api, hall, "window-call-next", lang="en")
    chinese = _post(api, hall, "window-call-next")

    assert english.status_code == chinese.status_code == 409
    assert english.json() == {"error": "conflict", "message": "Resume the window before calling."}
    with translation.override("zh-hans"):
        assert chinese.json()["message"] == translation.gettext("Resume the window before calling.")
    assert chinese["Content-Language"] == "zh-hans"
    assert Ticket.objects.get().status == "waiting"
    assert LedgerEntry.objects.count() == before


def test_recall_then_skip_after_the_units_number_of_recalls(api, hall):
    _issue(hall.queue_a)
    _post(api, hall, "window-call-next")

    too_soon = _post(api, hall, "window-skip", lang="en")
    assert too_soon.status_code == 409
    assert too_soon.json()["message"] == "Call the client again first: 2 recalls before a no-show."

    for expected in (1, 2):
        recalled = _post(api, hall, "window-recall")
        assert recalled.json()["ticket"]["recalls"] == expected
    skipped = _post(api, hall, "window-skip")

    assert skipped.status_code == 200
    assert skipped.json()["ticket"]["status"] == "no_show"
    assert skipped.json()["window"]["current"] is None
    assert Ticket.objects.get().status == "no_show"
    assert len(_entries("hall.ticket_recalled")) == 2 and len(_entries("hall.ticket_no_show")) == 1


def test_start_and_finish_a_visit(api, hall):
    _issue(hall.queue_a)
    _post(api, hall, "window-call-next")

    started = _post(api, hall, "window-start")
    finished = _post(api, hall, "window-finish")

    assert started.json()["ticket"]["status"] == "serving"
    assert finished.json()["ticket"]["status"] == "done"
    assert finished.json()["window"]["current"] is None
    ticket = Ticket.objects.get()
    assert ticket.status == "done" and ticket.started_at and ticket.finished_at
    assert [e.actor for e in _entries("hall.service_finished")] == [hall.world.clerk]


@pytest.mark.parametrize("name", ["window-recall", "window-skip", "window-start", "window-finish"])
def test_nothing_to_act_on_without_a_current_client(api, hall, name):
    before = LedgerEntry.objects.count()

    response = _post(api, hall, name, lang="en")

    assert response.status_code == 409
    assert response.json() == {
        "error": "conflict",
        "message": "There is no client at this window for that.",
    }
    assert LedgerEntry.objects.count() == before


def test_nobody_to_transfer_without_a_current_client(api, hall):
    response = _post(api, hall, "window-transfer", {"reason": "x", "to_queue": "B"}, lang="en")

    assert response.status_code == 409
    assert response.json()["message"] == "There is no client at this window for that."
    assert not _entries("hall.ticket_transferred")


def test_transfer_to_another_queue_keeps_the_clients_place(api, hall):
    ticket = _issue(hall.queue_a)
    _post(api, hall, "window-call-next")

    response = _post(api, hall, "window-transfer", {"reason": "社保卡业务", "to_queue": "B"})

    assert response.status_code == 200
    body = response.json()["ticket"]
    assert (body["status"], body["queue"], body["window"], body["ahead"]) == (
        "waiting", "B", None, 0,
    )  # fmt: skip
    ticket.refresh_from_db()
    assert (ticket.queue, ticket.status, ticket.transfers) == (hall.queue_b, "waiting", 1)
    [entry] = _entries("hall.ticket_transferred")
    assert entry.actor == hall.world.clerk and "社保卡业务" in entry.payload


def test_transfer_to_another_window(api, hall):
    _issue(hall.queue_a)
    _post(api, hall, "window-call-next")

    body = _post(api, hall, "window-transfer", {"reason": "需要复核", "to_window": 2}).json()

    assert body["ticket"]["target_window"] == 2
    assert Ticket.objects.get().target_window == hall.window2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"to_queue": "B"}, "reason", "This field is required."),
        ({"reason": "x", "to_queue": "Z"}, "to_queue", "This hall has no queue Z."),
        ({"reason": "x", "to_window": 9}, "to_window", "This hall has no window 9."),
        ({"reason": "x", "to_window": "2"}, "to_window", "This field has the wrong type."),
        ({"reason": "x", "to_window": True}, "to_window", "This field has the wrong type."),
        ({"reason": "x", "to_queue": None}, "to_queue", "This field has the wrong type."),
        ({"reason": "x"}, None, ONE_TARGET),
        ({"reason": "x", "to_queue": "B", "to_window": 2}, None, ONE_TARGET),
        ({"reason": "x", "to_window": 1}, "to_window", SAME_WINDOW),
    ],
)  # fmt: skip
def test_an_invalid_transfer_changes_nothing(api, hall, data, field, message):
    _issue(hall.queue_a)
    _post(api, hall, "window-call-next")
    before = LedgerEntry.objects.count()

    response = _post(api, hall, "window-transfer", data, lang="en")

    assert response.status_code == 400
    assert response.json()["message"] == message
    if field:
        assert response.json()["fields"] == {field: [message]}
    assert Ticket.objects.get().status == "called"
    assert WindowState.objects.get(window=hall.window1).current.code == "A001"
    assert LedgerEntry.objects.count() == before


def test_a_transfer_is_refused_in_chinese_by_default(api, hall):
    _issue(hall.queue_a)
    _post(api, hall, "window-call-next")

    response = _post(api, hall, "window-transfer", {"to_queue": "B"})

    assert response.json()["fields"] == {"reason": ["这个字段是必填项。"]}


def test_a_terminal_of_another_unit_never_reaches_this_hall(api, hall):
    _issue(hall.queue_a)
    other_window = hall.devices["other_terminal"].window
    open_window(hall.world.outsider, other_window, systems_checked=True, vouchers_ready=True,
                at_post=True)  # fmt: skip

    response = _post(api, hall, "window-call-next", device="other_terminal")

    assert response.status_code == 200
    assert response.json()["ticket"] is None
    assert Ticket.objects.get().status == "waiting"


@pytest.mark.parametrize("device", ["kiosk", "phone", "display", "pad"])
def test_only_counter_terminals_act_at_windows(api, hall, device):
    _issue(hall.queue_a)

    assert _post(api, hall, "window-call-next", device=device).status_code == 403
    assert Ticket.objects.get().status == "waiting"


@pytest.mark.parametrize(
    ("name", "count"),
    [
        # The device, the window's clerk; in the transaction the window's state locked with
        # its current ticket, the window's queues, the candidates, the claim, the queue's
        # waiting count, the state, the ledger's three statements, the waiting counts and
        # the event; the window again.
        ("window-call-next", 14),
        # The device, the clerk; the state, the ticket, the ledger's three; the window.
        ("window-start", 8),
        # As start, with the state, the waiting counts and the event.
        ("window-finish", 11),
    ],
)
def test_a_visit_runs_few_plain_statements_and_answers_what_is_stored(api, hall, name, count):
    _issue(hall.queue_a)
    _post(api, hall, "window-recall")  # the terminal's last-seen time is now written
    for before in ("window-call-next", "window-start", "window-finish"):
        if before == name:
            break
        assert _post(api, hall, before).status_code == 200

    with CaptureQueriesContext(connection) as queries:
        response = _post(api, hall, name)

    assert response.status_code == 200
    assert len(conftest.statements(queries)) == count, conftest.statements(queries)
    if connection.vendor == "postgresql":
        locked = [sql for sql in conftest.statements(queries) if "FOR UPDATE" in sql]
        assert len(locked) == 2 and locked[0].endswith("FOR UPDATE OF s")  # state, ledger head
    # Answered from the action's ticket, as a fresh read of the row would answer.
    stored = Ticket.objects.select_related("queue", "window", "target_window").get(code="A001")
    assert response.json()["ticket"] == ticket_json(stored)
    assert response.json()["window"] == window_json(
        hall.window1, WindowState.objects.get(window=hall.window1)
    )
