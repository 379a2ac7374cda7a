"""The case page (办件) for the counter staff of the case's unit, its action forms, the full
view of a personal number (D-10) and the head on duty's decision on an escalation (N-3.4).

The page shows the item, the stage, the applicant masked (invariant 9), the materials, the
first-contact owner (N-5.6a) and the agent (N-5.6b), the handling clerk, the deadlines with
their working-day countdown and cards (N-5.6d), the escalations and the history read from
the ledger. It offers the forms of the actions the case's stage allows to this user; when
the user's post does not cover the stage it offers the escalation instead (D-08). Each
form posts to ``case_action``, which calls the action and redirects back (PRG) with a
message, or shows the page again with the action's error on the form; nothing is written
then. Anyone but the counter staff of the case's unit gets a 404.

An application submitted online and waiting for acceptance (N-1.2) shows what the client
declared and its acceptance deadline (N-5.4), and offers the take form: the materials
actually received, then accept, ask for corrections or do not accept (``take``), the same
actions as at the counter with ``case=``; the clerk who takes it owns it (N-5.6a).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.personal import log_full_view
from servicehall.norms.phrases import Prompt, prompts
from servicehall.org.calendar import calendar_for

from . import actions, deadlines
from .choices import ACTIVE_STAGES, AUTHORITY, CARD_COLOURS, RUNNING_STAGES, Stage
from .forms import (
    CompleteForm,
    DecisionForm,
    EscalateForm,
    FirstReviewForm,
    FullViewForm,
    HandOverForm,
    RefuseCorrectionForm,
    ResumeForm,
    SecondReviewForm,
    SendBackForm,
    TakeForm,
    attach_error,
)
from .models import Case, Escalation
from .worklists import authority, countdown, is_counter_staff, is_head

EVENTS = {
    "cases.submitted_online": gettext_lazy("Submitted online by the client"),
    "cases.accepted": gettext_lazy("Accepted (受理)"),
    "cases.correction_requested": gettext_lazy("Corrections asked for (one-time notice)"),
    "cases.acceptance_refused": gettext_lazy("Not accepted (不予受理)"),
    "cases.resumed": gettext_lazy("Corrected materials received"),
    "cases.first_reviewed": gettext_lazy("First review passed"),
    "cases.second_reviewed": gettext_lazy("Second review passed"),
    "cases.sent_back": gettext_lazy("Sent back to an earlier stage"),
    "cases.completed": gettext_lazy("Completed (办结)"),
    "cases.escalated": gettext_lazy("Escalation sent (请示)"),
    "cases.escalation_decided": gettext_lazy("Escalation decided"),
    "cases.handed_over": gettext_lazy("Handed over (首问负责)"),
    "cases.deadline_card": gettext_lazy("Deadline card"),
}


# --- access ---------------------------------------------------------------------------------


def case_for(user, number: str) -> Case:
    """The case of the user's own unit, with what the page shows; 404 for anyone else, so
    that the page does not confirm another unit's case exists."""
    if not is_counter_staff(user):
        raise Http404
    case = (
        Case.objects.filter(number=number, unit_id=user.unit_id)
        .select_related(
            "unit", "version__item", "applicant", "owner", "agent", "handler", "accepted_by",
            "first_reviewed_by", "second_reviewed_by", "completed_by", "ticket",
        )
        .first()
    )  # fmt: skip
    if case is None:
        raise Http404
    return case


# --- the page -------------------------------------------------------------------------------


def _history(case: Case, escalations, cards) -> list[dict]:
    subjects = Q(subject_type="cases.case", subject_id=str(case.pk))
    if escalations:
        subjects |= Q(
            subject_type="cases.escalation", subject_id__in=[str(row.pk) for row in escalations]
        )
    if cards:
        subjects |= Q(
            subject_type="cases.deadlinecard", subject_id__in=[str(row.pk) for row in cards]
        )
    rows = []
    entries = (
        LedgerEntry.objects.filter(subjects, unit_id=case.unit_id)
        .only("seq", "at", "actor_staff_no", "event_type", "payload", "channel")
        .order_by("seq")
    )
    for entry in entries:
        payload = json.loads(entry.payload)
        detail = payload.get("reason") or ""
        if entry.event_type == "cases.sent_back":
            detail = "{} → {}: {}".format(
                Stage(payload["from"]).label, Stage(payload["to"]).label, detail
            )
        if payload.get("notice"):
            detail = f"{detail} {_('One-time notice')} {payload['notice']}".strip()
        if entry.event_type == "cases.completed":
            detail = str(_("Approved") if payload.get("approved") else _("Refused"))
        rows.append(
            {
                "seq": entry.seq,
                "at": entry.at,
                "staff_no": entry.actor_staff_no or _("system"),
                "event": EVENTS.get(entry.event_type, entry.event_type),
                "detail": detail,
            }
        )
    return rows


