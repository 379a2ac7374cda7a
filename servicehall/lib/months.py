"""Calendar months in the site's time zone (the published monthly figures)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The month's first moment and the next month's, in the current (China's) time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=zone)
    following = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start, following
