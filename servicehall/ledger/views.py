"""The ledger browser, its xlsx export, verification for the audit administrator, and
the personal-data access log."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from servicehall.org.access import require_role
from servicehall.org.choices import Role

from .access import visible_entries
from .forms import AccessLogFilter, EntryFilter
from .models import LedgerEntry, PersonalDataAccess
from .verify import verify_all

EXPORT_LIMIT = 100_000


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
