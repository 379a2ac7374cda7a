"""The evaluations' actions (好差评, N-2.5, P-W26) and the rectification of bad reviews
(差评整改, N-2.5, N-6.1, N-5.6e): each checks its rules first, changes its rows in one
transaction and writes exactly one ledger entry (design.md, invariant 1).

The client rates; staff never do (P-W26: the desk asks, staff neither rate for the client
nor press them), so ``submit_rating`` refuses any logged-in user. A bad rating opens its
rectification in the same entry, assigned to whoever handled the service (谁办理谁负责).

The entries record the rows' states with a keyed digest in place of each free text (the
client's comment, the rectification's notes): the texts may carry names, phone or ID
numbers (D-10), and the unit's staff and the supervisors read the ledger.

Each follow-up call keeps the round it ends in a ``RectificationRound`` (its texts, who did
each step, the client's answer), recorded in the call's one entry: an unsatisfied client
starts the next round with its steps empty, and the earlier round's texts are not lost.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.ledger.actions import Subject, append
from servicehall.ledger.canonical import optional_timestamp
from servicehall.ledger.choices import Channel
from servicehall.ledger.registry import Reconciler, register_event, register_reconciler
from servicehall.lib.fieldcrypto import text_digest
from servicehall.lib.idnumbers import InvalidMobile, normalize_mobile
from servicehall.org.calendar import calendar_for
from servicehall.org.models import Unit

from .access import may_decide_appeal, may_handle
from .choices import (
    DIMENSIONS,
    AppealDecision,
    BadReason,
    Classification,
    RatingChannel,
    RatingStatus,
    RectificationStatus,
    is_good,
)
from .models import (
    FeedbackSettings,
    Rating,
    Rectification,
    RectificationNotice,
    RectificationRound,
)
from .subjects import Rated

VERSIONS = {"feedback.rectification_notice": 1, "feedback.rating_defaulted": 2}
for name, description, clauses in (
    ("feedback.rating_submitted", "A client rates a visit, case or call.", ("N-2.5", "P-W26")),
    (
        "feedback.rating_defaulted",
        "A visit left unrated counts as basically satisfied (the unit's setting).",
        ("N-2.5",),
    ),
    ("feedback.rectification_contacted", "The client of a bad rating is contacted.", ("N-2.5",)),
    (
        "feedback.rectification_classified",
        "A bad rating is verified and classified.",
        ("N-2.5", "N-6.1"),
    ),
    (
        "feedback.rectification_appealed",
        "A bad rating found mistaken or malicious is appealed to the department above.",
        ("N-2.5", "N-6.2"),
    ),
    (
        "feedback.appeal_decided",
        "The department above upholds or rejects the appeal of a bad rating.",
        ("N-2.5", "N-6.2", "N-5.6e"),
    ),
    (
        "feedback.rectification_measures",
        "The measures taken on a bad rating are recorded.",
        ("N-2.5", "N-5.6e"),
    ),
    (
        "feedback.rectification_followed_up",
        "The client is called back (回访) and answers whether they are satisfied.",
        ("N-2.5", "N-6.1"),
    ),
    (
        "feedback.rectification_notice",
        "A rectification's deadline approaches or has passed.",
        ("N-2.5", "N-5.6e"),
    ),
):
    # Version 2: the states hold keyed digests of the free texts, never the texts (D-10).
    # Version 3: a rectification's state names who did each step of the round, and the
    # follow-up call records the round it ends (``RectificationRound``).
    register_event(name, VERSIONS.get(name, 3), description, clauses)

CLIENT_CHANNELS = (RatingChannel.PAD, RatingChannel.PORTAL, RatingChannel.PHONE)
LEDGER_CHANNEL = {
    RatingChannel.PAD: Channel.PAD,
    RatingChannel.PORTAL: Channel.PORTAL,
    RatingChannel.PHONE: Channel.PHONE,
    RatingChannel.DEFAULT: Channel.SYSTEM,
}
COMMENT_MAX = 500
NOTE_MAX = 2000


class FeedbackError(ValidationError):
    """An evaluation or rectification step that the rules refuse, in the user's language."""


RECTIFICATION_TEXTS = (
    "contact_note", "findings", "measures", "appeal_reason", "appeal_note", "follow_up_note",
)  # fmt: skip


