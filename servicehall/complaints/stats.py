"""The published complaint figures of a month (公开, N-6.1): for the portal's figures page."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q
from django.utils import timezone

from servicehall.lib.months import month_bounds

from .choices import OPEN_STEPS, Step
from .models import Complaint


def _counted(unit_ids, year: int, month: int, now):
    start, end = month_bounds(year, month)
    in_month = Q(received_at__gte=start, received_at__lt=end)
    archived = Q(step=Step.ARCHIVED, archived_at__gte=start, archived_at__lt=end)
    overdue = in_month & Q(step__in=OPEN_STEPS, step_due_at__lt=now or timezone.now())
    rows = Complaint.objects.filter(unit_id__in=list(unit_ids)).filter(in_month | archived)
    counts = {
        "received": Count("pk", filter=in_month),
        "closed": Count("pk", filter=archived),
        "overdue_open": Count("pk", filter=overdue),
    }
    return rows, counts


def monthly_figures(unit_ids: Iterable[int], year: int, month: int, *, now=None) -> dict:
    """Complaints, suggestions and reports of the units ``unit_ids`` in the month, counted in
    one aggregate query:

    * ``received``: received in the month, through any channel;
    * ``closed``: archived in the month (the whole flow done, the reply given);
    * ``overdue_open``: of those received in the month, the ones still open whose current
      step is past its deadline now.
    """
    rows, counts = _counted(unit_ids, year, month, now)
    return rows.aggregate(**counts)


def monthly_figures_by_unit(
    unit_ids: Iterable[int], year: int, month: int, *, now=None
) -> dict[int, dict]:
    """``monthly_figures`` of each unit of ``unit_ids`` (a unit without complaints included),
    in one grouped query."""
    unit_ids = list(unit_ids)
    rows, counts = _counted(unit_ids, year, month, now)
    found = {
        row.pop("unit_id"): row for row in rows.order_by().values("unit_id").annotate(**counts)
    }
    empty = {"received": 0, "closed": 0, "overdue_open": 0}
    return {unit_id: found.get(unit_id, dict(empty)) for unit_id in unit_ids}
