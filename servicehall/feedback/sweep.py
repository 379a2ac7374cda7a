"""The feedback sweep: warnings before a rectification's deadline and notices once it has
passed (N-2.5, N-5.6e), and, where a unit has switched it on, visits left unrated for N
days counted as basically satisfied (基本满意, N-2.5; off by default).

Each notice is a row, once per rectification, round and level (a unique constraint), sent
to the responsible staff member and the head on duty of the day, with one ledger entry
by the system; so a pass may run every minute, or several at once. The candidates are
queries on the indexed deadline columns. ``servicehall feedback-sweep`` runs a pass, or
one every ``--every`` seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from servicehall.ledger.actions import Subject, append
from servicehall.ledger.choices import Channel
from servicehall.org.models import DutyAssignment
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import Ticket

from .actions import notice_state, rating_state
from .choices import RUNNING, Level, Mode, NoticeLevel, RatingChannel, SubjectKind
from .models import FeedbackSettings, Rating, Rectification, RectificationNotice


@dataclass
class Pass:
    notices: list[RectificationNotice] = field(default_factory=list)
    defaulted: list[Rating] = field(default_factory=list)


def _without_notice(rows, level: str):
    notices = RectificationNotice.objects.filter(
        rectification=OuterRef("pk"), round=OuterRef("round"), level=level
    )
    return rows.filter(~Exists(notices))


def _heads(unit_ids: set[int], day: dt.date) -> dict[int, int]:
    return dict(
        DutyAssignment.objects.filter(unit_id__in=unit_ids, date=day, head_on_duty=True)
        .values_list("unit_id", "staff_id")
    )  # fmt: skip


def _notices(now: dt.datetime) -> list[RectificationNotice]:
    running = Rectification.objects.filter(status__in=RUNNING)
    due = [
        (row, NoticeLevel.OVERDUE)
        for row in _without_notice(running.filter(due_at__lt=now), NoticeLevel.OVERDUE)
    ]
    soon = running.filter(warn_at__lte=now, due_at__gte=now)
    due += [(row, NoticeLevel.WARNING) for row in _without_notice(soon, NoticeLevel.WARNING)]
    heads = _heads({row.unit_id for row, _level in due}, timezone.localdate(now))
    issued = []
    for row, level in due:
        try:
            with transaction.atomic():
                notice = RectificationNotice.objects.create(
                    unit_id=row.unit_id, rectification=row, round=row.round, level=level,
                    issued_at=now, due_at=row.due_at, assignee_id=row.assignee_id,
                    head_id=heads.get(row.unit_id),
                )  # fmt: skip
                append(
                    unit=row.unit_id, event="feedback.rectification_notice",
                    subject=Subject.of(notice), payload={"state": notice_state(notice)},
                    channel=Channel.SYSTEM,
                )  # fmt: skip
        except IntegrityError:
            continue  # another pass issued it meanwhile
        issued.append(notice)
    return issued


def _defaults(now: dt.datetime) -> list[Rating]:
    """Visits left unrated for the unit's N days count as basically satisfied (基本满意),
    recorded with the channel "default"; only in units that switched it on."""
    made = []
    rules = FeedbackSettings.objects.filter(
        default_after_days__isnull=False, default_from__isnull=False
    )
    for rule in rules:
        since = dt.datetime.combine(
            rule.default_from, dt.time(), tzinfo=timezone.get_current_timezone()
        )
        rated = Rating.objects.filter(ticket=OuterRef("pk"))
        tickets = Ticket.objects.filter(
            unit_id=rule.unit_id, status=TicketStatus.DONE, finished_at__gte=since,
            finished_at__lt=now - dt.timedelta(days=rule.default_after_days),
        ).filter(~Exists(rated)).select_related("clerk")  # fmt: skip
        for ticket in tickets:
            row = Rating(
                unit_id=ticket.unit_id, subject_kind=SubjectKind.VISIT, ticket=ticket,
                mode=Mode.ON_SITE, window_id=ticket.window_id, clerk=ticket.clerk,
                staff_no=(ticket.clerk.staff_no or "") if ticket.clerk_id else "",
                item_id=ticket.item_id, level=Level.BASICALLY_SATISFIED,
                channel=RatingChannel.DEFAULT, rated_at=now,
            )  # fmt: skip
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
                    append(
                        unit=row.unit_id, event="feedback.rating_defaulted",
                        subject=Subject.of(row), payload={"state": rating_state(row)},
                        channel=Channel.SYSTEM,
                    )  # fmt: skip
            except IntegrityError:
                continue  # rated meanwhile
            made.append(row)
    return made


def sweep(now: dt.datetime | None = None) -> Pass:
    """One pass at ``now``: the notices due and not issued, and the default ratings due."""
    now = now or timezone.now()
    return Pass(notices=_notices(now), defaulted=_defaults(now))
