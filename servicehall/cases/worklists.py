"""The work lists of case work (不积压, N-5.4) and who may do what on a case page.

Online applications waiting for acceptance are listed for every counter clerk and head of
the unit, with their acceptance deadline (N-5.4); late ones count as overdue.

Every list is one query on the stage and the indexed deadline columns (``CaseQuerySet``),
with the rows the page shows joined in, so a list costs the same whatever its length.
The authority shown on the pages mirrors the actions' own checks (N-3.4, D-08): the
actions decide; the pages only choose which form to offer, the action or the escalation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.lib.workdays import WorkCalendar
from servicehall.org.choices import Role

from .choices import ACTIVE_STAGES, AUTHORITY, RUNNING_STAGES, EscalationStatus, Stage
from .models import Case, Escalation

#: Roles that work on cases at the counter (the receipt PDF's rule too).
COUNTER_ROLES = (Role.CLERK, Role.HEAD_ON_DUTY)
#: The most rows a list shows; the count above it says how many there are.
LIST_LIMIT = 200

ROW_RELATED = ("version__item", "applicant", "handler", "owner", "agent")


def is_counter_staff(user) -> bool:
    return bool(user.is_authenticated and user.role in COUNTER_ROLES and user.unit_id)


def is_head(user) -> bool:
    """The head on duty's post approves escalations (the rule ``decide_escalation`` checks)."""
    post = user.post
    return (
        is_counter_staff(user)
        and post is not None
        and post.unit_id == user.unit_id
        and post.approves_escalations
    )


def covers(user, item_code: str, stage: str) -> bool:
    """Whether the user's post covers ``stage`` of the item (N-3.4), as the actions check."""
    post = user.post
    return post is not None and post.unit_id == user.unit_id and post.covers(item_code, stage)


@dataclass(frozen=True)
class Authority:
    """What a user may do at one stage of an item: by post, by an approved escalation not
    used yet, or neither (then the page offers the escalation, or says it is pending)."""

    by_post: bool
    granted: bool
    pending: bool

    @property
    def may_act(self) -> bool:
        return self.by_post or self.granted


def authority(user, *, item, stage: str, case: Case | None = None) -> Authority:
    if covers(user, item.code, stage):
        return Authority(by_post=True, granted=False, pending=False)
    statuses = set(
        Escalation.objects.filter(
            unit_id=user.unit_id,
            requested_by=user,
            item=item,
            stage=stage,
            case=case,
            used_at__isnull=True,
            status__in=[EscalationStatus.REQUESTED, EscalationStatus.APPROVED],
        ).values_list("status", flat=True)
    )
    return Authority(
        by_post=False,
        granted=EscalationStatus.APPROVED in statuses,
        pending=EscalationStatus.REQUESTED in statuses,
    )


# --- deadlines as the pages show them -------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    """A limit as a card colour and the working days left (N-5.6d, 电子监察 红黄牌)."""

    due_at: dt.datetime
    level: str  # "red", "yellow" or "" (running within the limit)
    days_left: int

    @property
    def text(self) -> str:
        if self.level == "red":
            return str(
                _("Overdue since {date}").format(
                    date=timezone.localtime(self.due_at).strftime("%Y-%m-%d %H:%M")
                )
            )
        if self.days_left <= 0:
            return str(_("Due today"))
        return str(_("{days} working days left").format(days=self.days_left))


def countdown(
    calendar: WorkCalendar, now: dt.datetime, due_at: dt.datetime | None, yellow_at
) -> Countdown | None:
    if due_at is None:
        return None
    if due_at < now:
        level = "red"
    elif yellow_at is not None and yellow_at <= now:
        level = "yellow"
    else:
        level = ""
    days = calendar.working_days_between(now, due_at) if level != "red" else 0
    return Countdown(due_at=due_at, level=level, days_left=max(0, days))


def annotate_countdowns(cases, calendar: WorkCalendar, now: dt.datetime) -> list[Case]:
    """Each running case gets ``case_countdown`` and ``stage_countdown``, and an online
    application waiting for acceptance ``accept_countdown`` (N-5.4) (no query)."""
    rows = list(cases)
    for case in rows:
        running = case.stage in RUNNING_STAGES
        case.accept_countdown = (
            countdown(calendar, now, case.accept_due_at, None)
            if case.stage == Stage.SUBMITTED
            else None
        )
        case.case_countdown = (
            countdown(calendar, now, case.due_at, case.yellow_at) if running else None
        )
        case.stage_countdown = (
            countdown(calendar, now, case.stage_due_at, case.stage_yellow_at) if running else None
        )
    return rows