def _earlier(case: Case) -> list[str]:
    path = deadlines.path_of(case.version)
    return [Stage.CORRECTION, *path[: path.index(case.stage)]]


def _forms(request, case: Case, listed, missing) -> dict:
    """The unbound forms of the actions the stage offers this user."""
    user = request.user
    forms: dict = {}
    stage = case.stage
    if stage == Stage.SUBMITTED:
        # The client's declaration is where the clerk starts; the originals decide.
        unit = case.unit
        forms["take"] = TakeForm(
            user=user, listed=listed, prefix="take",
            initial={
                "materials": [str(pk) for pk in case.materials.values_list("pk", flat=True)],
                "not_applicable": [
                    str(pk) for pk in case.materials_not_applicable.values_list("pk", flat=True)
                ],
                "return_place": f"{unit.name} {unit.address}".strip(),
            },
        )  # fmt: skip
    elif stage == Stage.CORRECTION:
        forms["resume"] = ResumeForm(missing=missing, prefix="resume")
        if case.accepted_at is None:
            forms["refuse"] = RefuseCorrectionForm(prefix="refuse")
    elif stage == Stage.FIRST_REVIEW:
        forms["first-review"] = FirstReviewForm(listed=listed, prefix="first_review")
    elif stage == Stage.SECOND_REVIEW:
        forms["second-review"] = SecondReviewForm(prefix="second_review")
        forms["send-back"] = SendBackForm(stages=_earlier(case), listed=listed, prefix="send_back")
    elif stage == Stage.COMPLETION:
        forms["complete"] = CompleteForm(prefix="complete")
        forms["send-back"] = SendBackForm(stages=_earlier(case), listed=listed, prefix="send_back")
    taken = stage in ACTIVE_STAGES and stage != Stage.SUBMITTED
    if taken and (user.pk == case.owner_id or is_head(user)):
        forms["hand-over"] = HandOverForm(user=user, case=case, prefix="hand_over")
    return forms


def _prompts(case: Case, missing: list, power) -> list[Prompt]:
    """The standard phrases (附件3) for where the case stands, to say to the client."""
    wanted: list[tuple[str, str, dict]] = []
    if case.stage == Stage.CORRECTION and missing:
        names = "、".join(material.name for material in missing)
        moment = _("Corrections asked: everything missing, told at once (N-5.6c).")
        wanted.append(("P-W19", moment, {"materials": names}))
    if case.stage in RUNNING_STAGES and case.promised_date:
        wanted.append(("P-W14", _("Accepted: hand back the originals with the receipt."), {}))
        promised = case.promised_date
        wanted.append(
            ("P-W16", _("Tell the client the promised completion date (N-5.6d)."),
             {"month": str(promised.month), "day": str(promised.day)})
        )  # fmt: skip
    if case.stage == Stage.COMPLETED_APPROVED:
        wanted.append(("P-W13", _("Completed: let the client check the result."), {}))
    # With the client at the counter (bringing materials, or taking an online application):
    # a clerk beyond their post asks the head on duty while the client waits.
    client_here = case.stage in (Stage.CORRECTION, Stage.SUBMITTED)
    if client_here and power is not None and not power.may_act:
        moment = _("Beyond your post: the client waits while you ask the head on duty (N-3.4).")
        wanted.append(("P-W12", moment, {}))
    return prompts(wanted)


