"""The rectification pages (差评整改): the list (mine; the unit's for the head on duty), a
rectification with a form for its current step, and the supervisor's appeals (申诉复核).

Views stay thin: find the row within the user's reach (404 otherwise), parse the form,
call the action, redirect back with the result or the action's own message.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicehall.ledger.choices import AccessPurpose
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.personal import log_full_view
from servicehall.org.access import require_role
from servicehall.org.choices import Role

from . import actions
from .access import (
    get_rectification_for_user,
    may_decide_appeal,
    may_handle,
    visible_rectifications,
)
from .choices import RUNNING, Classification, RectificationStatus
from .forms import AppealForm, ClassifyForm, ContactForm, DecideForm, FollowUpForm, MeasuresForm

STEP_LABELS = {
    "feedback.rating_submitted": gettext_lazy("The client rated the service"),
    "feedback.rectification_contacted": gettext_lazy("The client was contacted"),
    "feedback.rectification_classified": gettext_lazy("Verified and classified"),
    "feedback.rectification_appealed": gettext_lazy("Appealed to the department above"),
    "feedback.appeal_decided": gettext_lazy("The appeal was decided"),
    "feedback.rectification_measures": gettext_lazy("Measures recorded"),
    "feedback.rectification_followed_up": gettext_lazy("Follow-up call recorded"),
    "feedback.rectification_notice": gettext_lazy("Deadline notice"),
}
LIST_ROLES = (Role.CLERK, Role.HEAD_ON_DUTY, Role.SUPERVISOR)
#: The most rows the list shows, overdue first (the count covers them all).
LIST_MAX = 200


def _list_rows(rows):
    return rows.select_related("unit", "assignee", "rating__window", "rating__item__current")


@login_required
def rectification_list(request):
    """The clerk's own rectifications; the head on duty's whole unit (with a filter for
    their own); overdue ones first, by the indexed deadline."""
    require_role(request.user, *LIST_ROLES)
    if request.user.role == Role.SUPERVISOR:
        return redirect("feedback:appeals")
    rows = visible_rectifications(request.user)
    scope = request.GET.get("scope", "")
    if scope == "mine" or request.user.role == Role.CLERK:
        rows, scope = rows.filter(assignee=request.user), "mine"
    show = request.GET.get("show", "open")
    if show == "open":
        rows = rows.exclude(status__in=(RectificationStatus.CLOSED, RectificationStatus.SET_ASIDE))
    now = timezone.now()
    # Overdue is a query: all of them are counted, not only the rows shown.
    overdue_count = rows.overdue(now).count()
    rows = list(_list_rows(rows).order_by("due_at")[:LIST_MAX])
    for row in rows:
        row.overdue = row.status in RUNNING and row.due_at < now
    context = {
        "rows": rows,
        "scope": scope,
        "show": show,
        "is_head": request.user.role == Role.HEAD_ON_DUTY,
        "overdue_count": overdue_count,
    }
    return render(request, "feedback/rectification_list.html", context)


@login_required
def appeals(request):
    """The supervisor's appeals (申诉复核): those waiting in the units below, then the decided."""
    require_role(request.user, Role.SUPERVISOR)
    rows = _list_rows(visible_rectifications(request.user))
    context = {
        "waiting": list(rows.filter(status=RectificationStatus.APPEALED).order_by("appealed_at")),
        "decided": list(rows.exclude(appeal_decision="").order_by("-appeal_decided_at")[:50]),
    }
    return render(request, "feedback/appeals.html", context)


def _history(row) -> list[dict]:
    """The steps, from the ledger (the memory): the rating's entry and the rectification's."""
    entries = (
        LedgerEntry.objects.filter(unit_id=row.unit_id)
        .filter(
            subject_type__in=("feedback.rectification", "feedback.rating"),
            subject_id__in=(str(row.pk), str(row.rating_id)),
        )
        .order_by("seq")
    )
    steps = []
    for entry in entries:
        if entry.subject_type == "feedback.rating" and entry.subject_id != str(row.rating_id):
            continue
        if entry.subject_type == "feedback.rectification" and entry.subject_id != str(row.pk):
            continue
        data = json.loads(entry.payload)
        state = data.get("state", {})
        steps.append({
            "at": entry.at,
            "event": STEP_LABELS.get(entry.event_type, entry.event_type),
            "staff_no": entry.actor_staff_no,
            "channel": entry.get_channel_display(),
            "round": state.get("round"),
            "satisfied": data.get("satisfied"),
            "seq": entry.seq,
        })  # fmt: skip
    return steps