# --- the lists ------------------------------------------------------------------------------


def unit_cases(user) -> QuerySet[Case]:
    return Case.objects.filter(unit_id=user.unit_id).select_related(*ROW_RELATED)


def mine(user) -> QuerySet[Case]:
    """Active cases I handle, own (首问, N-5.6a) or carry as agent (全程代理, N-5.6b)."""
    return (
        unit_cases(user)
        .filter(stage__in=ACTIVE_STAGES)
        .filter(Q(handler=user) | Q(owner=user) | Q(agent=user))
        .order_by("due_at", "received_at")
    )


def _late(now) -> Q:
    return Q(due_at__lt=now) | Q(stage_due_at__lt=now)


def _late_for_acceptance(now) -> Q:
    """An online application not taken by its acceptance deadline (N-5.4)."""
    return Q(stage=Stage.SUBMITTED, accept_due_at__lt=now)


def overdue(user, now=None) -> QuerySet[Case]:
    """Past the case's limit or the current stage's share of it (red card), or an online
    application past its acceptance deadline."""
    now = now or timezone.now()
    return (
        unit_cases(user)
        .filter((Q(stage__in=RUNNING_STAGES) & _late(now)) | _late_for_acceptance(now))
        .order_by("due_at", "accept_due_at")
    )


def online_waiting(user) -> QuerySet[Case]:
    """Applications submitted online to my unit, waiting for a clerk to take them
    (不积压, N-5.4): the earliest acceptance deadline first."""
    return unit_cases(user).waiting_acceptance().order_by("accept_due_at", "received_at")


def due_soon(user, now=None) -> QuerySet[Case]:
    """Within a yellow-card warning, of the case's limit or the stage's, and not overdue."""
    now = now or timezone.now()
    warned = Q(yellow_at__lte=now) | Q(stage_yellow_at__lte=now)
    return unit_cases(user).running().filter(warned).exclude(_late(now)).order_by("due_at")


def second_reviews(user) -> QuerySet[Case]:
    """Waiting for a second review that I may do (N-5.5, N-6.4): my post covers the item's
    second review, and I neither accepted nor first-reviewed the case."""
    post = user.post
    stage = AUTHORITY[Stage.SECOND_REVIEW]
    codes = []
    if post is not None and post.unit_id == user.unit_id:
        codes = [code for code in post.item_codes if post.covers(code, stage)]
    return (
        unit_cases(user)
        .filter(stage=Stage.SECOND_REVIEW, version__item__code__in=codes)
        .exclude(first_reviewed_by=user)
        .exclude(accepted_by=user)
        .order_by("stage_due_at")
    )


def escalations_waiting(user) -> QuerySet[Escalation]:
    """Escalations (请示, N-3.4) of my unit waiting for the head on duty: not my own."""
    if not is_head(user):
        return Escalation.objects.none()
    return (
        Escalation.objects.filter(unit_id=user.unit_id, status=EscalationStatus.REQUESTED)
        .exclude(requested_by=user)
        .select_related("case", "item__current", "requested_by")
        .order_by("requested_at")
    )


@dataclass(frozen=True)
class BacklogRow:
    stage: str
    label: str
    total: int
    overdue: int


def backlog(user, now=None) -> list[BacklogRow]:
    """The unit's active cases by stage, with how many are overdue: one grouped query."""
    now = now or timezone.now()
    counts = {
        row["stage"]: row
        for row in Case.objects.filter(unit_id=user.unit_id, stage__in=ACTIVE_STAGES)
        .values("stage")
        .annotate(
            total=Count("pk"),
            late=Count(
                "pk",
                filter=(_late(now) & Q(stage__in=RUNNING_STAGES)) | _late_for_acceptance(now),
            ),
        )
        .order_by()
    }
    return [
        BacklogRow(
            stage=stage,
            label=str(Stage(stage).label),
            total=counts.get(stage, {}).get("total", 0),
            overdue=counts.get(stage, {}).get("late", 0),
        )
        for stage in ACTIVE_STAGES
    ]
