"""Public pages (home, norms, commitments) and the staff home."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from servicehall.complaints import access as complaint_access
from servicehall.norms.choices import ClauseKind
from servicehall.norms.models import Clause
from servicehall.org.access import get_unit_for_user, visible_units
from servicehall.org.choices import CommitmentLevel, Role, UnitKind
from servicehall.org.models import Commitment, DutyAssignment, Unit, Window

from .context import LARGE_TEXT_COOKIE


def home(request):
    offices = Unit.objects.filter(kind=UnitKind.OFFICE).select_related("parent")
    return render(request, "portal/home.html", {"offices": offices})


def norms(request):
    clauses = Clause.objects.all()
    groups = [
        (ClauseKind(kind).label, list(rows))
        for kind, rows in groupby(clauses, key=lambda clause: clause.kind)
    ]
    return render(request, "portal/norms.html", {"groups": groups})


def commitments(request):
    """N-4.2: departmental, collective and personal commitments, per unit."""
    rows = (
        Commitment.objects.filter(active=True)
        .select_related("unit", "staff")
        .order_by("unit__path", "level", "order")
    )
    level_order = {value: index for index, value in enumerate(CommitmentLevel.values)}
    units = []
    for unit, unit_rows in groupby(rows, key=lambda row: row.unit):
        by_level = sorted(unit_rows, key=lambda row: level_order[row.level])
        units.append(
            (
                unit,
                [
                    (CommitmentLevel(level).label, list(level_rows))
                    for level, level_rows in groupby(by_level, key=lambda row: row.level)
                ],
            )
        )
    return render(request, "portal/commitments.html", {"units": units})


@require_POST
def toggle_large_text(request):
    """适老化: a large-text mode that works without JavaScript and survives page loads."""
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    if request.COOKIES.get(LARGE_TEXT_COOKIE) == "1":
        response.delete_cookie(LARGE_TEXT_COOKIE)
    else:
        response.set_cookie(LARGE_TEXT_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
def staff_home(request):
    user = request.user
    today = timezone.localdate()
    context = {"today": today, "units": visible_units(user).select_related("parent")[:200]}
    if user.role in (Role.CLERK, Role.HEAD_ON_DUTY, Role.UNIT_ADMIN):
        context["my_duty"] = (
            DutyAssignment.objects.filter(staff=user, date=today).select_related("window").first()
        )
        context["head_on_duty"] = (
            DutyAssignment.objects.filter(unit_id=user.unit_id, date=today, head_on_duty=True)
            .select_related("staff")
            .first()
        )
        context["personal_commitments"] = Commitment.objects.filter(staff=user, active=True)
        context["hall_windows"] = Window.objects.filter(unit_id=user.unit_id, active=True)
    if user.role == Role.HEAD_ON_DUTY:
        context["referrals_waiting"] = complaint_access.referrals_waiting(user).count()
    elif user.role == Role.SUPERVISOR:
        context["complaints_to_route"] = complaint_access.routing_count(user)
    return render(request, "portal/staff_home.html", context)


@login_required
def unit_detail(request, unit_id: int):
    unit = get_unit_for_user(request.user, unit_id)
    today = timezone.localdate()
    roster = (
        DutyAssignment.objects.filter(unit=unit, date__gte=today, date__lt=today + dt.timedelta(7))
        .select_related("staff", "window")
        .order_by("date", "-head_on_duty", "window__number")
    )
    days = [(day, list(rows)) for day, rows in groupby(roster, key=lambda row: row.date)]
    return render(
        request,
        "portal/unit_detail.html",
        {
            "unit": unit,
            "windows": unit.window_set.all(),
            "posts": unit.post_set.all(),
            "staff": unit.user_set.filter(is_active=True)
            .select_related("post")
            .order_by("staff_no"),
            "days": days,
        },
    )
