"""The client's evaluation pages: the rating page of a link or QR code, and the rating pad
at a window (P-W26: the desk asks, the client rates on their own).

A logged-in staff member's browser never submits a rating (P-W26): both pages refuse it.

The pad is a tablet with a device token of kind "rating pad", placed at a window. It is
paired once: someone with the token opens ``/feedback/pad/pair/`` on the tablet and enters
it; the token is kept in an HttpOnly cookie (path /feedback/) and checked on every request,
so revoking the device (administration) stops the pad at once. The pad shows the window's
client being served, then the just-finished visit's five big buttons, then the
dimensions and reasons, then thanks; a small script polls ``pad/state.json`` and reloads
the page when the window's state changes.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from servicehall.cases.models import Case
from servicehall.devices.choices import DeviceKind
from servicehall.devices.models import Device, hash_token
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import Ticket, WindowState

from . import actions, links
from .choices import BadReason, Level, RatingChannel, SubjectKind
from .forms import PairForm, RatingForm
from .models import FeedbackSettings, Rating
from .subjects import Rated, rated_case, rated_visit

PAD_COOKIE = "sh_rating_pad"
PAD_COOKIE_PATH = "/feedback/"
PAD_COOKIE_AGE = 365 * 24 * 3600
#: How long after a service ends its visit stays on the pad.
PAD_SHOWS_FOR = dt.timedelta(minutes=10)
PAD_POLL_SECONDS = 3


def _staff_refused(request, template: str, context: dict) -> HttpResponse:
    context["refused"] = _(
        "Staff cannot submit an evaluation: the client rates on their own, and is never "
        "pressed (P-W26). Log out, or let the client use their own phone or the rating pad."
    )
    return render(request, template, context, status=403)


def _error_text(error) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(str(m) for messages in error.message_dict.values() for m in messages)
    if hasattr(error, "messages"):
        return " ".join(str(m) for m in error.messages)
    return str(error)


def _apply_errors(form, error) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            name = field if field in form.fields else None
            if field == "dimensions":
                name = None
            for message in messages:
                form.add_error(name, message)
    else:
        form.add_error(None, _error_text(error))


def _submit(request, form: RatingForm, rated: Rated, *, channel: str, device=None) -> Rating | None:
    """Call the action with the form's data; on refusal put its message on the form."""
    try:
        return actions.submit_rating(
            request.user, rated, channel=channel, level=form.cleaned_data["level"],
            dimensions=form.dimensions(), reasons=form.cleaned_data["reasons"],
            comment=form.cleaned_data["comment"],
            contact_phone=form.cleaned_data["contact_phone"], device=device,
        )  # fmt: skip
    except actions.FeedbackError as error:
        _apply_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error))
    return None


def _summary(rated: Rated) -> dict:
    """What the client is shown of the service they rate."""
    from servicehall.catalogue.models import ServiceItem
    from servicehall.org.models import Unit, Window

    item = ServiceItem.objects.select_related("current").filter(pk=rated.item_id).first()
    return {
        "unit": Unit.objects.get(pk=rated.unit_id),
        "window": Window.objects.filter(pk=rated.window_id).first(),
        "staff_no": rated.staff_no,
        "item": (item.current.name if item and item.current_id else "") if item else "",
        "kind": SubjectKind(rated.kind).label,
        "label": rated.ticket.code if rated.ticket is not None else rated.case.number,
    }


# --- links ---------------------------------------------------------------------------------


def link_for_ticket(ticket: Ticket) -> str:
    """The token of a finished visit's link, valid for the unit's days after the finish."""
    days = FeedbackSettings.for_unit(ticket.unit_id).link_valid_days
    return links.make_token(SubjectKind.VISIT, ticket.pk, links.expiry(ticket.finished_at, days))


def link_for_case(case: Case) -> str:
    """The token of a case's link (on the receipt), valid from acceptance (or receipt)."""
    days = FeedbackSettings.for_unit(case.unit_id).link_valid_days
    start = case.accepted_at or case.received_at
    return links.make_token(SubjectKind.CASE, case.pk, links.expiry(start, days))