def rating_state(row: Rating) -> dict:
    """What every entry about a rating records of it (``ledger verify`` compares); the
    comment as its keyed digest (D-10)."""
    return {
        "unit": row.unit_id,
        "kind": row.subject_kind,
        "ticket": row.ticket_id,
        "case": row.case_id,
        "call_ref": row.call_ref,
        "mode": row.mode,
        "window": row.window_id,
        "clerk": row.clerk_id,
        "staff_no": row.staff_no,
        "item": row.item_id,
        "level": row.level,
        "dimensions": dict(sorted(row.dimensions.items())),
        "reasons": list(row.reasons),
        "comment_digest": text_digest("feedback.rating.comment", row.ref, row.comment),
        "contact_phone": bool(row.contact_phone_token),
        "channel": row.channel,
        "device": row.device_id,
        "rated_at": optional_timestamp(row.rated_at),
        "status": row.status,
        "set_aside_at": optional_timestamp(row.set_aside_at),
    }


def rectification_state(row: Rectification) -> dict:
    """What every entry about a rectification records of it; its texts as keyed digests
    (D-10)."""
    digests = {
        f"{field}_digest": text_digest(
            f"feedback.rectification.{field}", row.pk, getattr(row, field)
        )
        for field in RECTIFICATION_TEXTS
    }
    return {
        "unit": row.unit_id,
        "rating": row.rating_id,
        "assignee": row.assignee_id,
        "round": row.round,
        "status": row.status,
        "opened_at": optional_timestamp(row.opened_at),
        "round_started_at": optional_timestamp(row.round_started_at),
        "due_at": optional_timestamp(row.due_at),
        "warn_at": optional_timestamp(row.warn_at),
        "contacted_at": optional_timestamp(row.contacted_at),
        "classification": row.classification,
        "measures_at": optional_timestamp(row.measures_at),
        "appealed_at": optional_timestamp(row.appealed_at),
        "appeal_decision": row.appeal_decision,
        "appeal_decided_by": row.appeal_decided_by_id,
        "appeal_decided_at": optional_timestamp(row.appeal_decided_at),
        "follow_up_at": optional_timestamp(row.follow_up_at),
        "client_satisfied": row.client_satisfied,
        "closed_at": optional_timestamp(row.closed_at),
        "contacted_by": row.contacted_by_id,
        "classified_by": row.classified_by_id,
        "measures_by": row.measures_by_id,
        "appealed_by": row.appealed_by_id,
        "follow_up_by": row.follow_up_by_id,
        **digests,
    }


def round_state(row: RectificationRound) -> dict:
    """What the follow-up call's entry records of the round it ends; its texts as keyed
    digests (D-10), so ``ledger verify`` finds one changed without the ledger holding it."""
    column = "feedback.rectificationround.{}".format
    digests = {
        f"{field}_digest": text_digest(column(field), row.pk, getattr(row, field))
        for field in RECTIFICATION_TEXTS
    }
    return {
        "unit": row.unit_id,
        "rectification": row.rectification_id,
        "round": row.round,
        "started_at": optional_timestamp(row.started_at),
        "due_at": optional_timestamp(row.due_at),
        "contacted_at": optional_timestamp(row.contacted_at),
        "contacted_by": row.contacted_by_id,
        "classification": row.classification,
        "classified_by": row.classified_by_id,
        "measures_at": optional_timestamp(row.measures_at),
        "measures_by": row.measures_by_id,
        "appealed_at": optional_timestamp(row.appealed_at),
        "appealed_by": row.appealed_by_id,
        "appeal_decision": row.appeal_decision,
        "appeal_decided_at": optional_timestamp(row.appeal_decided_at),
        "appeal_decided_by": row.appeal_decided_by_id,
        "follow_up_at": optional_timestamp(row.follow_up_at),
        "follow_up_by": row.follow_up_by_id,
        "client_satisfied": row.client_satisfied,
        **digests,
    }


def notice_state(row: RectificationNotice) -> dict:
    return {
        "unit": row.unit_id,
        "rectification": row.rectification_id,
        "round": row.round,
        "level": row.level,
        "issued_at": optional_timestamp(row.issued_at),
        "due_at": optional_timestamp(row.due_at),
        "assignee": row.assignee_id,
        "head": row.head_id,
    }


