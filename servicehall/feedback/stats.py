"""The published evaluation figures (公开, N-2.5): per unit and month, in one query."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from .choices import GOOD_FROM, RatingStatus, RectificationStatus
from .models import Rating


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The month's first moment and the next month's, in the site's time zone."""
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, end


def good_share(good: int, total: int) -> Decimal | None:
    """The share of good ratings in percent, to one decimal place; None without ratings."""
    if not total:
        return None
    return (Decimal(good) * 100 / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def monthly_figures(unit_ids, year: int, month: int) -> dict:
    """The figures of ``unit_ids`` for the month: ``ratings`` (counted, i.e. not set aside
    on appeal), ``good`` (levels 5–3), ``good_share`` (percent, Decimal, or None), ``bad``
    (levels 2–1), ``bad_rectified`` (that month's bad ratings whose rectification is closed
    with the client satisfied). One aggregate query."""
    start, end = month_bounds(year, month)
    bad = Q(level__lt=GOOD_FROM)
    figures = Rating.objects.filter(
        unit_id__in=list(unit_ids), rated_at__gte=start, rated_at__lt=end,
        status=RatingStatus.COUNTED,
    ).aggregate(
        ratings=Count("pk"),
        good=Count("pk", filter=Q(level__gte=GOOD_FROM)),
        bad=Count("pk", filter=bad),
        bad_rectified=Count(
            "pk", filter=bad & Q(rectification__status=RectificationStatus.CLOSED)
        ),
    )  # fmt: skip
    figures["good_share"] = good_share(figures["good"], figures["ratings"])
    return figures
