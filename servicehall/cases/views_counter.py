"""Opening a case at the counter (受理, N-5.3): from the ticket called to the clerk's window,
or by phone without a ticket.

Step one picks the service item (the ticket's, when it names one); step two takes the
applicant, the materials received and the clerk's decision: accept (the receipt follows),
ask for corrections with the one-time notice of everything missing (N-5.6c), or refuse
with the rule and an explanation (N-2.1, N-5.3). The view only parses and calls the
action; a refused action shows its own error and nothing is written. A clerk whose post
does not cover acceptance of the item is offered the escalation instead (N-3.4, D-08).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from servicehall.catalogue.choices import ServiceChannel
from servicehall.norms.phrases import prompts
from servicehall.org.choices import CaseStage
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import Ticket

from . import actions
from .forms import EscalateForm, ItemPickForm, OpenCaseForm, attach_error, current_versions
from .worklists import authority, is_counter_staff


def require_counter_staff(user) -> None:
    if not is_counter_staff(user):
        raise PermissionDenied


def _ticket(user, value: str) -> Ticket | None:
    """The ticket called to this clerk's window (404 for any other ticket)."""
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    ticket = (
        Ticket.objects.filter(
            pk=int(value), unit_id=user.unit_id, clerk=user,
            status__in=[TicketStatus.CALLED, TicketStatus.SERVING],
        )
        .select_related("item__current", "window")
        .first()
    )  # fmt: skip
    if ticket is None:
        raise Http404
    return ticket


def _version(request, ticket: Ticket | None):
    """The version chosen (``?version=``), else the ticket's item's version in force."""
    value = request.GET.get("version", "")
    if value.isdigit():
        version = current_versions().filter(pk=int(value)).first()
        if version is None:
            raise Http404
        return version
    if ticket is not None and ticket.item_id and ticket.item.current_id:
        return current_versions().filter(pk=ticket.item.current_id).first()
    return None


def _query(ticket, version, channel: str = "") -> str:
    params = {}
    if ticket is not None:
        params["ticket"] = ticket.pk
    if version is not None:
        params["version"] = version.pk
    if channel:
        params["channel"] = channel
    return "?" + urlencode(params) if params else ""


def _decide(request, form: OpenCaseForm, decision: str):
    """Call the action the pressed button names; the new case."""
    data = form.cleaned_data
    common = {
        "version": form.version, "applicant": form.applicant(), "channel": data["channel"],
        "received": form.received(), "ticket": form.ticket,
    }  # fmt: skip
    if decision == "refuse":
        return actions.refuse_acceptance(
            request.user, rule=data["rule"], explanation=data["explanation"], **common
        )
    common |= {
        "not_applicable": form.spared(), "green_reason": data["green_reason"],
        "agent": data["agent"],
    }  # fmt: skip
    if decision == "correct":
        return actions.request_correction(
            request.user, return_place=data["return_place"], notes=data["notes"], **common
        )
    return actions.accept(request.user, **common)


DONE = {
    "accept": gettext_lazy("Case {number} accepted. Print the acceptance receipt for the client."),
    "correct": gettext_lazy(
        "Case {number} waits for corrections. Give the client the one-time notice."
    ),
    "refuse": gettext_lazy(
        "Case {number} not accepted. The client is told the rule and the reason."
    ),
}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def open_case(request):
    user = request.user
    require_counter_staff(user)
    ticket = _ticket(user, request.GET.get("ticket", ""))
    version = _version(request, ticket)
    pick = ItemPickForm(initial={"version": version})
    context = {"ticket": ticket, "version": version, "pick": pick}
    if version is None:
        return render(request, "cases/open.html", context)
    power = authority(user, item=version.item, stage=CaseStage.ACCEPT)
    channel = request.GET.get("channel", "")
    if ticket is None and channel not in version.channels:
        channel = ServiceChannel.VOICE if ServiceChannel.VOICE in version.channels else ""
    unit = user.unit
    initial = {"channel": channel, "return_place": f"{unit.name} {unit.address}".strip()}
    form = OpenCaseForm(
        request.POST if request.method == "POST" else None, user=user, version=version,
        ticket=ticket, initial=initial,
    )  # fmt: skip
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in OpenCaseForm.DECISIONS:
            form.add_error(None, _("Choose accept, ask for corrections or do not accept."))
        elif form.is_valid():
            try:
                case = _decide(request, form, decision)
            except (ValidationError, PermissionDenied) as error:
                attach_error(form, error)
            else:
                messages.success(request, str(DONE[decision]).format(number=case.number))
                return redirect("cases:case", number=case.number)
    context |= {
        "form": form,
        "power": power,
        "escalate_form": EscalateForm(),
        "query": _query(ticket, version, channel),
        "materials": form.listed,
        "prompts": prompts(
            [("P-W04", _("Before entering the applicant: ask for the ID document."), {})]
        ),
    }
    return render(request, "cases/open.html", context, status=200)


@login_required
@require_POST
def open_escalate(request):
    """请示 (N-3.4): ask the head on duty to let me accept one case of this item."""
    user = request.user
    require_counter_staff(user)
    ticket = _ticket(user, request.GET.get("ticket", ""))
    version = _version(request, ticket)
    if version is None:
        raise Http404
    form = EscalateForm(request.POST)
    target = reverse("cases:open") + _query(ticket, version, request.GET.get("channel", ""))
    if not form.is_valid():
        messages.error(request, _("Say why you need to act beyond your post."))
        return redirect(target)
    try:
        actions.escalate(user, reason=form.cleaned_data["reason"], version=version)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(_messages(error)))
    else:
        messages.success(
            request, _("Escalation sent to the head on duty. This page opens when approved.")
        )
    return redirect(target)


def _messages(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(message) for message in error.messages]
    return [str(error) or _("You may not do that.")]