register_reconciler(Reconciler("feedback.rating", Rating, rating_state))
register_reconciler(Reconciler("feedback.rectification", Rectification, rectification_state))
register_reconciler(Reconciler("feedback.rectificationnotice", RectificationNotice, notice_state))
register_reconciler(Reconciler("feedback.rectificationround", RectificationRound, round_state))


def _rectification_record(row: Rectification) -> dict:
    return {"subject": f"feedback.rectification:{row.pk}", "state": rectification_state(row)}


def _round_record(row: RectificationRound) -> dict:
    return {"subject": f"feedback.rectificationround:{row.pk}", "state": round_state(row)}


def _rating_record(row: Rating) -> dict:
    return {"subject": f"feedback.rating:{row.pk}", "state": rating_state(row)}


# --- ratings --------------------------------------------------------------------------------


def _check_not_staff(actor) -> None:
    # P-W26: a staff member's session never rates, whatever page it is on.
    if actor is not None and getattr(actor, "is_authenticated", False):
        raise PermissionDenied(
            _(
                "Staff cannot submit an evaluation: the client rates on their own, "
                "and is never pressed (P-W26)."
            )
        )


def _clean_level(value, field: str = "level") -> int:
    # A whole level, as a number or its digits: JSON true is no level 1, 2.7 no level 2.
    try:
        level = int(value) if isinstance(value, int | str) and not isinstance(value, bool) else 0
    except ValueError:
        level = 0
    if not 1 <= level <= 5:
        raise FeedbackError({field: _("Choose a level from 1 to 5.")})
    return level


def _clean_rating(rated: Rated, *, level, dimensions, reasons, comment, contact_phone, channel):
    level = _clean_level(level)
    allowed = {str(code) for code in DIMENSIONS[rated.mode]}
    clean_dimensions = {}
    for code, value in (dimensions or {}).items():
        if value in (None, ""):
            continue
        if code not in allowed:
            raise FeedbackError({"dimensions": _("Unknown dimension: {code}").format(code=code)})
        clean_dimensions[code] = _clean_level(value, "dimensions")
    clean_reasons: list[str] = []
    if not is_good(level):
        for code in reasons or ():
            if code not in BadReason.values:
                raise FeedbackError({"reasons": _("Unknown reason: {code}").format(code=code)})
            if code not in clean_reasons:
                clean_reasons.append(code)
        # The telephone system may not collect reasons; every other channel asks for one.
        if not clean_reasons and channel != RatingChannel.PHONE:
            raise FeedbackError(
                {"reasons": _("Please pick at least one reason, so that we can put it right.")}
            )
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise FeedbackError(
            {"comment": _("At most {count} characters, please.").format(count=COMMENT_MAX)}
        )
    phone = ""
    if (contact_phone or "").strip():
        try:
            phone = normalize_mobile(contact_phone)
        except InvalidMobile as error:
            raise FeedbackError({"contact_phone": str(error)}) from None
    return level, clean_dimensions, clean_reasons, comment, phone


def _already_rated() -> FeedbackError:
    return FeedbackError(
        _("This service has already been rated: each visit or case is rated once."),
        code="rated",
    )


def _exists(rated: Rated) -> bool:
    if rated.ticket is not None:
        return Rating.objects.filter(ticket=rated.ticket).exists()
    if rated.case is not None:
        return Rating.objects.filter(case=rated.case).exists()
    return Rating.objects.filter(unit_id=rated.unit_id, call_ref=rated.call_ref).exists()


def deadlines(calendar, rules: FeedbackSettings, start):
    """The deadline (``rules.rectification_days`` working days on) and the warning's time
    (``rules.warning_days`` working days before it), at the end of office hours."""
    due = calendar.deadline(start, rules.rectification_days).closes_at
    warn_days = max(rules.rectification_days - rules.warning_days, 0)
    warn = calendar.deadline(start, warn_days).closes_at
    return due, min(warn, due)


def _open_rectification(rating: Rating, unit: Unit, now) -> Rectification:
    rules = FeedbackSettings.for_unit(unit.pk)
    due, warn = deadlines(calendar_for(unit), rules, now)
    # 谁办理谁负责: the clerk who handled the service, when still of this unit.
    assignee = rating.clerk if rating.clerk and rating.clerk.unit_id == unit.pk else None
    return Rectification.objects.create(
        unit=unit, rating=rating, assignee=assignee, opened_at=now, round_started_at=now,
        due_at=due, warn_at=warn,
    )  # fmt: skip


