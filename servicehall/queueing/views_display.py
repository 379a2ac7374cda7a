"""The hall display (a public page for a TV), its state as JSON, and the spoken call.

The page renders the hall's state, then follows the event stream (``eventstream.py``, a
process of its own) for live calls. When the stream cannot be reached, it reads
``state.json`` every two seconds instead, and reads it once more after each reconnection,
so it always shows the hall as it is (N-2.3 one calling order seen by all, N-3.1 staff
numbers, N-4.2 commitments).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from servicehall.org.choices import CommitmentLevel
from servicehall.org.models import Commitment, Unit, Window

from . import events, voice
from .choices import TicketStatus, WindowStatus
from .estimates import average_service_minutes, wait_minutes
from .models import HallEvent, Queue, Ticket, WindowQueue, WindowState

log = logging.getLogger(__name__)

CALLS_SHOWN = 6
# A display that polls is told at most this many of the calls it missed.
REPLAYED_CALLS = 20
# The state is the same for every display of a unit until its next event; it is kept a few
# seconds at most, so that time-dependent parts (estimates) stay fresh.
STATE_CACHE_SECONDS = 5
FALLBACK_POLL_MS = 2000
# Where displays find the event stream unless settings say otherwise: the display page's own
# host, on port 8001.
DEFAULT_EVENTSTREAM_URL = ":8001"


def _unit(unit_code: str) -> Unit:
    return get_object_or_404(Unit, code=unit_code)


def _latest_event_id(unit: Unit) -> int:
    rows = HallEvent.objects.filter(unit=unit).order_by("-pk")
    return rows.values_list("pk", flat=True).first() or 0


def _calls(unit: Unit, day) -> list[dict]:
    tickets = (
        Ticket.objects.filter(
            unit=unit, service_day=day, called_at__isnull=False, window__isnull=False
        )
        .select_related("window", "clerk")
        .order_by("-called_at", "-pk")[:CALLS_SHOWN]
    )
    return [
        {
            "ticket": ticket.code,
            "window": ticket.window.number,
            "window_name": ticket.window.name,
            "staff_no": (ticket.clerk.staff_no or "") if ticket.clerk else "",
            "status": ticket.status,
            "recalls": ticket.recalls,
            "called_at": ticket.called_at.isoformat(),
        }
        for ticket in tickets
    ]


def _queues(unit: Unit, day) -> list[dict]:
    waiting = events.waiting_counts(unit.pk, day)  # what every event carries, by letter
    open_windows = dict(
        WindowQueue.objects.filter(
            queue__unit=unit, queue__active=True, window__state__status=WindowStatus.OPEN
        )
        .values("queue_id")
        .annotate(n=Count("window_id"))
        .values_list("queue_id", "n")
    )
    queues = []
    for queue in Queue.objects.filter(unit=unit, active=True).order_by("prefix"):
        count, windows = waiting.get(queue.prefix, 0), open_windows.get(queue.pk, 0)
        estimate = None
        if windows:
            # The wait of a client who takes a ticket now.
            estimate = wait_minutes(count, average_service_minutes(queue.pk), windows)
        queues.append(
            {"prefix": queue.prefix, "name": queue.name, "waiting": count, "estimate": estimate}
        )
    return queues


def _windows(unit: Unit) -> list[dict]:
    states = {
        state.window_id: state
        for state in WindowState.objects.filter(unit=unit).select_related("clerk", "current")
    }
    rows = []
    for window in Window.objects.filter(unit=unit, active=True).order_by("number"):
        state = states.get(window.pk)
        status = state.status if state else WindowStatus.CLOSED
        at_work = status != WindowStatus.CLOSED and state.clerk is not None
        current = state.current if state else None
        rows.append(
            {
                "number": window.number,
                "name": window.name,
                "status": status,
                "status_label": str(WindowStatus(status).label),
                "staff_no": (state.clerk.staff_no or "") if at_work else "",
                "ticket": current.code
                if current and current.status in (TicketStatus.CALLED, TicketStatus.SERVING)
                else "",
            }
        )
    return rows


def _commitments(unit: Unit) -> list[dict]:
    """Departmental, then collective, then personal commitments (N-4.2)."""
    level_order = {level: index for index, level in enumerate(CommitmentLevel.values)}
    rows = sorted(
        Commitment.objects.filter(unit=unit, active=True).select_related("staff"),
        key=lambda row: (level_order.get(row.level, len(level_order)), row.order, row.pk),
    )
    return [
        {
            "level": row.level,
            "level_label": str(row.get_level_display()),
            "text": row.text,
            "staff": row.staff.display_name if row.staff else "",
            "staff_no": (row.staff.staff_no or "") if row.staff else "",
        }
        for row in rows
    ]


def display_state(unit: Unit) -> dict:
    """What a display shows, with the id of the last event it reflects; the device API's
    display answers from it too (``devices.api.display``).

    The id is read first: an event that commits while the rest is read is sent again by
    the stream, never lost.
    """
    last_event_id = _latest_event_id(unit)
    key = f"hall-display:{unit.pk}:{last_event_id}:{get_language()}"
    state = cache.get(key)
    if state is None:
        day = timezone.localdate()
        state = {
            "unit": {"code": unit.code, "name": unit.name},
            "last_event_id": last_event_id,
            "day": day.isoformat(),
            "calls": _calls(unit, day),
            "queues": _queues(unit, day),
            "windows": _windows(unit),
            "commitments": _commitments(unit),
        }
        cache.set(key, state, STATE_CACHE_SECONDS)
    return state


def call_events(unit: Unit, day: dt.date, limit: int) -> list[dict]:
    """The day's call events, newest first, recalls included: each event's data with its
    ``id`` and ``at`` (the device API's display lists these)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    rows = (
        HallEvent.objects.filter(unit=unit, kind="call", at__gte=start)
        .order_by("-pk")
        .values_list("pk", "at", "data")[:limit]
    )
    return [{**data, "id": pk, "at": at} for pk, at, data in rows]


