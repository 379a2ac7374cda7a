"""The public figures of evaluations and complaints (公开, N-2.5, N-6.1).

Per service office and month: the ratings received and the share of good ones, the bad
reviews and how many were rectified, the complaints and suggestions received and closed.
Set-aside ratings (an upheld appeal) are not counted. Nothing personal is shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from servicehall.complaints import stats as complaint_stats
from servicehall.feedback import stats as rating_stats
from servicehall.org.choices import UnitKind
from servicehall.org.models import Unit

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)


def _recent_months(today: dt.date) -> list[Month]:
    months = [Month(today.year, today.month)]
    while len(months) < MONTHS_SHOWN:
        months.append(months[-1].previous())
    return months


def _chosen(value: str | None, months: list[Month]) -> Month:
    if not value:
        return months[0]
    for month in months:
        if month.key == value:
            return month
    raise Http404("no figures for that month")


def figures(request):
    months = _recent_months(timezone.localdate())
    month = _chosen(request.GET.get("month"), months)
    offices = list(Unit.objects.filter(kind=UnitKind.OFFICE).order_by("path"))
    ids = [office.pk for office in offices]
    ratings = rating_stats.monthly_figures_by_unit(ids, month.year, month.month)
    complaints = complaint_stats.monthly_figures_by_unit(ids, month.year, month.month)
    rows = [
        {"office": office, "ratings": ratings[office.pk], "complaints": complaints[office.pk]}
        for office in offices
    ]
    return render(
        request,
        "portal/figures.html",
        {"rows": rows, "month": month, "months": months},
    )