def submit_rating(
    actor,
    rated: Rated,
    *,
    channel: str,
    level,
    dimensions: dict | None = None,
    reasons=(),
    comment: str = "",
    contact_phone: str = "",
    device=None,
) -> Rating:
    """The client's rating of ``rated`` (a visit, case or call), through ``channel``.

    ``actor`` is whoever sent the request: anybody logged in is refused (P-W26). One rating
    per visit (一次一评), per case (一事一评) and per call, by database constraints too. A
    bad rating (不满意, 非常不满意) opens its rectification, recorded in the same entry.
    """
    _check_not_staff(actor)
    if channel not in CLIENT_CHANNELS:
        raise FeedbackError({"channel": _("Unknown channel.")})
    if rated.not_ready:
        raise FeedbackError(rated.not_ready, code="not_ready")
    if device is not None and device.unit_id != rated.unit_id:
        raise PermissionDenied(_("This device belongs to another unit."))
    level, dims, reasons_, comment, phone = _clean_rating(
        rated, level=level, dimensions=dimensions, reasons=reasons, comment=comment,
        contact_phone=contact_phone, channel=channel,
    )  # fmt: skip
    if _exists(rated):
        raise _already_rated()
    unit = Unit.objects.get(pk=rated.unit_id)
    now = timezone.now()
    row = Rating(
        unit=unit, subject_kind=rated.kind, ticket=rated.ticket, case=rated.case,
        call_ref=rated.call_ref, mode=rated.mode, window_id=rated.window_id, clerk=rated.clerk,
        staff_no=rated.staff_no, item_id=rated.item_id, level=level, dimensions=dims,
        reasons=reasons_, comment=comment, channel=channel, device=device, rated_at=now,
    )  # fmt: skip
    row.set_contact_phone(phone)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            extra = {}
            if not is_good(level):
                rectification = _open_rectification(row, unit, now)
                extra["also"] = [_rectification_record(rectification)]
            append(
                unit=unit, event="feedback.rating_submitted", subject=Subject.of(row),
                payload={"state": rating_state(row), **extra}, actor=None,
                channel=LEDGER_CHANNEL[channel],
            )  # fmt: skip
    except IntegrityError:
        # Two submissions at once: the constraint lets one in.
        raise _already_rated() from None
    return row


# --- rectification ----------------------------------------------------------------------------


def _locked(row: Rectification, actor, *statuses: str) -> Rectification:
    if not may_handle(actor, row):
        raise PermissionDenied(
            _("Only the staff member who handled the service, or the head on duty, does this.")
        )
    locked = Rectification.objects.select_for_update().get(pk=row.pk)
    if locked.status not in statuses:
        raise FeedbackError(
            _("Not at this step: the rectification is {status}.").format(
                status=locked.get_status_display()
            ),
            code="status",
        )
    return locked


