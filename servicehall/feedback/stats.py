"""The published evaluation figures (公开, N-2.5): per unit and month, in one query."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from servicehall.lib.months import month_bounds

from .choices import GOOD_FROM, RatingStatus, RectificationStatus
from .models import Rating


def good_share(good: int, total: int) -> Decimal | None:
    """The share of good ratings in percent, to one decimal place; None without ratings."""
    if not total:
        return None
    return (Decimal(good) * 100 / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _counts(bad: Q) -> dict:
    return {
        "ratings": Count("pk"),
        "good": Count("pk", filter=Q(level__gte=GOOD_FROM)),
        "bad": Count("pk", filter=bad),
        "bad_rectified": Count(
            "pk", filter=bad & Q(rectification__status=RectificationStatus.CLOSED)
        ),
    }


def _month_ratings(unit_ids, year: int, month: int):
    start, end = month_bounds(year, month)
    return Rating.objects.filter(
        unit_id__in=list(unit_ids), rated_at__gte=start, rated_at__lt=end,
        status=RatingStatus.COUNTED,
    )  # fmt: skip


def monthly_figures(unit_ids, year: int, month: int) -> dict:
    """The figures of ``unit_ids`` for the month: ``ratings`` (counted, i.e. not set aside
    on appeal), ``good`` (levels 5–3), ``good_share`` (percent, Decimal, or None), ``bad``
    (levels 2–1), ``bad_rectified`` (that month's bad ratings whose rectification is closed
    with the client satisfied). One aggregate query."""
    figures = _month_ratings(unit_ids, year, month).aggregate(**_counts(Q(level__lt=GOOD_FROM)))
    figures["good_share"] = good_share(figures["good"], figures["ratings"])
    return figures


def monthly_figures_by_unit(unit_ids, year: int, month: int) -> dict[int, dict]:
    """``monthly_figures`` of each unit of ``unit_ids`` (a unit without ratings included),
    in one grouped query: the public page lists every office without a query per office."""
    unit_ids = list(unit_ids)
    rows = (
        _month_ratings(unit_ids, year, month)
        .order_by()
        .values("unit_id")
        .annotate(**_counts(Q(level__lt=GOOD_FROM)))
    )
    found = {row.pop("unit_id"): row for row in rows}
    empty = {"ratings": 0, "good": 0, "bad": 0, "bad_rectified": 0}
    figures = {unit_id: found.get(unit_id, dict(empty)) for unit_id in unit_ids}
    for row in figures.values():
        row["good_share"] = good_share(row["good"], row["ratings"])
    return figures