def case_context(request, case: Case, *, bound: tuple[str, object] | None = None) -> dict:
    user = request.user
    now = timezone.now()
    listed = list(case.version.materials.order_by("order", "pk"))
    received = set(case.materials.values_list("pk", flat=True))
    spared = set(case.materials_not_applicable.values_list("pk", flat=True))
    materials = [
        {
            "material": material,
            "state": "received"
            if material.pk in received
            else "not_applicable"
            if material.pk in spared
            else "missing",
        }
        for material in listed
    ]
    missing = [row["material"] for row in materials if row["state"] == "missing"]
    escalations = list(case.escalations.select_related("requested_by", "decided_by"))
    cards = list(case.cards.all())
    active = case.stage in ACTIVE_STAGES
    power = None
    if active:
        power = authority(user, item=case.version.item, stage=AUTHORITY[case.stage], case=case)
    forms = _forms(request, case, listed, missing) if active else {}
    if bound is not None:
        forms[bound[0]] = bound[1]
    reviewer_blocked = case.stage == Stage.SECOND_REVIEW and user.pk in (
        case.first_reviewed_by_id,
        case.accepted_by_id,
    )
    waiting = case.stage == Stage.SUBMITTED
    calendar = calendar_for(case.unit) if case.stage in RUNNING_STAGES or waiting else None
    return {
        "case": case,
        "item": case.version,
        "materials": materials,
        "notices": list(case.notices.order_by("at")),
        "escalations": escalations,
        "cards": [(card, CARD_COLOURS[card.level]) for card in cards],
        "history": _history(case, escalations, cards),
        "power": power,
        "forms": forms,
        "escalate_form": bound[1]
        if bound and bound[0] == "escalate"
        else EscalateForm(prefix="escalate"),
        "reviewer_blocked": reviewer_blocked,
        "case_countdown": countdown(calendar, now, case.due_at, case.yellow_at)
        if calendar and not waiting
        else None,
        # N-5.4: an online application is taken within its acceptance deadline.
        "accept_countdown": countdown(calendar, now, case.accept_due_at, None) if waiting else None,
        "stage_countdown": countdown(calendar, now, case.stage_due_at, case.stage_yellow_at)
        if calendar
        else None,
        "is_head": is_head(user),
        "full_view_form": FullViewForm() if is_head(user) else None,
        "receipt": case.accepted_at is not None,
        "prompts": _prompts(case, missing, power),
    }


@never_cache
@login_required
def case_page(request, number: str):
    case = case_for(request.user, number)
    return render(request, "cases/case.html", case_context(request, case))


# --- the actions ----------------------------------------------------------------------------


class Invalid(Exception):
    """The form did not validate: show it again with its errors."""

    def __init__(self, form) -> None:
        super().__init__("invalid form")
        self.form = form


def _valid(form):
    if not form.is_valid():
        raise Invalid(form)
    return form.cleaned_data


def _resume(request, case):
    missing = list(
        case.version.materials.exclude(pk__in=case.materials.all())
        .exclude(pk__in=case.materials_not_applicable.all())
        .order_by("order", "pk")
    )
    form = ResumeForm(request.POST, missing=missing, prefix="resume")
    _valid(form)
    return form, lambda: actions.resume(request.user, case, received=form.materials())


def _refuse(request, case):
    form = RefuseCorrectionForm(request.POST, prefix="refuse")
    data = _valid(form)
    return form, lambda: actions.refuse_acceptance(
        request.user, case=case, rule=data["rule"], explanation=data["explanation"]
    )


def _first_review(request, case):
    form = FirstReviewForm(
        request.POST, listed=list(case.version.materials.order_by("order")), prefix="first_review"
    )
    data = _valid(form)
    passed = request.POST.get("outcome") != "back"
    return form, lambda: actions.first_review(
        request.user, case, passed=passed, note=data["note"],
        missing=form.missing_materials() if not passed else (),
        return_place=data["return_place"],
    )  # fmt: skip


def _second_review(request, case):
    form = SecondReviewForm(request.POST, prefix="second_review")
    data = _valid(form)
    passed = request.POST.get("outcome") != "back"
    return form, lambda: actions.second_review(request.user, case, passed=passed, note=data["note"])


def _complete(request, case):
    form = CompleteForm(request.POST, prefix="complete")
    data = _valid(form)
    approved = request.POST.get("outcome") != "refuse"
    return form, lambda: actions.complete(
        request.user, case, approved=approved, rule=data["rule"], reason=data["reason"]
    )


def _send_back(request, case):
    stages = _earlier(case) if case.stage in RUNNING_STAGES else []
    form = SendBackForm(
        request.POST,
        stages=stages,
        listed=list(case.version.materials.order_by("order")),
        prefix="send_back",
    )
    data = _valid(form)
    return form, lambda: actions.send_back(
        request.user, case, to_stage=data["to_stage"], reason=data["reason"],
        missing=form.missing_materials(), return_place=data["return_place"],
    )  # fmt: skip


def _hand_over(request, case):
    form = HandOverForm(request.POST, user=request.user, case=case, prefix="hand_over")
    data = _valid(form)
    return form, lambda: actions.hand_over(request.user, case, to=data["to"], reason=data["reason"])


def _take(request, case):
    """An online application: accept, ask for corrections or do not accept it."""
    form = TakeForm(
        request.POST, user=request.user, listed=list(case.version.materials.order_by("order")),
        prefix="take",
    )  # fmt: skip
    data = _valid(form)
    decision = request.POST.get("decision", "")
    user = request.user
    if decision == "refuse":
        return form, lambda: actions.refuse_acceptance(
            user, case=case, rule=data["rule"], explanation=data["explanation"]
        )
    common = {
        "case": case, "received": form.received(), "not_applicable": form.spared(),
        "green_reason": data["green_reason"], "agent": data["agent"],
    }  # fmt: skip
    if decision == "correct":
        return form, lambda: actions.request_correction(
            user, return_place=data["return_place"], notes=data["notes"], **common
        )
    if decision != "accept":
        form.add_error(None, _("Choose accept, ask for corrections or do not accept."))
        raise Invalid(form)
    return form, lambda: actions.accept(user, **common)


