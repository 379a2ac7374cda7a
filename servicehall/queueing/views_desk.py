"""The hall's staff and client pages: the counter desk with its opening checklist (三提前),
the guidance desk, the kiosk, and the ticket a client follows on a phone.

Views stay thin: find the window or the ticket within the user's reach, parse the form,
call the action, and redirect back (PRG) with the result or the action's own message.
Nothing here writes a hall row itself.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from servicehall.norms.models import Clause
from servicehall.norms.phrases import Prompt, prompts
from servicehall.org.choices import UNIT_STAFF_ROLES, UnitKind
from servicehall.org.models import DutyAssignment, Unit, Window

from . import actions, estimates, events
from .actions import HallError, _pools
from .choices import TicketChannel, TicketStatus, WindowStatus
from .forms import (
    CallChosenForm,
    GuideTicketForm,
    KioskTicketForm,
    OpeningForm,
    PauseForm,
    TransferForm,
    queue_for_item,
    served_items,
    unit_queues,
)
from .models import HallSettings, OpeningCheck, Ticket, WindowState

NEXT_SHOWN = 8
PAPERS = ("80", "58")
AT_WINDOW = (TicketStatus.CALLED, TicketStatus.SERVING)


# --- access -------------------------------------------------------------------------------


def _require_hall_staff(user) -> None:
    """Hall pages are for the staff of a unit (the roles the actions accept)."""
    if user.role not in UNIT_STAFF_ROLES or not user.unit_id:
        raise PermissionDenied


def _window_for(user, number: int) -> Window:
    """A window of the user's own unit, or 404: another unit's window is not confirmed."""
    _require_hall_staff(user)
    window = (
        Window.objects.filter(unit_id=user.unit_id, number=number, active=True)
        .select_related("unit")
        .first()
    )
    if window is None:
        raise Http404
    return window


def _error_text(error: Exception) -> str:
    """The action's message, in the user's language."""
    if isinstance(error, HallError):
        return " ".join(str(message) for message in error.messages)
    return str(error) or _("You may not do that at this window.")


def _form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def _minutes(delta: dt.timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


# --- the counter desk ---------------------------------------------------------------------


def _next_waiting(window: Window, day: dt.date) -> tuple[list[Ticket], int]:
    """The tickets this window calls next, in calling order (the pools ``call_next`` takes)."""
    shown: list[Ticket] = []
    total = 0
    for pool in _pools(window, day):
        total += pool.count()
        if len(shown) < NEXT_SHOWN:
            shown += list(pool.select_related("queue", "item__current")[: NEXT_SHOWN - len(shown)])
    return shown, total


def _prompts(
    status: str, current: Ticket | None, waited: int, long_wait: int, after
) -> list[Prompt]:
    """The phrases for this moment, each with the moment it is for (norms attachment 3)."""
    wanted: list[tuple[str, str, dict]] = []
    if after is not None and after[0] == "transfer":
        moved = after[1]
        target = moved.queue.name
        if moved.target_window_id:
            # The phrase is Chinese verbatim; its blank takes "2号社会保障卡" as P-W02 does.
            target = f"{moved.target_window.number}号{moved.target_window.name}"
        moment = _("The client was transferred: they keep their place.")
        wanted.append(("P-W18", moment, {"window_name": target}))
    if after is not None and after[0] == "finish":
        wanted.append(("P-W22", _("Before the client leaves: is there anything else?"), {}))
        wanted.append(("P-W26", _("Service finished: ask for the evaluation."), {}))
        wanted.append(("P-W27", _("As the client leaves."), {}))
    if status == WindowStatus.PAUSED:
        wanted.append(("P-W11", _("To a client who comes while the window is paused."), {}))
    if current is not None and current.status == TicketStatus.CALLED:
        if waited > long_wait:
            moment = _("The client waited {minutes} minutes, more than {limit}.").format(
                minutes=waited, limit=long_wait
            )
            wanted.append(("P-W10", moment, {}))
            wanted.append(("P-W03", _("Then reassure them: the service starts now."), {}))
        wanted.append(("P-W01", _("The client you called arrives: greet them."), {}))
    if current is not None and current.status == TicketStatus.SERVING:
        wanted.append(("P-W09", _("When you need a moment during the service."), {}))
        wanted.append(("P-W07", _("When the client has not understood: explain again."), {}))
        wanted.append(("P-W20", _("When the client signs the forms."), {}))
    return prompts(wanted)


def _after(request, window: Window):
    """What the redirect after finishing or transferring says, for the phrase to offer."""
    kind = request.GET.get("after")
    ticket_id = request.GET.get("ticket", "")
    if kind not in ("finish", "transfer") or not ticket_id.isdigit():
        return None
    ticket = (
        Ticket.objects.filter(pk=int(ticket_id), unit_id=window.unit_id)
        .select_related("queue", "target_window")
        .first()
    )
    return (kind, ticket) if ticket is not None else None


@login_required
def desk(request, number: int):
    window = _window_for(request.user, number)
    now = timezone.now()
    today = timezone.localdate()
    state = (
        WindowState.objects.filter(window=window)
        .select_related("clerk", "current__queue", "current__item__current")
        .first()
    )
    status = state.status if state else WindowStatus.CLOSED
    current = state.current if state and state.current_id else None
    if current is not None and current.status not in AT_WINDOW:
        current = None
    rules = HallSettings.for_unit(window.unit_id)
    waited = _minutes((current.called_at or now) - current.issued_at) if current else 0
    next_tickets, waiting_total = _next_waiting(window, today)
    for ticket in next_tickets:
        ticket.waited = _minutes(now - ticket.issued_at)
        ticket.long_wait = ticket.waited > rules.long_wait_minutes
    mine = state is not None and state.clerk_id == request.user.pk
    at_work = status != WindowStatus.CLOSED and mine
    context = {
        "window": window,
        "state": state,
        "status": status,
        "status_label": WindowStatus(status).label,
        "current": current,
        "waited": waited,
        "long_wait": current is not None and waited > rules.long_wait_minutes,
        "rules": rules,
        "next_tickets": next_tickets,
        "waiting_total": waiting_total,
        "mine": mine,
        "at_work": at_work,
        "other_clerk": state.clerk if state and state.clerk_id and not mine else None,
        "prompts": _prompts(
            status, current, waited, rules.long_wait_minutes, _after(request, window)
        ),
    }
    if at_work and status == WindowStatus.OPEN:
        context["transfer_form"] = TransferForm(window=window)
        context["chosen_form"] = CallChosenForm(window=window, day=today)
        context["pause_form"] = PauseForm()
    return render(request, "queueing/desk.html", context)


def _call_next(request, window):
    ticket = actions.call_next(request.user, window)
    if ticket is None:
        messages.info(request, _("Nobody is waiting for this window."))
    else:
        messages.success(request, _("{ticket} called.").format(ticket=ticket.code))
    return None


def _recall(request, window):
    ticket = actions.recall(request.user, window)
    messages.success(
        request,
        _("{ticket} called again ({recalls} recalls).").format(
            ticket=ticket.code, recalls=ticket.recalls
        ),
    )


def _skip(request, window):
    ticket = actions.skip_no_show(request.user, window)
    messages.success(request, _("{ticket} recorded as not come.").format(ticket=ticket.code))


def _start(request, window):
    ticket = actions.start_service(request.user, window)
    messages.success(request, _("Service of {ticket} started.").format(ticket=ticket.code))


def _finish(request, window):
    ticket = actions.finish_service(request.user, window)
    messages.success(request, _("Service of {ticket} finished.").format(ticket=ticket.code))
    return {"after": "finish", "ticket": ticket.pk}


def _transfer(request, window):
    form = TransferForm(request.POST, window=window)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return None
    ticket = actions.transfer(
        request.user, window, reason=form.cleaned_data["reason"], **form.destination()
    )
    messages.success(request, _("{ticket} transferred.").format(ticket=ticket.code))
    return {"after": "transfer", "ticket": ticket.pk}


def _call_chosen(request, window):
    form = CallChosenForm(request.POST, window=window, day=timezone.localdate())
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return None
    ticket = actions.call_chosen(
        request.user, window, form.cleaned_data["ticket"], reason=form.cleaned_data["reason"]
    )
    messages.success(
        request,
        _("{ticket} called out of order; the reason is recorded for review.").format(
            ticket=ticket.code
        ),
    )
    return None


def _pause(request, window):
    form = PauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return None
    actions.pause_window(
        request.user,
        window,
        reason=form.cleaned_data["reason"],
        minutes=form.cleaned_data["minutes"],
    )
    messages.success(request, _("The window is paused."))
    return None


def _resume(request, window):
    actions.resume_window(request.user, window)
    messages.success(request, _("The window is open again."))


def _close(request, window):
    actions.close_window(request.user, window)
    messages.success(request, _("The window is closed."))


DESK_ACTIONS = {
    "call-next": _call_next,
    "recall": _recall,
    "skip": _skip,
    "start": _start,
    "finish": _finish,
    "transfer": _transfer,
    "call-chosen": _call_chosen,
    "pause": _pause,
    "resume": _resume,
    "close": _close,
}


@login_required
@require_POST
def desk_action(request, number: int, action: str):
    """One button of the desk: call the action, then back to the desk with what happened."""
    window = _window_for(request.user, number)
    handler = DESK_ACTIONS.get(action)
    if handler is None:
        raise Http404
    after = None
    try:
        after = handler(request, window)
    except (HallError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    target = reverse("queueing:desk", args=[window.number])
    return redirect(f"{target}?{urlencode(after)}" if after else target)


# --- opening (三提前) ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def opening(request, number: int):
    window = _window_for(request.user, number)
    form = OpeningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check = actions.open_window(request.user, window, **form.cleaned_data)
        except (HallError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Window {number} is open.").format(number=window.number))
            if check.late:
                messages.warning(
                    request,
                    _("Signed after opening time: the head on duty is told (N-5.1)."),
                )
            return redirect("queueing:desk", number=window.number)
    today = timezone.localdate()
    opens_at = dt.datetime.combine(
        today, window.unit.opening_time, tzinfo=timezone.get_current_timezone()
    )
    state = WindowState.objects.filter(window=window).first()
    context = {
        "window": window,
        "form": form,
        "opens_at": opens_at,
        "late_now": timezone.now() > opens_at,
        "check": OpeningCheck.objects.filter(window=window, service_day=today)
        .select_related("clerk")
        .first(),
        "is_open": state is not None and state.status != WindowStatus.CLOSED,
        "rostered": DutyAssignment.objects.filter(window=window, date=today)
        .select_related("staff")
        .first(),
        "clause": Clause.objects.filter(code="N-5.1").first(),
    }
    return render(request, "queueing/opening.html", context)


# --- guidance desk ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def guide_desk(request):
    """Staff at the guidance desk (引导台) issue tickets and grant the green channel (N-5.4)."""
    _require_hall_staff(request.user)
    queues = unit_queues(request.user.unit_id)
    form = GuideTicketForm(request.POST or None, queues=queues)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = actions.issue_ticket(
                queue=data["queue"],
                channel=TicketChannel.GUIDE_DESK,
                client_type=data["client_type"],
                item=data["item"],
                green_reason=data["green_reason"],
                actor=request.user,
            )
        except (HallError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Ticket {ticket} issued.").format(ticket=ticket.code))
            return redirect("queueing:guide-desk")
    issued = (
        Ticket.objects.filter(
            unit_id=request.user.unit_id,
            service_day=timezone.localdate(),
            channel=TicketChannel.GUIDE_DESK,
        )
        .select_related("queue")
        .order_by("-issued_at", "-id")[:12]
    )
    return render(request, "queueing/desk_guide.html", {"form": form, "issued": issued})


# --- kiosk --------------------------------------------------------------------------------


def _paper(request) -> str:
    paper = request.GET.get("paper") or request.POST.get("paper") or ""
    return paper if paper in PAPERS else PAPERS[0]


@require_http_methods(["GET", "POST"])
def kiosk(request, unit_code: str):
    """The touch screen: choose a service (by category) or a queue, say who you are, get a
    ticket. Each step is a plain link or form, so the kiosk works without JavaScript."""
    unit = Unit.objects.filter(code=unit_code, kind=UnitKind.OFFICE).first()
    if unit is None:
        raise Http404
    queues = unit_queues(unit.pk)
    paper = _paper(request)
    error = ""
    if request.method == "POST":
        form = KioskTicketForm(request.POST, queues=queues)
        if form.is_valid():
            try:
                ticket = actions.issue_ticket(
                    queue=form.cleaned_data["queue"],
                    channel=TicketChannel.KIOSK,
                    client_type=form.cleaned_data["client_type"],
                    item=form.cleaned_data["item"],
                )
            except HallError as problem:
                error = _error_text(problem)
            else:
                target = reverse("queueing:ticket", args=[ticket.follow_token])
                return redirect(f"{target}?{urlencode({'kiosk': 1, 'paper': paper, 'print': 1})}")
        else:
            error = _form_errors(form)
    items = list(served_items(queues).order_by("current__category__order", "code"))
    categories: dict = {}
    for item in items:
        categories.setdefault(item.current.category, []).append(item)
    source = request.POST if request.method == "POST" else request.GET
    chosen_item = next((i for i in items if i.code == source.get("item")), None)
    chosen_queue = next((q for q in queues if q.prefix == source.get("queue")), None)
    if chosen_item is not None:
        chosen_queue = queue_for_item(queues, chosen_item)
    category = next((c for c in categories if c.code == source.get("category")), None)
    waiting = events.waiting_counts(unit.pk, timezone.localdate())
    for queue in queues:
        queue.waiting = waiting.get(queue.prefix, 0)
    context = {
        "unit": unit,
        "kiosk_unit": unit,
        "paper": paper,
        "queues": queues,
        "categories": [(c, len(rows)) for c, rows in categories.items()],
        "category": category,
        "category_items": categories.get(category, []),
        "chosen_item": chosen_item,
        "chosen_queue": chosen_queue,
        "client_types": KioskTicketForm.base_fields["client_type"].choices,
        "error": error,
    }
    return render(request, "queueing/kiosk.html", context, status=400 if error else 200)


# --- the ticket a client follows ----------------------------------------------------------


def _ticket_by_token(token: str) -> Ticket:
    ticket = (
        Ticket.objects.filter(follow_token=token)
        .select_related("unit", "queue", "window", "target_window", "item__current")
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def _figures(ticket: Ticket) -> dict:
    """What the ticket page says now; the same for the HTML page and its JSON variant."""
    figures: dict = {
        "ticket": ticket.code,
        "status": ticket.status,
        "status_label": str(ticket.get_status_display()),
        "ahead": None,
        "wait_minutes": None,
        "wait_text": "",
        "window": None,
        "message": "",
        "updated_text": _("updated {time}").format(time=timezone.localtime().strftime("%H:%M:%S")),
    }
    if ticket.status == TicketStatus.WAITING:
        figures["ahead"] = estimates.ahead_of(ticket)
        minutes = estimates.estimated_wait_minutes(ticket, ahead=figures["ahead"])
        figures["wait_minutes"] = minutes
        figures["wait_text"] = (
            _("No window for this queue is open yet.")
            if minutes is None
            else _("about {minutes} min").format(minutes=minutes)
        )
        if ticket.target_window_id:
            figures["message"] = _("You were transferred to window {number} {name}.").format(
                number=ticket.target_window.number, name=ticket.target_window.name
            )
    elif ticket.status in AT_WINDOW and ticket.window_id:
        window = ticket.window
        figures["window"] = {
            "number": window.number,
            "name": window.name,
            "location": window.location,
        }
        if ticket.status == TicketStatus.CALLED:
            text = (
                _("It is your turn: please go to window {number} {name} ({place}).")
                if window.location
                else _("It is your turn: please go to window {number} {name}.")
            )
        else:
            text = (
                _("You are being served at window {number} {name} ({place}).")
                if window.location
                else _("You are being served at window {number} {name}.")
            )
        figures["message"] = text.format(
            number=window.number, name=window.name, place=window.location
        )
    elif ticket.status == TicketStatus.DONE:
        figures["message"] = _("Your service is finished. Thank you.")
    elif ticket.status == TicketStatus.NO_SHOW:
        figures["message"] = _("You were called but did not come. Please ask at the guidance desk.")
    return figures


def ticket(request, token: str):
    row = _ticket_by_token(token)
    url = request.build_absolute_uri(reverse("queueing:ticket", args=[row.follow_token]))
    qr_svg = segno.make(url, error="m").svg_inline(scale=3, title=url, omitsize=True)
    in_kiosk = request.GET.get("kiosk") == "1"
    context = {
        "t": row,
        "f": _figures(row),
        "qr_svg": qr_svg,
        "follow_url": url,
        "paper": _paper(request),
        "papers": PAPERS,
        "in_kiosk": in_kiosk,
        # The kiosk and the staff print; a client following on a phone has nothing to print.
        "can_print": in_kiosk or request.user.is_authenticated,
        "autoprint": in_kiosk and request.GET.get("print") == "1",
        "layout": "queueing/kiosk_base.html" if in_kiosk else "base.html",
        "kiosk_unit": row.unit,
        "json_url": reverse("queueing:ticket-json", args=[row.follow_token]),
        "refresh_seconds": 20,
    }
    return render(request, "queueing/ticket.html", context)


def ticket_json(request, token: str):
    response = JsonResponse(_figures(_ticket_by_token(token)))
    response["Cache-Control"] = "no-store"
    return response
