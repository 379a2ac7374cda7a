"""The public pages (N-6.1): the online complaint and suggestion form, and tracking.

The form asks for no captcha: submissions are counted per client address, and after
``MAX_SUBMISSIONS`` within ``SUBMIT_WINDOW`` seconds the address must wait. Tracking needs
the tracking number and the secret code; failed attempts are counted per address as in the
cases' progress lookup (``cases/views_lookup.py``), and one answer covers every miss. The
tracking page shows no personal data: no name, no number, no staff member's name.

The counts live in Django's cache (per process with the default local-memory cache; point
``CACHES`` at a shared cache when several processes serve the portal).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from servicehall.lib.ratelimit import AddressLimit, client_address

from . import actions
from .choices import Channel, Step
from .forms import OnlineForm, TrackForm
from .models import Complaint

MAX_SUBMISSIONS = 5
SUBMIT_WINDOW = 60 * 60  # seconds
MAX_FAILURES = 10
WINDOW = 10 * 60
BLOCK = 10 * 60

TOO_MANY_SUBMISSIONS = _(
    "Many submissions came from this connection in the last hour. Please try again later, "
    "call the supervision hotline, or use the suggestion box in the hall."
)
NOT_FOUND = _(
    "No complaint matches this tracking number and secret code. Please check both and try again."
)
TOO_MANY = _("Too many attempts failed from this connection. Please try again in 10 minutes.")


SUBMISSIONS = AddressLimit("complaints-submit", MAX_SUBMISSIONS, SUBMIT_WINDOW)
TRACK_FAILURES = AddressLimit("complaints-track", MAX_FAILURES, WINDOW, block=BLOCK)


@never_cache
@require_http_methods(["GET", "POST"])
def new(request):
    """The online form (网络投诉); anonymous allowed. The result page shows the tracking
    number and the secret code once; neither is put into a URL."""
    client = client_address(request)
    if request.method == "GET":
        form = OnlineForm(initial={"kind": "complaint", "unit": request.GET.get("unit")})
        return render(request, "complaints/new.html", {"form": form})
    form = OnlineForm(request.POST)
    if SUBMISSIONS.refused(client):
        form.add_error(None, TOO_MANY_SUBMISSIONS)
        return render(request, "complaints/new.html", {"form": form}, status=429)
    if form.is_valid():
        data = form.cleaned_data
        intake = actions.Intake(
            unit=data["unit"], channel=Channel.ONLINE, kind=data["kind"],
            content=data["content"], anonymous=data["anonymous"], name=data["name"],
            phone=data["phone"], id_number=data["id_number"], clause=data["clause"],
            staff_no=data["staff_no"],
        )  # fmt: skip
        try:
            complaint, code = actions.submit_online(intake)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            SUBMISSIONS.count(client)
            return render(
                request, "complaints/submitted.html",
                {"complaint": complaint, "code": code, "online": True},
            )  # fmt: skip
    return render(request, "complaints/new.html", {"form": form})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _taken(complaint: Complaint) -> dict | None:
    """Where a complaint referred to a unit of the system stands there, once taken: its
    number, step and reply, nothing of who handles it."""
    taken = complaint.taken_there()
    if taken is None:
        return None
    return {
        "number": taken.number,
        "unit": taken.unit.name,
        "step_label": taken.get_step_display(),
        "due_at": taken.step_due_at,
        "replied_at": taken.replied_at,
        "reply": taken.reply if taken.replied_at else "",
        "reply_method": taken.get_reply_method_display() if taken.replied_at else "",
    }


def progress(complaint: Complaint) -> dict:
    """Everything the complainant may see of the complaint, and nothing more; for one
    referred to a unit of the system, where it stands there."""
    in_system = complaint.step == Step.REFERRED and complaint.referred_to_unit_id is not None
    taken = _taken(complaint) if in_system else None
    return {
        "number": complaint.number,
        "unit": complaint.unit.name,
        "kind": complaint.get_kind_display(),
        "channel": complaint.get_channel_display(),
        "step": complaint.step,
        "step_label": complaint.get_step_display(),
        "received_at": complaint.received_at,
        "accepted_at": complaint.accepted_at,
        "investigated_at": complaint.investigated_at,
        "handled_at": complaint.handled_at,
        "replied_at": complaint.replied_at,
        "archived_at": complaint.archived_at,
        "due_at": complaint.step_due_at,
        "reply": complaint.reply if complaint.replied_at else "",
        "reply_method": complaint.get_reply_method_display() if complaint.replied_at else "",
        "closed_reason": complaint.closed_reason
        if complaint.step in (Step.NOT_ACCEPTED, Step.REFERRED)
        else "",
        "referred_to": complaint.referred_to_name,
        "taken": taken,
        "waiting_to_be_taken": in_system and taken is None,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """Follow a complaint with its tracking number and secret code."""
    if request.method == "GET":
        form = TrackForm(initial={"number": request.GET.get("number", "")[:40]})
        return render(request, "complaints/track.html", {"form": form})
    form = TrackForm(request.POST)
    client = client_address(request)
    if TRACK_FAILURES.refused(client):
        form.add_error(None, TOO_MANY)
        return render(request, "complaints/track.html", {"form": form}, status=429)
    found = None
    if form.is_valid():
        number = "".join(form.cleaned_data["number"].split()).upper()
        complaint = Complaint.objects.select_related("unit").filter(number=number).first()
        if complaint is not None and complaint.matches_code(form.cleaned_data["code"]):
            found = progress(complaint)
        else:
            TRACK_FAILURES.count(client)
            form.add_error(None, NOT_FOUND)
    return render(request, "complaints/track.html", {"form": form, "progress": found})
