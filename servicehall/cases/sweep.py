"""The deadline sweep of the electronic supervision (电子监察 红黄牌, N-5.4, N-5.6d).

One pass issues every card that is due and not issued yet: a yellow card once a case's
(or its review stage's) ``yellow_at`` has come while its limit has not run out, a red card
once the limit is exceeded; each once per case, limit and level (a unique index), so that
a pass may run every minute, or several at once. A limit already exceeded when first seen
gets its red card only. The candidates are queries on the indexed deadline columns of
cases whose clock runs; the cards are sent to the handling clerk, the first-contact owner
and the head on duty of the day (the roster), whose ids each card keeps. An application
made online that no clerk has taken by its acceptance deadline (one working day, 不积压,
N-5.4) gets a red card of its own, sent to the head on duty: nobody owns it yet.

Each card is a row of its own with one ledger entry (``cases.deadline_card``, by the
system), so a card that disappears is found by ``ledger verify`` (D-18).

``servicehall case-sweep`` runs a pass, or keeps running one every ``--every`` seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from servicehall.ledger.actions import Subject, append
from servicehall.ledger.choices import Channel
from servicehall.org.models import DutyAssignment

from .actions import card_state
from .choices import CardLevel, CardScope, Stage
from .models import Case, DeadlineCard

REVIEW_STAGES = (Stage.FIRST_REVIEW, Stage.SECOND_REVIEW)


@dataclass(frozen=True)
class Issued:
    card: DeadlineCard
    case_number: str


def _without_card(cases, level: str, *, stage_field: str | None, scope: str = CardScope.CASE):
    """``cases`` that have no card of ``level`` for the limit concerned: the stage in
    ``stage_field``, or else ``scope``."""
    cards = DeadlineCard.objects.filter(case=OuterRef("pk"), level=level)
    cards = cards.filter(stage=OuterRef(stage_field)) if stage_field else cards.filter(stage=scope)
    return cases.filter(~Exists(cards))


def _due(now: dt.datetime) -> list[tuple[Case, str, str, dt.datetime]]:
    """(case, scope, level, limit end) of every card due at ``now`` and not issued."""
    running = Case.objects.running().only(
        "pk", "unit_id", "number", "stage", "handler_id", "owner_id", "due_at", "stage_due_at"
    )
    reviews = running.filter(stage__in=REVIEW_STAGES)
    found = []
    for case in _without_card(running.filter(due_at__lt=now), CardLevel.RED, stage_field=None):
        found.append((case, CardScope.CASE, CardLevel.RED, case.due_at))
    yellow = running.filter(yellow_at__lte=now, due_at__gte=now)
    for case in _without_card(yellow, CardLevel.YELLOW, stage_field=None):
        found.append((case, CardScope.CASE, CardLevel.YELLOW, case.due_at))
    late = reviews.filter(stage_due_at__lt=now)
    for case in _without_card(late, CardLevel.RED, stage_field="stage"):
        found.append((case, case.stage, CardLevel.RED, case.stage_due_at))
    soon = reviews.filter(Q(stage_yellow_at__lte=now) & Q(stage_due_at__gte=now))
    for case in _without_card(soon, CardLevel.YELLOW, stage_field="stage"):
        found.append((case, case.stage, CardLevel.YELLOW, case.stage_due_at))
    waiting = Case.objects.acceptance_overdue(now).only("pk", "unit_id", "number", "accept_due_at")
    for case in _without_card(waiting, CardLevel.RED, stage_field=None, scope=CardScope.ACCEPTANCE):
        found.append((case, CardScope.ACCEPTANCE, CardLevel.RED, case.accept_due_at))
    return found


def _heads(unit_ids: set[int], day: dt.date) -> dict[int, int]:
    return dict(
        DutyAssignment.objects.filter(unit_id__in=unit_ids, date=day, head_on_duty=True)
        .values_list("unit_id", "staff_id")
    )  # fmt: skip


def sweep(now: dt.datetime | None = None) -> list[Issued]:
    """One pass: issue the cards due at ``now``; return those issued by this pass."""
    now = now or timezone.now()
    due = _due(now)
    heads = _heads({case.unit_id for case, *_rest in due}, timezone.localdate(now))
    issued = []
    for case, scope, level, limit_end in due:
        try:
            with transaction.atomic():
                card = DeadlineCard.objects.create(
                    unit_id=case.unit_id, case=case, stage=scope, level=level, issued_at=now,
                    due_at=limit_end, clerk_id=case.handler_id, owner_id=case.owner_id,
                    head_id=heads.get(case.unit_id),
                )  # fmt: skip
                append(
                    unit=case.unit_id, event="cases.deadline_card", subject=Subject.of(card),
                    payload={"state": card_state(card), "case": case.number},
                    channel=Channel.SYSTEM,
                )  # fmt: skip
        except IntegrityError:
            continue  # another pass issued it meanwhile
        issued.append(Issued(card, case.number))
    return issued
