"""The ledger browser, its xlsx export, verification for the audit administrator, the
personal-data access log, and bulk-export requests with the security administrator's
decisions on them (D-10)."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from servicehall.org.access import require_role
from servicehall.org.choices import Role

from . import actions
from .access import visible_entries, visible_export_requests
from .choices import ExportStatus
from .forms import AccessLogFilter, EntryFilter, ExportDecisionForm, ExportRequestForm
from .models import LedgerEntry, PersonalDataAccess
from .verify import verify_all

EXPORT_LIMIT = 100_000
APPROVAL_HOURS = int(actions.EXPORT_APPROVAL_VALID.total_seconds() // 3600)


def _filtered(request):
    form = EntryFilter(request.GET or None)
    entries = visible_entries(request.user).select_related("unit")
    if form.is_valid():
        entries = form.apply(entries)
    return form, entries.order_by("-at", "-seq")


@login_required
def entries(request):
    form, rows = _filtered(request)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    # Corrections of the entries on this page, shown with the entry they correct.
    keys = {(row.unit_id, row.seq) for row in page}
    corrections: dict = {}
    if keys:
        for fix in LedgerEntry.objects.filter(
            unit_id__in={unit for unit, _seq in keys},
            corrects_seq__in={seq for _unit, seq in keys},
            corrects_seq__isnull=False,  # the partial index's condition, said outright
        ).order_by("seq"):
            corrections.setdefault((fix.unit_id, fix.corrects_seq), []).append(fix)
    for row in page:
        row.corrections = corrections.get((row.unit_id, row.seq), [])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "ledger/entries.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@login_required
def export_entries(request):
    from openpyxl import Workbook

    form, rows = _filtered(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("ledger")
    sheet.append(
        ["unit", "seq", "time", "staff_no", "channel", "event", "version", "subject",
         "corrects", "payload", "hash"]
    )  # fmt: skip
    for row in rows[:EXPORT_LIMIT].iterator(2000):
        sheet.append(
            [row.unit.code, row.seq, timezone.localtime(row.at).replace(tzinfo=None),
             row.actor_staff_no, row.channel, row.event_type, row.event_version,
             f"{row.subject_type}:{row.subject_id}", row.corrects_seq, row.payload,
             row.entry_hash]
        )  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The audit administrator runs the same check as ``servicehall ledger verify``."""
    require_role(request.user, Role.AUDIT_ADMIN)
    result = None
    if request.method == "POST":
        problems, summary = verify_all()
        result = {"problems": problems, "summary": summary}
    return render(request, "ledger/verify.html", {"result": result})


@login_required
def access_log(request):
    require_role(request.user, Role.AUDIT_ADMIN)
    form = AccessLogFilter(request.GET or None)
    rows = PersonalDataAccess.objects.select_related("user", "unit")
    if form.is_valid():
        data = form.cleaned_data
        if data["username"]:
            rows = rows.filter(user__username__icontains=data["username"])
        if data["subject"]:
            rows = rows.filter(subject_id=data["subject"])
        if data["since"]:
            rows = rows.filter(
                at__gte=timezone.make_aware(dt.datetime.combine(data["since"], dt.time.min))
            )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "ledger/access_log.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def export_requests(request):
    """A unit's head on duty or administrator requests a bulk export of personal data and
    follows the decisions on the unit's requests."""
    require_role(request.user, *actions.EXPORT_REQUESTERS)
    form = ExportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_export(request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The request is waiting for the security administrator's decision.")
            )
            return redirect("ledger:export-requests")
    page = Paginator(visible_export_requests(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/export_requests.html",
        {"form": form, "page": page, "approval_hours": APPROVAL_HOURS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def export_approvals(request):
    """The security administrator approves or refuses waiting requests, with a reason, and
    sees the decisions made."""
    require_role(request.user, Role.SECURITY_ADMIN)
    rows = visible_export_requests(request.user)
    bound = ExportDecisionForm(request.POST) if request.method == "POST" else None
    if bound is not None and bound.is_valid():
        data = bound.cleaned_data
        if not rows.filter(pk=data["request_id"]).exists():
            raise Http404
        try:
            row = actions.decide_export(
                request.user,
                data["request_id"],
                approve=data["decision"] == "approve",
                reason=data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if row.status == ExportStatus.APPROVED:
                until = date_format(timezone.localtime(row.expires_at), "Y-m-d H:i")
                text = _("Approved: {what}. It may be exported once, until {until}.")
                messages.success(request, text.format(what=row.description, until=until))
            else:
                messages.success(request, _("Refused: {what}.").format(what=row.description))
        return redirect("ledger:export-approvals")
    waiting = list(rows.filter(status=ExportStatus.REQUESTED).order_by("requested_at"))
    sent_for = bound.data.get("request_id") if bound is not None else None
    for row in waiting:
        # The one whose decision was sent without a reason shows it again, with the error.
        row.form = ExportDecisionForm(
            request.POST if sent_for == str(row.pk) else None,
            initial={"request_id": row.pk},
            auto_id=f"id_decision{row.pk}_%s",  # one form per request: ids stay unique
        )
    decided = rows.exclude(status=ExportStatus.REQUESTED).order_by("-decided_at")
    page = Paginator(decided, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/export_approvals.html",
        {"waiting": waiting, "page": page, "approval_hours": APPROVAL_HOURS},
        status=400 if bound is not None else 200,
    )
