"""Demo slots: a few bookable services at an office, four hours a day, six places each.

Called by the demo data (``portal.demo``); running it twice changes nothing, since each
slot is keyed by unit, item, day and start, and an existing slot is left as it is.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from servicehall.catalogue.models import ServiceItem
from servicehall.org.calendar import calendar_for
from servicehall.org.models import Unit

from .models import Slot

DEMO_ITEM_CODES = [
    "SSC-APPLY",
    "UNEMP-BENEFIT",
    "PENSION-RETIRE",
    "PENSION-TRANSFER",
    "INJURY-CERT",
]
DEMO_HOURS = [(dt.time(9), dt.time(10)), (dt.time(10), dt.time(11)), (dt.time(14), dt.time(15)),
              (dt.time(15), dt.time(16))]  # fmt: skip
DEMO_CAPACITY = 6


def load_demo_slots(office: Unit, days: int = 5) -> int:
    """Slots for the demo items on the office's next ``days`` working days, today included;
    returns how many were created."""
    calendar = calendar_for(office)
    items = list(ServiceItem.objects.filter(code__in=DEMO_ITEM_CODES, current__isnull=False))
    hours = [
        (start, end)
        for start, end in DEMO_HOURS
        if office.opening_time <= start and end <= office.closing_time
    ]
    created = 0
    day, found = timezone.localdate(), 0
    while found < days:
        if calendar.is_working_day(day):
            found += 1
            for item in items:
                for start, end in hours:
                    _slot, new = Slot.objects.get_or_create(
                        unit=office, item=item, day=day, start=start,
                        defaults={"end": end, "capacity": DEMO_CAPACITY},
                    )  # fmt: skip
                    created += new
        day += dt.timedelta(days=1)
    return created
