"""Detections for the head on duty and the unit administrator (own unit) and the
supervisors (the units below their department, not their own: N-6.2, as ``actions.may_decide``
and the complaints' access rules)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from servicehall.org.choices import Role

from .models import Detection


@login_required
def detections(request):
    user = request.user
    if user.role in (Role.HEAD_ON_DUTY, Role.UNIT_ADMIN) and user.unit_id:
        rows = Detection.objects.filter(unit_id=user.unit_id)
    elif user.role == Role.SUPERVISOR and user.unit_id:
        rows = Detection.objects.filter(unit__path__startswith=user.unit.path).exclude(
            unit_id=user.unit_id
        )
    else:
        raise PermissionDenied
    clause = request.GET.get("clause", "")
    if clause:
        rows = rows.filter(clause=clause)
    page = Paginator(rows.select_related("unit", "staff"), 50).get_page(request.GET.get("page"))
    return render(request, "supervision/detections.html", {"page": page, "clause": clause})
