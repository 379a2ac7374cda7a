"""The staff pages: entering what came in through the box, the hotline, 12345 or opinion
monitoring; the handlers' list, with the referrals from other units waiting to be taken;
taking one; the complaint page with the step forms; the logged full
view of the identity (D-10); the unit's time limits. Every change goes through the actions;
who sees what is ``access.py``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from servicehall.ledger.choices import AccessPurpose
from servicehall.ledger.personal import log_full_view
from servicehall.org.choices import Role
from servicehall.supervision import actions as supervision

from . import access, actions
from .choices import OPEN_STEPS, SUBSTANTIATED_FINDINGS, Step
from .deadlines import limits_for
from .forms import (
    AcceptForm,
    AccountabilityForm,
    ArchiveForm,
    AssignForm,
    EntryForm,
    HandleForm,
    InvestigateForm,
    LimitsForm,
    ReferForm,
    RefuseForm,
    ReplyForm,
    ViolationForm,
)
from .models import Complaint, ComplaintSettings
from .views_public import _add_errors

# The step forms: which steps show them, and the action each calls.
STEP_FORMS = {
    "accept": (AcceptForm, (Step.RECEIVED,)),
    "refuse": (RefuseForm, (Step.RECEIVED,)),
    "refer": (ReferForm, (Step.RECEIVED, Step.INVESTIGATING)),
    "investigate": (InvestigateForm, (Step.INVESTIGATING,)),
    "handle": (HandleForm, (Step.HANDLING,)),
    "reply": (ReplyForm, (Step.REPLYING,)),
    "archive": (ArchiveForm, (Step.REPLIED,)),
    "assign": (AssignForm, OPEN_STEPS),
}
HEAD_ONLY = {"assign", "archive"}
# Whoever routes the complaint (``access.may_route``: a head on duty, or the supervisor above
# when every head on duty is the staff member concerned) assigns, accepts, refuses, refers
# and archives; the handlers carry the other steps.
ROUTING = {"assign", "accept", "refuse", "refer", "archive"}
NEEDS_COMPLAINT = {AssignForm, ReferForm, InvestigateForm}


def _offered(name: str, *, handler: bool, routes: bool) -> bool:
    if name in HEAD_ONLY:
        return routes
    return handler or (routes and name in ROUTING)


def _form(name: str, complaint: Complaint, data=None):
    form_class = STEP_FORMS[name][0]
    kwargs = {"complaint": complaint} if form_class in NEEDS_COMPLAINT else {}
    return form_class(data, prefix=name, **kwargs)


def _perform(name: str, actor, complaint: Complaint, data: dict):
    if name == "assign":
        return actions.assign(actor, complaint, handler=data["handler"])
    if name == "accept":
        return actions.accept(actor, complaint)
    if name == "refuse":
        return actions.refuse(actor, complaint, reason=data["reason"])
    if name == "refer":
        return actions.refer(
            actor, complaint, reason=data["reason"], to_unit=data["to_unit"],
            to_name=data["to_name"],
        )  # fmt: skip
    if name == "investigate":
        return actions.investigate(
            actor, complaint, finding=data["finding"], findings=data["findings"],
            clause=data["clause"], staff_concerned=data["staff_concerned"],
        )  # fmt: skip
    if name == "handle":
        return actions.handle(actor, complaint, measures=data["measures"])
    if name == "reply":
        return actions.reply(actor, complaint, text=data["text"], method=data["method"])
    return actions.archive(actor, complaint)


@login_required
def complaint_list(request):
    """Heads on duty: the unit's complaints; clerks: those given to them; supervisors: the
    units below, read-only, except those no head on duty may handle (marked: the supervisor
    routes them: those waiting for their step come first, counted). Open ones by step, the
    overdue marked, the most urgent first. Above them, the complaints other units referred
    here and nobody took yet: content and reason, no identity, and the button to take one."""
    user = request.user
    if not access.may_list(user):
        raise PermissionDenied
    now = timezone.now()
    rows = access.visible_complaints(user)
    by_step = {
        row["step"]: row
        for row in rows.open()
        .values("step")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=Q(step_due_at__lt=now)))
    }
    steps = [
        {"code": step, "label": Step(step).label, "total": by_step.get(step, {}).get("total", 0),
         "overdue": by_step.get(step, {}).get("overdue", 0)}
        for step in OPEN_STEPS
    ]  # fmt: skip
    chosen = request.GET.get("step", "")
    open_rows = rows.open().select_related("unit", "handler").order_by("step_due_at", "pk")
    if chosen in OPEN_STEPS:
        open_rows = open_rows.filter(step=chosen)
    if request.GET.get("overdue"):
        open_rows = open_rows.filter(step_due_at__lt=now)
    routing_count = 0
    if user.role == Role.SUPERVISOR:  # those no head on duty may handle are theirs to route
        open_rows = access.with_waiting(open_rows).order_by("-waiting", "step_due_at", "pk")
        routing_count = access.escalated_waiting(user).count()
    referrals = (
        access.referrals_waiting(user)
        .select_related("unit", "referred_to_unit")
        .order_by("received_at", "pk")
    )
    closed = rows.exclude(step__in=OPEN_STEPS).select_related("unit").order_by("-received_at")
    return render(
        request,
        "complaints/list.html",
        {
            "steps": steps, "chosen": chosen, "open_rows": open_rows[:200],
            "closed_rows": closed[:50], "now": now,
            "overdue_only": bool(request.GET.get("overdue")),
            "read_only": user.role == Role.SUPERVISOR, "may_enter": access.may_enter(user),
            "routing_count": routing_count, "referrals": referrals[:100],
        },
    )  # fmt: skip


@never_cache
@login_required
@require_POST
def take_referral(request, number: str):
    """A head on duty takes a complaint referred to their unit: it becomes a complaint of the
    unit (``actions.take_referral``), whose page opens. 404 for a referral not addressed to
    them; taken already: back to the list, with the message."""
    origin = access.referrals_addressed_to(request.user).filter(number=number).first()
    if origin is None:
        raise Http404
    try:
        complaint = actions.take_referral(request.user, origin)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("complaints:list")
    messages.success(
        request,
        _("Taken: complaint {number} of your unit.").format(number=complaint.number),
    )
    return redirect("complaints:complaint", number=complaint.number)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enter(request):
    """The entry form for the suggestion box, the report hotline, 12345 and opinion items."""
    user = request.user
    if not access.may_enter(user):
        raise PermissionDenied
    form = EntryForm(request.POST or None, unit=user.unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        intake = actions.Intake(
            unit=user.unit, channel=data["channel"], kind=data["kind"], content=data["content"],
            anonymous=data["anonymous"], name=data["name"], phone=data["phone"],
            id_number=data["id_number"], clause=data["clause"],
            staff_concerned=data["staff_concerned"], source=data["source"],
            work_order_no=data["work_order_no"],
        )  # fmt: skip
        try:
            complaint, code = actions.enter(user, intake)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return render(
                request, "complaints/submitted.html",
                {"complaint": complaint, "code": code, "online": False,
                 "may_open": access.is_handler(user, complaint)},
            )  # fmt: skip
    return render(request, "complaints/enter.html", {"form": form})


def _page(request, complaint: Complaint, *, forms=None, full_identity=None, status=200):
    user = request.user
    forms = forms or {}
    handler = access.is_handler(user, complaint)
    routes = access.may_route(user, complaint)
    # The supervisor above steps in (escalation): they assign a handler before accepting.
    stepping_in = routes and not handler
    step_forms = []
    for name, (_form_class, steps) in STEP_FORMS.items():
        if complaint.step not in steps or not _offered(name, handler=handler, routes=routes):
            continue
        if name == "accept" and stepping_in and complaint.handler_id is None:
            continue
        step_forms.append((name, forms.get(name) or _form(name, complaint)))
    violation = access.violation_for(complaint)
    decisions = list(violation.accountabilities.select_related("staff")) if violation else []
    decides = (
        supervision.may_decide(user, complaint.unit)
        and complaint.staff_concerned_id != user.pk
        and _found_substantiated(complaint)
    )
    violation_form = accountability_form = None
    if decides and violation is None:
        violation_form = forms.get("violation") or ViolationForm(prefix="violation")
    elif (
        decides
        and violation.staff_id
        and violation.staff_id not in {row.staff_id for row in decisions}
    ):
        accountability_form = forms.get("accountability") or AccountabilityForm(
            prefix="accountability"
        )
    context = {
        "complaint": complaint,
        "taken": complaint.taken_there(),
        "handler": handler,
        "step_forms": step_forms,
        "identity": complaint.masked_identity() if handler and complaint.has_identity else None,
        "full_identity": full_identity,
        "violation": violation,
        "accountabilities": decisions,
        "violation_form": violation_form,
        "accountability_form": accountability_form,
        "warnings": complaint.warnings.all()[:10] if handler or routes else [],
        "overdue": complaint.is_overdue(),
        "read_only": not (handler or routes),
        "stepping_in": stepping_in,
    }
    return render(request, "complaints/complaint.html", context, status=status)


@never_cache
@login_required
def complaint_page(request, number: str):
    complaint = access.get_complaint_for_user(request.user, number)
    return _page(request, complaint)


@never_cache
@login_required
@require_POST
def act(request, number: str, name: str):
    """One step form posted: the action is called; errors are shown on the page."""
    complaint = access.get_complaint_for_user(request.user, number)
    if name in ("violation", "accountability"):
        return _supervise(request, complaint, name)
    if name not in STEP_FORMS:
        raise Http404
    handler = access.is_handler(request.user, complaint)
    if not _offered(name, handler=handler, routes=access.may_route(request.user, complaint)):
        # The supervisors above read, the handlers act; the supervisors above route only
        # when no head on duty of the unit may.
        raise PermissionDenied
    form = _form(name, complaint, request.POST)
    if form.is_valid():
        try:
            _perform(name, request.user, complaint, form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("complaints:complaint", number=complaint.number)
    return _page(request, complaint, forms={name: form}, status=400)


def _found_substantiated(complaint: Complaint) -> bool:
    """A violation is recorded from a complaint, and accountability decided through it,
    only once the investigation found it substantiated against a clause (N-5.6e)."""
    return complaint.finding in SUBSTANTIATED_FINDINGS and complaint.clause_id is not None


def _supervise(request, complaint: Complaint, name: str):
    """The violation against the clause, and the accountability decision (N-5.6e)."""
    form_class = ViolationForm if name == "violation" else AccountabilityForm
    if not _found_substantiated(complaint):
        # The page offers no such form then; a form posted anyway changes nothing.
        messages.error(
            request,
            _("Only a substantiated finding against a clause is recorded as a violation (N-5.6e)."),
        )
        return _page(request, complaint, status=400)
    form = form_class(request.POST, prefix=name)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if name == "violation":
                supervision.record_violation(
                    request.user, unit=complaint.unit, clause=complaint.clause,
                    staff=complaint.staff_concerned, source=complaint,
                    description=data["description"],
                )  # fmt: skip
            else:
                violation = access.violation_for(complaint)
                if violation is None or violation.staff is None:
                    raise Http404
                supervision.decide_accountability(
                    request.user, violation, staff=violation.staff, measure=data["measure"],
                    reason=data["reason"], decision_body=data["decision_body"],
                )  # fmt: skip
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("complaints:complaint", number=complaint.number)
    return _page(request, complaint, forms={name: form}, status=400)


@never_cache
@login_required
@require_POST
def identity(request, number: str):
    """The complainant's full identity, for the handlers only; each view is logged (D-10)."""
    complaint = access.get_complaint_for_user(request.user, number)
    if not access.may_see_identity(request.user, complaint):
        raise Http404
    full = complaint.identity()
    for field, value in full.items():
        if value:
            log_full_view(
                user=request.user, unit=complaint.unit, subject_type="complaints.complaint",
                subject_id=complaint.pk, field=field, purpose=AccessPurpose.INSPECTION,
                note=complaint.number,
            )  # fmt: skip
    return _page(request, complaint, full_identity=full)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def limits(request):
    """The unit's administrator sets the working-day limit of each step."""
    user = request.user
    if user.role != Role.UNIT_ADMIN or user.unit_id is None:
        raise PermissionDenied
    form = LimitsForm(request.POST or None, initial=limits_for(user.unit))
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_limits(user, user.unit, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("complaints:limits")
    return render(
        request, "complaints/limits.html", {"form": form, "defaults": ComplaintSettings.DEFAULTS}
    )