def _subject_of_link(claim: links.LinkClaim) -> Rated:
    if claim.kind == SubjectKind.VISIT:
        ticket = Ticket.objects.select_related("clerk").filter(pk=claim.pk).first()
        if ticket is None:
            raise Http404
        return rated_visit(ticket)
    case = Case.objects.select_related("handler", "version", "ticket").filter(pk=claim.pk).first()
    if case is None:
        raise Http404
    return rated_case(case)


def _already(rated: Rated) -> bool:
    if rated.ticket is not None:
        return Rating.objects.filter(ticket=rated.ticket).exists()
    return Rating.objects.filter(case=rated.case).exists()


@require_http_methods(["GET", "POST"])
def rate(request, token: str):
    """The rating page of a link or QR code: refused when the link is altered, expired or
    already used (one rating per visit or case)."""
    template = "feedback/rate.html"
    try:
        claim = links.read_token(token)
    except links.BadLink:
        return render(
            request, template, {"closed": _("This evaluation link is not valid.")}, status=404
        )
    if claim.expires_at <= timezone.now():
        closed = _(
            "This evaluation link expired on {date}. Thank you all the same: you can still "
            "tell us through the supervision hotline (P-W24)."
        ).format(date=timezone.localtime(claim.expires_at).strftime("%Y-%m-%d"))
        return render(request, template, {"closed": closed}, status=410)
    rated = _subject_of_link(claim)
    context = {"summary": _summary(rated), "token": token}
    if _already(rated):
        context["closed"] = _(
            "This evaluation link has already been used: each visit or case is rated once."
        )
        return render(request, template, context, status=410)
    if request.user.is_authenticated:
        return _staff_refused(request, template, context)
    if rated.not_ready:
        context["closed"] = rated.not_ready
        return render(request, template, context, status=409)
    form = RatingForm(request.POST or None, mode=rated.mode)
    if request.method == "POST" and form.is_valid():
        if _submit(request, form, rated, channel=RatingChannel.PORTAL) is not None:
            return render(request, template, {**context, "thanks": True})
    context.update(form=form, bad_levels=[Level.DISSATISFIED, Level.VERY_DISSATISFIED])
    return render(request, template, context, status=400 if form.errors else 200)


def rate_visit(request, follow_token: str):
    """From the client's ticket page: the visit's evaluation link (expiry counted from the
    finish, so coming back never extends it)."""
    ticket = Ticket.objects.filter(follow_token=follow_token).first()
    if ticket is None:
        raise Http404
    if ticket.status != TicketStatus.DONE:
        return redirect("queueing:ticket", token=follow_token)
    return redirect("feedback:rate", token=link_for_ticket(ticket))


# --- the rating pad -------------------------------------------------------------------------


def pad_device(request) -> Device | None:
    """The active rating pad whose token the browser's cookie holds."""
    token = request.COOKIES.get(PAD_COOKIE, "")
    if not token:
        return None
    return (
        Device.objects.select_related("window", "unit")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True, kind=DeviceKind.RATING_PAD)
        .first()
    )


@require_http_methods(["GET", "POST"])
def pad_pair(request):
    """Pair this browser as a rating pad: the device token is entered once and kept in an
    HttpOnly cookie. Pairing changes no business row and writes no ledger entry."""
    form = PairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        device = (
            Device.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True)
            .select_related("window")
            .first()
        )
        if device is None or device.kind != DeviceKind.RATING_PAD:
            form.add_error("token", _("This is not the token of an active rating pad."))
        elif device.window_id is None:
            form.add_error("token", _("This rating pad is not placed at a window."))
        else:
            response = redirect("feedback:pad")
            response.set_cookie(
                PAD_COOKIE, token, max_age=PAD_COOKIE_AGE, path=PAD_COOKIE_PATH, httponly=True,
                samesite="Strict", secure=settings.SESSION_COOKIE_SECURE,
            )  # fmt: skip
            return response
    return render(
        request, "feedback/pad_pair.html", {"form": form}, status=400 if form.errors else 200
    )


