"""Time limits of cases in working days (限时办结, N-5.6d; N-5.4; invariant 8).

All limits count working days of the unit's calendar (``org.calendar.calendar_for``,
调休 included) from the moment of acceptance, by ``WorkCalendar.deadline``: the day of
acceptance is not counted, and a limit ends at closing time of its last working day.

* The case's limit is the item version's promised limit; for the green channel half of it
  (rounded down), at least one working day (an item completed on the spot keeps 0).
* The limit is split evenly over the stages after acceptance, in their order: of ``m``
  stages, the ``k``-th must be done by working day ``ceil(n * k / m)``. The shares are
  cumulative from acceptance, so time saved in one stage is left to the next, and a case
  sent back to an earlier stage is held to that stage's (perhaps past) deadline again.
  The last stage's share ends with the case's limit, so its deadline is the case's.
* A yellow card is due when 90 % of a limit has passed or one working day remains,
  whichever comes first: at closing time of working day ``min(ceil(0.9 * d), d - 1)`` (at
  least 0) of a limit of ``d`` days; a red card once the limit is exceeded.
* While the client corrects materials the clock stands; on return, every deadline moves
  by the working days it stood (``Case.suspended_days``, the total of all stops).

A deadline that rests on a year whose official holidays are not known yet is marked
provisional, with the calendar's warning.

An application submitted online is taken (accepted, sent to correction or refused) by a
clerk of its office within ``ACCEPT_WITHIN_DAYS`` working day (不积压, N-5.4): by closing
time of the next working day. Its time limit counts from that acceptance only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from servicehall.catalogue.models import ServiceItemVersion
from servicehall.lib.workdays import WorkCalendar
from servicehall.org.calendar import calendar_for
from servicehall.org.choices import CaseStage

from .choices import RUNNING_STAGES, Stage


def case_limit(version: ServiceItemVersion, green_reason: str = "") -> int:
    """The case's limit in working days: the promised one, halved for the green channel."""
    days = 0 if version.immediate else version.promised_limit_days
    if green_reason and days:
        return max(1, days // 2)
    return days


def path_of(version: ServiceItemVersion) -> list[str]:
    """The stages a case of ``version`` passes through after acceptance, in order.

    An item completed on the spot (即办) goes straight to completion; otherwise the
    reviews its catalogue entry names, then completion.
    """
    if version.immediate:
        return [Stage.COMPLETION]
    reviews = [
        (Stage.FIRST_REVIEW, CaseStage.FIRST_REVIEW),
        (Stage.SECOND_REVIEW, CaseStage.SECOND_REVIEW),
    ]
    return [stage for stage, step in reviews if step in version.stages] + [Stage.COMPLETION]


#: Working days within which an online application is taken by a clerk (N-5.4).
ACCEPT_WITHIN_DAYS = 1


def acceptance_due(calendar: WorkCalendar, submitted_at: dt.datetime) -> dt.datetime:
    """When an application submitted online at ``submitted_at`` must have been taken."""
    return calendar.deadline(submitted_at, ACCEPT_WITHIN_DAYS).closes_at


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def yellow_offset(days: int) -> int:
    """The working day of a ``days``-day limit at whose close the yellow card is due."""
    return max(0, min(_ceil_div(9 * days, 10), days - 1))


def stage_share(path: list[str], limit: int, stage: str) -> tuple[int, int]:
    """(first, last): the working days, counted from acceptance, that bound ``stage``'s
    share of ``limit`` (its share runs after day ``first`` up to day ``last``)."""
    count, k = len(path), path.index(stage) + 1
    return _ceil_div(limit * (k - 1), count), _ceil_div(limit * k, count)


@dataclass(frozen=True)
class Schedule:
    due_at: dt.datetime
    yellow_at: dt.datetime
    stage_due_at: dt.datetime | None
    stage_yellow_at: dt.datetime | None
    provisional_years: tuple[int, ...]


def schedule(
    *,
    calendar: WorkCalendar,
    accepted_at: dt.datetime,
    limit: int,
    suspended_days: int,
    path: list[str],
    stage: str,
) -> Schedule:
    """The deadlines of a case accepted at ``accepted_at``, now waiting in ``stage``."""

    def close_of(days: int):
        return calendar.deadline(accepted_at, days + suspended_days)

    due = close_of(limit)
    yellow = close_of(yellow_offset(limit))
    stage_due = stage_yellow = None
    if stage in RUNNING_STAGES:
        if stage == path[-1]:
            stage_due, stage_yellow = due.closes_at, yellow.closes_at
        else:
            first, last = stage_share(path, limit, stage)
            stage_due = close_of(last).closes_at
            stage_yellow = close_of(first + yellow_offset(last - first)).closes_at
    return Schedule(
        due_at=due.closes_at,
        yellow_at=yellow.closes_at,
        stage_due_at=stage_due,
        stage_yellow_at=stage_yellow,
        provisional_years=due.provisional_years,
    )


DEADLINE_FIELDS = [
    "due_at", "yellow_at", "stage_due_at", "stage_yellow_at", "deadline_provisional",
    "provisional_years",
]  # fmt: skip


def refresh(case, *, calendar: WorkCalendar | None = None) -> list[str]:
    """Set ``case``'s deadline columns for its stage; return the fields to save.

    A running case gets every deadline; a case waiting for corrections or finished keeps
    its case deadline (as promised, for the record) and has no stage deadline.
    """
    if case.stage not in RUNNING_STAGES or case.accepted_at is None:
        case.stage_due_at = case.stage_yellow_at = None
        return ["stage_due_at", "stage_yellow_at"]
    plan = schedule(
        calendar=calendar or calendar_for(case.unit),
        accepted_at=case.accepted_at,
        limit=case.limit_days or 0,
        suspended_days=case.suspended_days,
        path=path_of(case.version),
        stage=case.stage,
    )
    case.due_at, case.yellow_at = plan.due_at, plan.yellow_at
    case.stage_due_at, case.stage_yellow_at = plan.stage_due_at, plan.stage_yellow_at
    case.provisional_years = list(plan.provisional_years)
    case.deadline_provisional = bool(plan.provisional_years)
    return list(DEADLINE_FIELDS)


def cards_per_unit(start: dt.datetime, end: dt.datetime, units=None) -> dict[int, dict[str, int]]:
    """Cards issued in ``[start, end)`` counted per unit and level, for the reports."""
    from .models import DeadlineCard

    rows = DeadlineCard.objects.filter(issued_at__gte=start, issued_at__lt=end)
    if units is not None:
        rows = rows.filter(unit__in=units)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"yellow": 0, "red": 0})
    for unit_id, level, count in (
        rows.values_list("unit_id", "level").annotate(count=Count("pk")).order_by()
    ):
        counts[unit_id][level] = count
    return dict(counts)