def calls_since(unit: Unit, after: int, last_event_id: int) -> list[dict]:
    """The call events after ``after`` (at most the last REPLAYED_CALLS), for a display that
    polls: it announces them as it would have announced them live."""
    if after >= last_event_id:
        return []
    now = timezone.now()
    rows = (
        HallEvent.objects.filter(unit=unit, pk__gt=after, kind="call")
        .order_by("-pk")
        .values_list("pk", "data", "at")[:REPLAYED_CALLS]
    )
    return [
        {"id": pk, "data": data, "age": round((now - at).total_seconds(), 1)}
        for pk, data, at in reversed(rows)
    ]


def _strings() -> dict[str, str]:
    """What the page's script writes, in the page's language."""
    return {
        # Under the newest call: the sentence the voice says (P-W01, calling the client).
        "sentence": _("Ticket {ticket}, please go to window {window}"),
        "window": _("Window {number}"),
        "staffNo": _("Staff no. {staff_no}"),
        "waiting": _("{count} waiting"),
        "estimate": _("about {minutes} min"),
        "noEstimate": _("no window open"),
        "live": _("Live"),
        "polling": _("Updating every 2 seconds"),
        "connecting": _("Connecting…"),
        "noCall": _("Nobody is being called now."),
        "recall": _("Called again"),
        "statuses": {value: str(label) for value, label in WindowStatus.choices},
    }


def _labelled(state: dict, strings: dict) -> dict:
    """The state's rows with their words, for the server-rendered page."""

    def staff(number: str) -> str:
        return strings["staffNo"].format(staff_no=number) if number else ""

    calls = [
        {
            **call,
            "window_label": strings["window"].format(number=call["window"]),
            "staff_label": staff(call["staff_no"]),
        }
        for call in state["calls"]
    ]
    queues = [
        {
            **queue,
            "waiting_label": strings["waiting"].format(count=queue["waiting"]),
            "estimate_label": strings["estimate"].format(minutes=queue["estimate"])
            if queue["estimate"] is not None
            else strings["noEstimate"],
        }
        for queue in state["queues"]
    ]
    windows = [
        {
            **window,
            "label": strings["window"].format(number=window["number"]),
            "staff_label": staff(window["staff_no"]),
        }
        for window in state["windows"]
    ]
    newest = calls[0] if calls else None
    caption = (
        strings["sentence"].format(ticket=newest["ticket"], window=newest["window"])
        if newest
        else ""
    )
    return {"calls": calls, "newest": newest, "caption": caption, "queues": queues,
            "windows": windows}  # fmt: skip


def _voice_prefix() -> str:
    sample = reverse("queueing:voice", kwargs={"ticket": "A000", "window": "1"})
    return sample[: -len("A000/1.wav")]


@require_GET
@never_cache
def display(request, unit_code: str):
    unit = _unit(unit_code)
    state = display_state(unit)
    strings = _strings()
    config = {
        "unit": unit.code,
        "stream": getattr(settings, "EVENTSTREAM_URL", DEFAULT_EVENTSTREAM_URL),
        "stateUrl": reverse("queueing:display-state", kwargs={"unit_code": unit.code}),
        "voicePrefix": _voice_prefix(),
        "pollMs": FALLBACK_POLL_MS,
        "callsShown": CALLS_SHOWN,
        "timeZone": settings.TIME_ZONE,
        "state": state,
        "strings": strings,
    }
    context = {"unit": unit, "state": state, "config": config, **_labelled(state, strings)}
    return render(request, "queueing/display.html", context)


@require_GET
@never_cache
def display_state_json(request, unit_code: str):
    """The display's state; with ``?after=<event id>``, also the calls made since then."""
    unit = _unit(unit_code)
    state = display_state(unit)
    after = request.GET.get("after", "")
    if after.isdigit() and len(after) < 19:
        state = {**state, "calls_since": calls_since(unit, int(after), state["last_event_id"])}
    return JsonResponse(state, json_dumps_params={"ensure_ascii": False})


@require_GET
def voice_clip(request, ticket: str, window: str):
    """The Mandarin announcement of a call as WAV, made once and cached for the day.

    Only names that can be a call of some hall are made: a ticket letter of an active
    queue in a unit that has a window of that number.
    """
    number = int(window)
    if not voice.valid(ticket, number):
        raise Http404
    audio = voice.cached(ticket, number)
    if audio is None:
        possible = Queue.objects.filter(
            prefix=ticket[0], active=True, unit__window__number=number, unit__window__active=True
        ).exists()
        if not possible:
            raise Http404
        try:
            audio = voice.make_clip(ticket, number)
        except voice.VoiceError:
            log.exception("could not synthesise the call %s to window %s", ticket, number)
            return HttpResponse(status=503, headers={"Retry-After": "60"})
    response = HttpResponse(audio, content_type="audio/wav")
    response["Cache-Control"] = "public, max-age=86400"
    return response