def _forms(user, row) -> dict:
    forms: dict = {}
    if may_handle(user, row):
        if row.status == RectificationStatus.OPEN:
            forms["contact"] = ContactForm()
            if row.contacted_at:
                if not row.classification:
                    forms["classify"] = ClassifyForm()
                    if not row.appeal_decision:
                        forms["appeal"] = AppealForm()
                elif row.classification != Classification.MISTAKEN:
                    forms["measures"] = MeasuresForm()
        elif row.status == RectificationStatus.FOLLOW_UP:
            forms["follow_up"] = FollowUpForm()
    if row.status == RectificationStatus.APPEALED and may_decide_appeal(user, row.unit):
        forms["decide"] = DecideForm()
    return forms


def _earlier_rounds(row) -> list:
    """The rounds before the current one, with their texts (kept by the follow-up calls;
    the current round's are on the row itself)."""
    staff = ("contacted_by", "classified_by", "measures_by", "appealed_by", "follow_up_by")
    rounds = row.rounds.filter(round__lt=row.round).select_related(*staff, "appeal_decided_by")
    return list(rounds.order_by("round"))


def _context(user, row, *, full_phone: str = "") -> dict:
    return {
        "r": row,
        "rating": row.rating,
        "forms": _forms(user, row),
        "history": _history(row),
        "earlier_rounds": _earlier_rounds(row),
        "overdue": row.status in RUNNING and row.due_at < timezone.now(),
        "may_handle": may_handle(user, row),
        "notices": list(row.notices.order_by("issued_at")),
        "full_phone": full_phone,
    }


@login_required
def rectification(request, pk: int):
    row = get_rectification_for_user(request.user, pk)
    return render(request, "feedback/rectification.html", _context(request.user, row))


@login_required
@require_POST
def show_phone(request, pk: int):
    """The client's full number, for the call (D-10: the view is logged before it is shown)."""
    row = get_rectification_for_user(request.user, pk)
    if not may_handle(request.user, row) or not row.rating.contact_phone_token:
        raise Http404
    log_full_view(
        user=request.user, unit=row.unit, subject_type="feedback.rating",
        subject_id=str(row.rating_id), field="contact_phone", purpose=AccessPurpose.CALLBACK,
    )  # fmt: skip
    context = _context(request.user, row, full_phone=row.rating.contact_phone())
    return render(request, "feedback/rectification.html", context)


def _step(request, row, step: str):
    user = request.user
    if step == "contact":
        form = ContactForm(request.POST)
        if form.is_valid():
            actions.record_contact(user, row, note=form.cleaned_data["note"])
            return _("The contact with the client is recorded."), None
    elif step == "classify":
        form = ClassifyForm(request.POST)
        if form.is_valid():
            actions.classify(user, row, **form.cleaned_data)
            return _("The verification is recorded."), None
    elif step == "appeal":
        form = AppealForm(request.POST)
        if form.is_valid():
            actions.appeal(user, row, reason=form.cleaned_data["reason"])
            return _("The appeal is sent to the department above."), None
    elif step == "measures":
        form = MeasuresForm(request.POST)
        if form.is_valid():
            actions.record_measures(user, row, measures=form.cleaned_data["measures"])
            return _("The measures are recorded; now call the client back."), None
    elif step == "follow-up":
        form = FollowUpForm(request.POST)
        if form.is_valid():
            done = actions.record_follow_up(user, row, **form.cleaned_data)
            if done.status == RectificationStatus.CLOSED:
                return _("The client is satisfied: the rectification is closed."), None
            return _("The client is not satisfied: round {round} starts.").format(
                round=done.round
            ), None
    elif step == "decide":
        form = DecideForm(request.POST)
        if form.is_valid():
            upheld = form.cleaned_data["decision"] == "upheld"
            actions.decide_appeal(user, row, upheld=upheld, note=form.cleaned_data["note"])
            return (_("The appeal is upheld.") if upheld else _("The appeal is rejected.")), None
    else:
        raise Http404
    return None, " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def rectification_step(request, pk: int, step: str):
    row = get_rectification_for_user(request.user, pk)
    try:
        done, problem = _step(request, row, step)
    except actions.FeedbackError as error:
        done, problem = None, " ".join(str(m) for m in error.messages)
    except PermissionDenied as error:
        done, problem = None, str(error) or _("You may not do that.")
    if done:
        messages.success(request, done)
    else:
        messages.error(request, problem)
    return redirect("feedback:rectification", pk=row.pk)