def _escalate(request, case):
    form = EscalateForm(request.POST, prefix="escalate")
    data = _valid(form)
    return form, lambda: actions.escalate(request.user, reason=data["reason"], case=case)


CASE_ACTIONS = {
    "take": (
        _take,
        {
            "accept": gettext_lazy("Accepted. Print the acceptance receipt for the client."),
            "correct": gettext_lazy(
                "Waiting for corrections. Give the client the one-time notice."
            ),
            "refuse": gettext_lazy("Not accepted. The client is told the rule and the reason."),
        },
    ),
    "resume": (_resume, gettext_lazy("Corrected materials received: the clock runs.")),
    "refuse": (_refuse, gettext_lazy("The case is not accepted; the client is told why.")),
    "first-review": (_first_review, gettext_lazy("First review recorded.")),
    "second-review": (_second_review, gettext_lazy("Second review recorded.")),
    "complete": (_complete, gettext_lazy("The case is completed.")),
    "send-back": (_send_back, gettext_lazy("The case went back, with the reason.")),
    "hand-over": (_hand_over, gettext_lazy("The case is handed over.")),
    "escalate": (
        _escalate,
        gettext_lazy("Escalation sent to the head on duty. You can act once it is approved."),
    ),
}


@login_required
@require_POST
def case_action(request, number: str, action: str):
    """One form of the case page: the action, then back to the page (PRG) with a message;
    or the page again with the action's error on the form, nothing written."""
    case = case_for(request.user, number)
    if action not in CASE_ACTIONS:
        raise Http404
    parse, done = CASE_ACTIONS[action]
    form = None
    try:
        form, perform = parse(request, case)
        perform()
    except Invalid as invalid:
        form = invalid.form
    except (ValidationError, PermissionDenied) as error:
        attach_error(form, error)
    else:
        if isinstance(done, dict):  # the message of the decision taken
            done = done[request.POST.get("decision", "")]
        messages.success(request, str(done))
        return redirect("cases:case", number=case.number)
    case = case_for(request.user, number)
    context = case_context(request, case, bound=(action, form))
    context["failed"] = action
    context["failed_errors"] = form.non_field_errors() if form is not None else ""
    return render(request, "cases/case.html", context)


# --- personal data --------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def full_view(request, number: str):
    """The head on duty sees one full number, with a purpose; logged first (D-10)."""
    case = case_for(request.user, number)
    if not is_head(request.user):
        raise PermissionDenied
    form = FullViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose which number and why you need it in full."))
        return redirect("cases:case", number=case.number)
    field = form.cleaned_data["field"]
    log_full_view(
        user=request.user, unit=case.unit, subject_type="cases.applicant",
        subject_id=case.applicant_id, field=field, purpose=form.cleaned_data["purpose"],
        note=f"case {case.number}",
    )  # fmt: skip
    applicant = case.applicant
    value = applicant.id_number() if field == "id_number" else applicant.phone()
    label = dict(form.fields["field"].choices)[field]
    return render(request, "cases/full_view.html", {"case": case, "value": value, "label": label})


# --- escalations ----------------------------------------------------------------------------


def escalation_for(user, pk: int) -> Escalation:
    if not is_counter_staff(user):
        raise Http404
    row = (
        Escalation.objects.filter(pk=pk, unit_id=user.unit_id)
        .select_related("case__version", "item__current", "requested_by", "decided_by")
        .first()
    )
    if row is None:
        raise Http404
    return row


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def escalation(request, pk: int):
    """The head on duty approves or refuses an escalation (请示, N-3.4), with a reason."""
    row = escalation_for(request.user, pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            approve = request.POST.get("outcome") == "approve"
            try:
                actions.decide_escalation(
                    request.user, row, approve=approve, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, PermissionDenied) as error:
                attach_error(form, error)
            else:
                messages.success(
                    request,
                    _("Escalation approved.") if approve else _("Escalation refused."),
                )
                return redirect("cases:work-tab", tab="escalations")
        row = escalation_for(request.user, pk)
    return render(
        request,
        "cases/escalation.html",
        {"e": row, "form": form, "may_decide": is_head(request.user)
         and row.requested_by_id != request.user.pk},
    )  # fmt: skip
