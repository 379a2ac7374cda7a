"""The device API: kiosks and the telephone system issue tickets, counter terminals call,
displays read the hall's state, rating pads read their window. Plain Django views that
parse, check the device, call the queueing actions and answer JSON (schema: openapi.py)."""

from __future__ import annotations

import datetime as dt
import functools

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.models import ServiceItem
from servicehall.lib import rows
from servicehall.org.models import User, Window
from servicehall.queueing import actions
from servicehall.queueing.choices import TicketChannel, TicketStatus, WindowStatus
from servicehall.queueing.estimates import ahead_and_wait, queue_wait_minutes
from servicehall.queueing.events import waiting_counts
from servicehall.queueing.models import Queue, Ticket, WindowState
from servicehall.queueing.views_display import call_events, display_state

from . import openapi
from .auth import Conflict, endpoint, json_body, json_response
from .choices import DeviceKind
from .forms import RequestBody, TicketRequest, TransferRequest
from .models import Device

ISSUERS = (DeviceKind.KIOSK, DeviceKind.PHONE_SYSTEM)
CHANNEL_OF = {DeviceKind.KIOSK: TicketChannel.KIOSK, DeviceKind.PHONE_SYSTEM: TicketChannel.PHONE}
LATEST_CALLS = 10


# --- representations -----------------------------------------------------------------------