@require_POST
def pad_unpair(request):
    response = redirect("feedback:pad-pair")
    response.delete_cookie(PAD_COOKIE, path=PAD_COOKIE_PATH)
    return response


def _pad_scene(device: Device) -> dict:
    """What the pad shows now: the client at the window, the visit to rate, or nothing."""
    window = device.window
    state = WindowState.objects.select_related("clerk", "current").filter(window=window).first()
    current = state.current if state and state.current_id else None
    if current is not None and current.status in (TicketStatus.CALLED, TicketStatus.SERVING):
        return {"mode": "serving", "ticket": current, "clerk": state.clerk, "key": f"s{current.pk}"}
    since = timezone.now() - PAD_SHOWS_FOR
    ticket = (
        Ticket.objects.filter(window=window, status=TicketStatus.DONE, finished_at__gte=since)
        .select_related("clerk", "item__current")
        .order_by("-finished_at")
        .first()
    )
    if ticket is not None and not Rating.objects.filter(ticket=ticket).exists():
        return {"mode": "rate", "ticket": ticket, "clerk": ticket.clerk, "key": f"r{ticket.pk}"}
    clerk = state.clerk if state and state.clerk_id else None
    return {"mode": "idle", "ticket": None, "clerk": clerk, "key": "idle"}


def _pad_context(device: Device, scene: dict) -> dict:
    return {
        "device": device,
        "window": device.window,
        "scene": scene,
        "poll_seconds": PAD_POLL_SECONDS,
        "levels": [(value, label) for value, label in Level.choices],
        "reasons": BadReason.choices,
    }


def _pad_or_pair(request):
    device = pad_device(request)
    if device is None or device.window_id is None:
        return None, redirect("feedback:pad-pair")
    return device, None


def pad(request):
    """The pad's page for the current scene; ``?level=N`` is the second step (dimensions,
    reasons), ``?thanks=1`` the last."""
    device, away = _pad_or_pair(request)
    if away:
        return away
    scene = _pad_scene(device)
    context = _pad_context(device, scene)
    if request.user.is_authenticated:
        return _staff_refused(request, "feedback/pad.html", context)
    context["thanks"] = request.GET.get("thanks") == "1"
    level = request.GET.get("level", "")
    if scene["mode"] == "rate" and level in {"1", "2", "3", "4", "5"} and not context["thanks"]:
        ticket = scene["ticket"]
        context["form"] = RatingForm(initial={"level": level}, mode=rated_visit(ticket).mode)
        context["level"] = int(level)
    return render(request, "feedback/pad.html", context)


def pad_state(request):
    """What the pad's script polls: the scene's key; a change reloads the page."""
    device = pad_device(request)
    if device is None or device.window_id is None:
        return JsonResponse({"paired": False}, status=401)
    scene = _pad_scene(device)
    response = JsonResponse({"paired": True, "mode": scene["mode"], "key": scene["key"]})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def pad_rate(request):
    """The pad submits the rating of the visit it shows."""
    device, away = _pad_or_pair(request)
    if away:
        return away
    scene = _pad_scene(device)
    context = _pad_context(device, scene)
    if request.user.is_authenticated:
        return _staff_refused(request, "feedback/pad.html", context)
    ticket = scene["ticket"] if scene["mode"] == "rate" else None
    if ticket is None or request.POST.get("ticket") != str(ticket.pk):
        # The window has moved on (the next client is called): nothing to rate here now.
        return redirect("feedback:pad")
    rated = rated_visit(ticket)
    form = RatingForm(request.POST, mode=rated.mode)
    if form.is_valid() and _submit(request, form, rated, channel=RatingChannel.PAD, device=device):
        return redirect(f"{reverse('feedback:pad')}?thanks=1")
    context["form"] = form
    context["level"] = form.cleaned_data.get("level") if hasattr(form, "cleaned_data") else None
    return render(request, "feedback/pad.html", context, status=400)
