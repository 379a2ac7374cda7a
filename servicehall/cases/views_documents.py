"""The documents of a case, as PDFs for the counter: the acceptance receipt, the one-time
notice of a correction, the refusal notice and the completion notice.

Only the counter staff of the case's unit print them; anyone else gets a 404, so the
address does not confirm that another unit's case exists. Printing writes no ledger
entry: a document renders what the entry of the action that issued it recorded
(``documents.py``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from servicehall.catalogue.pdf import render_pdf
from servicehall.org.choices import Role

from .documents import (
    Document,
    NoDocument,
    build_completion,
    build_notice,
    build_receipt,
    build_refusal,
)
from .models import Case

COUNTER_ROLES = (Role.CLERK, Role.HEAD_ON_DUTY)


def _case_for(user, number: str) -> Case:
    """The case numbered ``number`` if ``user`` is counter staff of its unit; else 404."""
    case = Case.objects.filter(number=number).first()
    if case is None or user.role not in COUNTER_ROLES or user.unit_id != case.unit_id:
        raise Http404
    return case


def _pdf(request, template: str, build, *args) -> HttpResponse:
    try:
        document: Document = build(*args, request)
    except NoDocument:
        raise Http404 from None
    pdf = render_pdf(template, document.context(), request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.number}.pdf"'
    return response


@login_required
def receipt_pdf(request, number: str):
    """The acceptance receipt (受理回执): 404 until the case is accepted."""
    case = _case_for(request.user, number)
    return _pdf(request, "cases/pdf/receipt.html", build_receipt, case)


@login_required
def refusal_pdf(request, number: str):
    """The refusal notice (不予受理告知书, N-2.1, N-5.3, D-06) of a case not accepted."""
    case = _case_for(request.user, number)
    return _pdf(request, "cases/pdf/refusal.html", build_refusal, case)


@login_required
def completion_pdf(request, number: str):
    """The completion notice (办结通知书) of a completed case, approved or refused."""
    case = _case_for(request.user, number)
    return _pdf(request, "cases/pdf/completion.html", build_completion, case)


@login_required
def notice_pdf(request, number: str, notice: str):
    """The one-time notice (一次性告知单, N-5.6c) of one of the case's correction requests."""
    case = _case_for(request.user, number)
    return _pdf(request, "cases/pdf/notice.html", build_notice, case, notice)
