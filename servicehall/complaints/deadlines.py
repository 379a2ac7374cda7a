"""Time limits of the complaint flow in working days (GB/T 36113; N-6.1; invariant 8).

Each step's limit counts working days of the unit's calendar (``org.calendar.calendar_for``,
调休 included) from the moment the previous step ended — receipt for acceptance, acceptance
for the investigation, and so on — by ``WorkCalendar.deadline``: the day of receipt is not
counted, and a limit ends at closing time of its last working day. The warning is due at
closing time of the day before the last (of a one-day limit: the day of receipt).
The limits are the unit's ``ComplaintSettings`` or the defaults.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from servicehall.org.calendar import calendar_for

from .choices import Step
from .models import ComplaintSettings

# The limit of each open step, by the settings field that holds it.
STEP_FIELD = {
    Step.RECEIVED: "accept_days",
    Step.INVESTIGATING: "investigate_days",
    Step.HANDLING: "handle_days",
    Step.REPLYING: "reply_days",
    Step.REPLIED: "archive_days",
}


def limits_for(unit) -> dict[str, int]:
    """The unit's limits per settings field, defaults where it has no row."""
    row = ComplaintSettings.objects.filter(unit=unit).first()
    if row is None:
        return dict(ComplaintSettings.DEFAULTS)
    return {field: getattr(row, field) for field in ComplaintSettings.DEFAULTS}


@dataclass(frozen=True)
class StepDeadline:
    due_at: dt.datetime
    warn_at: dt.datetime
    provisional: bool


def step_deadline(unit, step: str, start: dt.datetime) -> StepDeadline:
    """The deadline of ``step`` begun at ``start``."""
    days = limits_for(unit)[STEP_FIELD[step]]
    calendar = calendar_for(unit)
    deadline = calendar.deadline(start, days)
    warning = calendar.deadline(start, max(days - 1, 0))
    return StepDeadline(deadline.closes_at, warning.closes_at, deadline.provisional)