def _required(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise FeedbackError({field: message})
    if len(value) > NOTE_MAX:
        raise FeedbackError(
            {field: _("At most {count} characters, please.").format(count=NOTE_MAX)}
        )
    return value


def _record(row: Rectification, event: str, actor, **extra) -> None:
    append(
        unit=row.unit_id, event=event, subject=Subject.of(row),
        payload={"state": rectification_state(row), **extra}, actor=actor,
    )  # fmt: skip


def _contacted(row: Rectification) -> None:
    if row.contacted_at is None:
        raise FeedbackError(_("Contact the client first."), code="order")


def record_contact(actor, row: Rectification, *, note: str) -> Rectification:
    """Step 1: the client was contacted (or tried): when, how, what they said."""
    note = _required(note, "note", _("Say how the client was contacted and what they said."))
    with transaction.atomic():
        row = _locked(row, actor, RectificationStatus.OPEN)
        row.contacted_at, row.contact_note, row.contacted_by = timezone.now(), note, actor
        row.save(update_fields=["contacted_at", "contact_note", "contacted_by"])
        _record(row, "feedback.rectification_contacted", actor)
    return row


def classify(actor, row: Rectification, *, classification: str, findings: str) -> Rectification:
    """Step 2: verified and classified: valid and fixed at once, valid and needing time, or
    explained (the request has no legal basis). A mistaken or malicious rating is appealed
    instead (``appeal``)."""
    if classification == Classification.MISTAKEN:
        raise FeedbackError(
            {"classification": _("A mistaken or malicious rating is appealed: use the appeal.")}
        )
    if classification not in Classification.values:
        raise FeedbackError({"classification": _("Choose a classification.")})
    findings = _required(findings, "findings", _("Say what the verification found."))
    with transaction.atomic():
        row = _locked(row, actor, RectificationStatus.OPEN)
        _contacted(row)
        row.classification, row.findings, row.classified_by = classification, findings, actor
        row.save(update_fields=["classification", "findings", "classified_by"])
        _record(row, "feedback.rectification_classified", actor)
    return row


def appeal(actor, row: Rectification, *, reason: str) -> Rectification:
    """A rating found mistaken or malicious is appealed (申诉复核) to the department above,
    which decides (``decide_appeal``). Once per rectification."""
    reason = _required(reason, "reason", _("Say why the rating is mistaken or malicious."))
    with transaction.atomic():
        row = _locked(row, actor, RectificationStatus.OPEN)
        _contacted(row)
        if row.appeal_decision:
            raise FeedbackError(
                _("The appeal has been decided already: rectify the rating."), code="appealed"
            )
        if row.classification:
            raise FeedbackError(
                _("The rating is verified and classified already: record the measures."),
                code="order",
            )
        row.classification, row.findings = Classification.MISTAKEN, reason
        row.appeal_reason, row.appealed_at = reason, timezone.now()
        row.classified_by = row.appealed_by = actor
        row.status = RectificationStatus.APPEALED
        row.save(
            update_fields=[
                "classification", "findings", "appeal_reason", "appealed_at", "status",
                "classified_by", "appealed_by",
            ]
        )  # fmt: skip
        _record(row, "feedback.rectification_appealed", actor)
    return row


def decide_appeal(actor, row: Rectification, *, upheld: bool, note: str) -> Rectification:
    """The supervisor of a department above decides: upheld, the rating is set aside
    (excluded from the figures, kept in the history); rejected, back to rectification."""
    unit = Unit.objects.get(pk=row.unit_id)
    if not may_decide_appeal(actor, unit):
        raise PermissionDenied(_("Only a supervisor of the department above decides an appeal."))
    note = _required(note, "note", _("Give the reasons of the decision."))
    now = timezone.now()
    with transaction.atomic():
        row = Rectification.objects.select_for_update().get(pk=row.pk)
        if row.status != RectificationStatus.APPEALED:
            raise FeedbackError(_("This rectification is not waiting for an appeal decision."))
        row.appeal_decision = AppealDecision.UPHELD if upheld else AppealDecision.REJECTED
        row.appeal_note, row.appeal_decided_by, row.appeal_decided_at = note, actor, now
        fields = ["appeal_decision", "appeal_note", "appeal_decided_by", "appeal_decided_at"]
        also, stood = [], 0
        if upheld:
            row.status, row.closed_at = RectificationStatus.SET_ASIDE, now
            rating = Rating.objects.select_for_update().get(pk=row.rating_id)
            rating.status, rating.set_aside_at = RatingStatus.SET_ASIDE, now
            rating.save(update_fields=["status", "set_aside_at"])
            also.append(_rating_record(rating))
        else:
            # The clock stood while the department above decided (an appealed rectification
            # is not running): the deadline and its warning move on by the working days the
            # appeal took, as a case's do when it resumes after a correction (N-2.5, N-5.6e).
            calendar = calendar_for(unit)
            stood = max(0, calendar.working_days_between(row.appealed_at, now))
            row.due_at = _moved(calendar, row.due_at, stood)
            row.warn_at = _moved(calendar, row.warn_at, stood)
            row.status, row.classification = RectificationStatus.OPEN, ""
            fields += ["due_at", "warn_at"]
        row.save(update_fields=[*fields, "status", "closed_at", "classification"])
        _record(row, "feedback.appeal_decided", actor, also=also, stood_days=stood)
    return row


def _moved(calendar, moment, days: int):
    """``moment`` (a deadline, at closing time) ``days`` working days later."""
    if not days:
        return moment
    return calendar.deadline(moment.astimezone(calendar.tz).date(), days).closes_at


def record_measures(actor, row: Rectification, *, measures: str) -> Rectification:
    """Step 3: the measures taken (or the explanation given); then the follow-up call."""
    measures = _required(measures, "measures", _("Say what was done."))
    with transaction.atomic():
        row = _locked(row, actor, RectificationStatus.OPEN)
        if row.classification not in (
            Classification.FIXED_AT_ONCE, Classification.NEEDS_TIME, Classification.EXPLAINED
        ):  # fmt: skip
            raise FeedbackError(_("Verify and classify the rating first."), code="order")
        row.measures, row.measures_at, row.measures_by = measures, timezone.now(), actor
        row.status = RectificationStatus.FOLLOW_UP
        row.save(update_fields=["measures", "measures_at", "measures_by", "status"])
        _record(row, "feedback.rectification_measures", actor)
    return row


def _keep_round(row: Rectification) -> RectificationRound:
    """The round that the follow-up call on ``row`` ends, kept with its texts before the
    next round empties the row's steps (no data is lost). The appeal, once per
    rectification and always decided within its round, is kept with the first round that
    ends after it: the round it was made in."""
    in_round = (
        row.appealed_at is not None
        and not RectificationRound.objects.filter(
            rectification=row, appealed_at__isnull=False
        ).exists()
    )
    appeal = {
        "appeal_reason": row.appeal_reason, "appealed_at": row.appealed_at,
        "appealed_by_id": row.appealed_by_id, "appeal_decision": row.appeal_decision,
        "appeal_note": row.appeal_note, "appeal_decided_at": row.appeal_decided_at,
        "appeal_decided_by_id": row.appeal_decided_by_id,
    } if in_round else {}  # fmt: skip
    return RectificationRound.objects.create(
        unit_id=row.unit_id, rectification=row, round=row.round,
        started_at=row.round_started_at, due_at=row.due_at, contacted_at=row.contacted_at,
        contacted_by_id=row.contacted_by_id, contact_note=row.contact_note,
        classification=row.classification, findings=row.findings,
        classified_by_id=row.classified_by_id, measures=row.measures,
        measures_at=row.measures_at, measures_by_id=row.measures_by_id,
        follow_up_at=row.follow_up_at, follow_up_by_id=row.follow_up_by_id,
        client_satisfied=bool(row.client_satisfied), follow_up_note=row.follow_up_note,
        **appeal,
    )  # fmt: skip


def record_follow_up(actor, row: Rectification, *, satisfied: bool, note: str) -> Rectification:
    """Step 4: the follow-up call (回访). Satisfied, the rectification closes; otherwise it
    goes round again, with a new deadline from today.

    Either way the round that ends is kept in a ``RectificationRound`` (N-2.5, N-6.1): the
    next round starts with the row's steps empty, and the earlier texts stay readable. The
    one entry records the round too (under "also", its texts as digests, D-10)."""
    note = _required(note, "note", _("Write down the client's answer."))
    now = timezone.now()
    with transaction.atomic():
        row = _locked(row, actor, RectificationStatus.FOLLOW_UP)
        row.follow_up_at, row.client_satisfied, row.follow_up_note = now, satisfied, note
        row.follow_up_by = actor
        fields = ["follow_up_at", "client_satisfied", "follow_up_note", "follow_up_by"]
        ended = _keep_round(row)
        if satisfied:
            row.status, row.closed_at = RectificationStatus.CLOSED, now
            fields += ["status", "closed_at"]
        else:
            unit = Unit.objects.get(pk=row.unit_id)
            row.due_at, row.warn_at = deadlines(
                calendar_for(unit), FeedbackSettings.for_unit(unit.pk), now
            )
            row.round += 1
            row.status, row.round_started_at = RectificationStatus.OPEN, now
            row.contacted_at, row.contact_note = None, ""
            row.classification = row.findings = row.measures = ""
            row.measures_at = row.contacted_by = row.classified_by = row.measures_by = None
            fields += [
                "due_at", "warn_at", "round", "status", "round_started_at", "contacted_at",
                "contact_note", "classification", "findings", "measures", "measures_at",
                "contacted_by", "classified_by", "measures_by",
            ]  # fmt: skip
        row.save(update_fields=fields)
        _record(
            row, "feedback.rectification_followed_up", actor, satisfied=satisfied,
            also=[_round_record(ended)],
        )  # fmt: skip
    return row
