"""The documents of a case, as PDFs for the counter."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from servicehall.catalogue.pdf import render_pdf
from servicehall.org.choices import Role

from .documents import NotAccepted, build_receipt
from .models import Case

COUNTER_ROLES = (Role.CLERK, Role.HEAD_ON_DUTY)


@login_required
def receipt_pdf(request, number: str):
    """The acceptance receipt (受理回执), for the counter staff of the case's unit.

    Anyone else gets a 404, so the page does not confirm that another unit's case exists.
    Printing writes no ledger entry: the receipt renders what the acceptance recorded.
    """
    user = request.user
    case = Case.objects.filter(number=number).first()
    if case is None or user.role not in COUNTER_ROLES or user.unit_id != case.unit_id:
        raise Http404
    try:
        receipt = build_receipt(case, request)
    except NotAccepted:
        raise Http404 from None
    pdf = render_pdf("cases/pdf/receipt.html", receipt.context(), request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}.pdf"'
    return response
