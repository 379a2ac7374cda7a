"""The hall's detection sweep: one pass finds the windows away while clients wait (D-01)
and the rostered windows not opened by opening time (N-5.1), and flags each situation once.

Detections are flags for the head on duty to review, not business changes: the sweep
changes no ticket, window or roster row, so it writes no ledger entry. An action that
does change something (opening late, for one) records that change in its own entry.

``servicehall hall-sweep`` runs a pass, or keeps running one every ``--every`` seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone

from servicehall.org.models import DutyAssignment
from servicehall.supervision.flags import raise_flag
from servicehall.supervision.models import Detection

from .choices import TicketStatus, WindowStatus
from .models import HallSettings, OpeningCheck, Ticket, WindowQueue, WindowState


@dataclass(frozen=True)
class Finding:
    """A situation the sweep saw; ``new`` when this pass raised its detection."""

    clause: str
    unit_id: int
    key: str
    detail: str
    new: bool


def _stamp(moment: dt.datetime) -> str:
    """A compact, timezone-independent mark of a moment, for detection keys."""
    return str(int(moment.timestamp()))


def _waits_long(state: WindowState, day: dt.date, before: dt.datetime) -> bool:
    """Clients for this window waiting since ``before`` or earlier: in its queues (unless
    sent to another window), or sent to this window."""
    queue_ids = WindowQueue.objects.filter(window_id=state.window_id, queue__active=True).values(
        "queue_id"
    )
    return (
        Ticket.objects.filter(
            service_day=day, status=TicketStatus.WAITING, issued_at__lte=before
        )  # fmt: skip
        .filter(
            Q(queue_id__in=queue_ids, target_window__isnull=True)
            | Q(target_window_id=state.window_id)
        )
        .exists()
    )


def _last_activity(state: WindowState, day: dt.date, now: dt.datetime) -> dt.datetime:
    """When the window last did something: its last change of state or call, or the last
    service it finished or no-show it recorded (``since`` is not moved by those); ``now``
    when nothing is known, so that a window never seen at work is not taken for away."""
    finished = Ticket.objects.filter(window_id=state.window_id, service_day=day).aggregate(
        last=Max("finished_at")
    )["last"]
    return max((moment for moment in (state.since, finished) if moment is not None), default=now)


def _away(now: dt.datetime, day: dt.date) -> list[tuple]:
    """(clause, unit, key, detail, staff, window) of windows away while clients wait."""
    found = []
    states = (
        WindowState.objects.filter(
            Q(status=WindowStatus.PAUSED, paused_until__lt=now)
            | Q(status=WindowStatus.OPEN, current__isnull=True)
        )
        .select_related("window", "clerk")
        .order_by("window__unit_id", "window__number")
    )
    rules: dict[int, HallSettings] = {}
    for state in states:
        rule = rules.setdefault(state.unit_id, HallSettings.for_unit(state.unit_id))
        if not _waits_long(state, day, now - dt.timedelta(minutes=rule.long_wait_minutes)):
            continue
        number = state.window.number
        if state.status == WindowStatus.PAUSED:
            # One situation per pause: the pause began at ``since``.
            key = f"D-01:paused:{state.window_id}:{_stamp(state.since or state.paused_until)}"
            detail = (
                f"window {number} still paused ({state.pause_reason}) "
                f"{_minutes(now - state.paused_until)} min after "
                f"{timezone.localtime(state.paused_until):%H:%M}, while clients wait beyond "
                f"{rule.long_wait_minutes} min"
            )
        else:
            last = _last_activity(state, day, now)
            if now - last < dt.timedelta(minutes=rule.unattended_minutes):
                continue
            # One situation per idle spell: it began with the last activity.
            key = f"D-01:idle:{state.window_id}:{_stamp(last)}"
            detail = (
                f"window {number} open with nobody called for {_minutes(now - last)} min "
                f"(since {timezone.localtime(last):%H:%M}), while clients wait beyond "
                f"{rule.long_wait_minutes} min"
            )
        found.append(("D-01", state.unit_id, key, detail, state.clerk, state.window_id))
    return found


def _not_opened(now: dt.datetime, day: dt.date) -> list[tuple]:
    """(clause, unit, key, detail, staff, window) of rostered windows without an opening
    check after their unit's opening time (三提前, N-5.1)."""
    found = []
    checked = OpeningCheck.objects.filter(service_day=day).values("window_id")
    duties = (
        DutyAssignment.objects.filter(date=day, window__isnull=False)
        .exclude(window_id__in=checked)
        .select_related("window", "unit", "staff")
        .order_by("unit_id", "window__number")
    )
    for duty in duties:
        opening = dt.datetime.combine(
            day, duty.unit.opening_time, tzinfo=timezone.get_current_timezone()
        )
        if now <= opening:
            continue
        # The key of open_window's late-opening flag: a window first found unopened and
        # then opened late is one situation, flagged once.
        key = f"N-5.1:window:{duty.window_id}:{day}"
        detail = (
            f"window {duty.window.number} not opened at {timezone.localtime(now):%H:%M}: "
            f"no opening check since opening time {duty.unit.opening_time:%H:%M}"
        )
        found.append(("N-5.1", duty.unit_id, key, detail, duty.staff, duty.window_id))
    return found


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def sweep(now: dt.datetime | None = None) -> list[Finding]:
    """One pass over every unit: raise each detection not raised yet, return all seen."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    found = _away(now, day) + _not_opened(now, day)
    known = set(
        Detection.objects.filter(key__in=[row[2] for row in found]).values_list("unit_id", "key")
    )
    findings = []
    for clause, unit_id, key, detail, staff, window_id in found:
        raise_flag(
            unit_id=unit_id, clause=clause, key=key, subject_type="org.window",
            subject_id=window_id, staff=staff, detail=detail,
        )  # fmt: skip
        findings.append(Finding(clause, unit_id, key, detail, (unit_id, key) not in known))
    return findings