def _moment(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def ticket_json(ticket: Ticket, *, follow_token: bool = False) -> dict:
    waiting = ticket.status == TicketStatus.WAITING
    data = {
        "code": ticket.code,
        "queue": ticket.queue.prefix,
        "queue_name": ticket.queue.name,
        "status": ticket.status,
        "status_label": str(TicketStatus(ticket.status).label),
        "priority": ticket.priority,
        "issued_at": _moment(ticket.issued_at),
        "called_at": _moment(ticket.called_at),
        "window": ticket.window.number if ticket.window_id else None,
        "target_window": ticket.target_window.number if ticket.target_window_id else None,
        "recalls": ticket.recalls,
    }
    ahead = estimate = None
    if waiting:
        ahead, estimate = ahead_and_wait(ticket)
    data["ahead"] = ahead
    data["estimated_wait_minutes"] = estimate
    if follow_token:
        data["follow_token"] = ticket.follow_token
    return data


def window_json(window: Window, state: WindowState | None) -> dict:
    status = state.status if state else WindowStatus.CLOSED
    clerk = state.clerk if state and state.clerk_id else None
    current = state.current if state and state.current_id else None
    return {
        "number": window.number,
        "name": window.name,
        "status": status,
        "status_label": str(WindowStatus(status).label),
        "clerk": {"staff_no": clerk.staff_no or "", "name": clerk.display_name} if clerk else None,
        "current": current.code if current else None,
    }


# What window_json shows of a window's state, its clerk and its current ticket; the other
# fields are deferred.
_SHOWN_STATE = ("status", "clerk", "current")
_SHOWN_CLERK = ("username", "full_name", "staff_no")
_SHOWN_TICKET = ("code",)


@functools.cache
def _window_state_sql() -> str:
    # Every answer of a counter terminal shows its window: one statement written once (the
    # ORM's query cost ten times what it takes to run).
    return (
        f"SELECT {rows.columns(WindowState, 's', _SHOWN_STATE)}, "  # noqa: S608
        f"{rows.columns(User, 'u', _SHOWN_CLERK)}, {rows.columns(Ticket, 't', _SHOWN_TICKET)} "
        f'FROM queueing_windowstate s LEFT JOIN "{User._meta.db_table}" u ON u.id = s.clerk_id '
        "LEFT JOIN queueing_ticket t ON t.id = s.current_id WHERE s.window_id = %s"
    )


def _window_state(window: Window) -> WindowState | None:
    """The window's state with its clerk and current ticket, as window_json shows them."""
    row = rows.fetchone(_window_state_sql(), [window.pk])
    if row is None:
        return None
    state, clerk, current = rows.instances(
        row, (WindowState, _SHOWN_STATE), (User, _SHOWN_CLERK), (Ticket, _SHOWN_TICKET)
    )
    rows.attach(state, "clerk", clerk)
    rows.attach(state, "current", current)
    return state


def _invalid(field: str, message) -> ValidationError:
    return ValidationError({field: [message]})


def _parse(body_class: type[RequestBody], request) -> dict:
    """The request's fields, validated; a field the endpoint does not know is refused, so
    that a misspelt field is never silently ignored."""
    data = json_body(request)
    fields = body_class.base_fields
    wrong = {name: [_("This field is unknown here.")] for name in sorted(set(data) - set(fields))}
    for name, field in fields.items():
        if name in data and not _json_type_fits(field, data[name]):
            wrong[name] = [_("This field has the wrong type.")]
    try:
        cleaned = body_class.clean_data(data)
    except ValidationError as error:
        if not wrong:
            raise
        errors = error.error_dict if hasattr(error, "error_dict") else {}
        raise ValidationError({**errors, **wrong}) from None
    if wrong:
        raise ValidationError(wrong)
    return cleaned


def _json_type_fits(field: forms.Field, value) -> bool:
    """Forms read text; JSON has types: a number is no text, a boolean no number."""
    if isinstance(field, forms.IntegerField):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


@functools.cache
def _queue_sql() -> str:
    # Every issue looks its queue up: one statement written once (the ORM's query cost ten
    # times what it takes to run). A queue's prefix is unique in its unit.
    return (
        f"SELECT {rows.columns(Queue, 'q')} FROM queueing_queue q "  # noqa: S608 - column names
        "WHERE q.unit_id = %s AND q.prefix = %s"
    )


def _queue(device: Device, prefix: str, field: str) -> Queue:
    conn = rows.connection()
    row = rows.fetchone(_queue_sql(), [device.unit_id, prefix], conn)
    queue = rows.instance(Queue, row, conn=conn) if row else None
    if queue is None:
        raise _invalid(field, _("This hall has no queue {prefix}.").format(prefix=prefix))
    return queue


# --- public --------------------------------------------------------------------------------


@endpoint("GET")
def health(request):
    """A trivial answer: the server is up. Also the benchmarks' baseline."""
    return json_response({"status": "ok"})


@endpoint("GET")
def schema(request):
    return json_response(openapi.build())


# --- kiosks and the telephone system -------------------------------------------------------


@endpoint("GET", kinds=ISSUERS)
def queues(request):
    """The queues a client can choose, with their service items, waiting counts and the
    estimated wait of a ticket taken now."""
    unit_id = request.device.unit_id
    rows = list(
        Queue.objects.filter(unit_id=unit_id, active=True)
        .order_by("prefix")
        .prefetch_related(
            Prefetch(
                "items",
                ServiceItem.objects.filter(current__isnull=False)
                .select_related("current")
                .order_by("code"),
            )
        )
    )
    counts = waiting_counts(unit_id, timezone.localdate())
    return json_response(
        {
            "queues": [
                {
                    "queue": queue.prefix,
                    "name": queue.name,
                    "waiting": counts.get(queue.prefix, 0),
                    "estimated_wait_minutes": queue_wait_minutes(
                        queue.pk, counts.get(queue.prefix, 0)
                    ),
                    "items": [
                        {"code": item.code, "name": item.current.name} for item in queue.items.all()
                    ],
                }
                for queue in rows
            ]
        }
    )


@endpoint("POST", kinds=ISSUERS)
def issue_ticket(request):
    """Issue a ticket: from a kiosk, or for a telephone booking."""
    device = request.device
    data = _parse(TicketRequest, request)
    queue = _queue(device, data["queue"], "queue")
    item = None
    if data["item"]:
        item = ServiceItem.objects.filter(code=data["item"]).first()
        if item is None:
            raise _invalid("item", _("There is no service item {code}.").format(code=data["item"]))
    ticket = actions.issue_ticket(
        queue=queue, channel=CHANNEL_OF[device.kind], client_type=data["client_type"], item=item
    )
    response = json_response(ticket_json(ticket, follow_token=True), 201)
    response["Location"] = _ticket_location(ticket.follow_token)
    return response


@functools.lru_cache(maxsize=8)
def _ticket_url_around(script_prefix: str) -> tuple[str, str]:
    # The URL of a ticket, reversed once per script prefix (reverse costs as much as a
    # query): what comes before and after the follow code, which is URL-safe as it is.
    url = reverse("devices:ticket", args=["follow-token"])
    head, _token, tail = url.rpartition("follow-token")
    return head, tail


def _ticket_location(follow_token: str) -> str:
    head, tail = _ticket_url_around(get_script_prefix())
    return f"{head}{follow_token}{tail}"


@endpoint("GET", kinds=ISSUERS)
def ticket(request, follow_token: str):
    """A ticket of this hall, found by its follow code (the QR code on the ticket)."""
    row = (
        Ticket.objects.select_related("queue", "window", "target_window")
        .filter(unit_id=request.device.unit_id, follow_token=follow_token)
        .first()
    )
    if row is None:
        raise Http404
    return json_response(ticket_json(row))


# --- displays ------------------------------------------------------------------------------


@endpoint("GET", kinds=(DeviceKind.DISPLAY,))
def display(request):
    """What the hall display shows: the latest calls, the waiting counts, the commitments.
    ``last_event`` is the id to resume the live event stream from.

    The hall display page's state (``queueing.views_display.display_state``, shared by
    every display of the hall until the next event) in this API's shape; the calls are
    the day's call events, recalls included.
    """
    device = request.device
    state = display_state(device.unit)
    day = dt.date.fromisoformat(state["day"])
    data = {
        "unit": state["unit"]["name"],
        "service_day": state["day"],
        "queues": [
            {"queue": queue["prefix"], "name": queue["name"], "waiting": queue["waiting"]}
            for queue in state["queues"]
        ],
        "calls": [
            {
                "id": event["id"],
                "at": _moment(event["at"]),
                "ticket": event.get("ticket", ""),
                "window": event.get("window"),
                "window_name": event.get("window_name", ""),
                "staff_no": event.get("staff_no", ""),
                "recall": bool(event.get("recall")),
            }
            for event in call_events(device.unit, day, LATEST_CALLS)
        ],
        "commitments": [
            {"level": row["level"], "text": row["text"]} for row in state["commitments"]
        ],
        "last_event": state["last_event_id"],
        "window": window_json(device.window, _window_state(device.window))
        if device.window_id
        else None,
    }
    return json_response(data)


# --- counter terminals and rating pads -----------------------------------------------------


def _device_window(device: Device) -> Window:
    if device.window_id is None:
        raise PermissionDenied(_("This device is not placed at a window."))
    return device.window


@endpoint("GET", kinds=(DeviceKind.COUNTER_TERMINAL, DeviceKind.RATING_PAD))
def window(request):
    """The device's window: open or not, the clerk at work (staff number, N-3.1), the
    current ticket."""
    at = _device_window(request.device)
    return json_response({"window": window_json(at, _window_state(at))})


@functools.cache
def _clerk_sql() -> str:
    return (
        f"SELECT s.status, {rows.columns(User, 'u')} FROM queueing_windowstate s "  # noqa: S608
        f'JOIN "{User._meta.db_table}" u ON u.id = s.clerk_id WHERE s.window_id = %s'
    )


def _clerk_at(window: Window):
    """The staff member working at ``window`` now: the one who opened it."""
    row = rows.fetchone(_clerk_sql(), [window.pk])
    if row is None or row[0] == WindowStatus.CLOSED:
        raise Conflict(
            "window_unattended",
            _("Nobody is working at this window: the clerk opens it at the counter desk first."),
        )
    return rows.instance(User, row[1:])


def _window_result(at: Window, ticket: Ticket | None) -> dict:
    # The action's ticket as it saved it, not read again: the actions give it its queue
    # and (for a transfer) its target window; its window, if any, is this one.
    if ticket is not None and ticket.window_id == at.pk:
        rows.attach(ticket, "window", at)
    return {
        "ticket": ticket_json(ticket) if ticket else None,
        "window": window_json(at, _window_state(at)),
    }


def window_action(action):
    """An endpoint for one of the clerk's actions that take no arguments."""

    @endpoint("POST", kinds=(DeviceKind.COUNTER_TERMINAL,))
    def view(request):
        at = _device_window(request.device)
        json_body(request)  # a body, if any, must still be JSON
        ticket = action(_clerk_at(at), at)
        return json_response(_window_result(at, ticket))

    return view


call_next = window_action(actions.call_next)
recall = window_action(actions.recall)
skip = window_action(actions.skip_no_show)
start = window_action(actions.start_service)
finish = window_action(actions.finish_service)


@endpoint("POST", kinds=(DeviceKind.COUNTER_TERMINAL,))
def transfer(request):
    """Send the current client to another queue or window, with the reason (P-W18)."""
    device = request.device
    at = _device_window(device)
    data = _parse(TransferRequest, request)
    to_queue = _queue(device, data["to_queue"], "to_queue") if data["to_queue"] else None
    to_window = None
    if data["to_window"] is not None:
        to_window = Window.objects.filter(unit_id=device.unit_id, number=data["to_window"]).first()
        if to_window is None:
            raise _invalid(
                "to_window",
                _("This hall has no window {number}.").format(number=data["to_window"]),
            )
    if to_window == at:
        raise _invalid("to_window", _("Transfer within this hall, to another queue or window."))
    ticket = actions.transfer(
        _clerk_at(at), at, reason=data["reason"], to_queue=to_queue, to_window=to_window
    )
    return json_response(_window_result(at, ticket))
