"""The complaints' actions (N-6.1; GB/T 36113): receive from the online form or enter
from the suggestion box, the report hotline, a 12345 referral or opinion monitoring;
assign a handler; accept or refuse; refer elsewhere; investigate, handle, reply, archive;
set a unit's time limits.

Each checks who may and the order of the steps first (a refusal changes nothing), runs in
one transaction and writes exactly one ledger entry (invariant 1). The entries record the
complaint's state with a keyed digest in place of the identity and the free texts
(``Complaint.digest``): staff who may not see them can read the ledger.

Who handles (``access.py``): the unit's heads on duty, and the handler a head assigned;
never the staff member concerned. When every head on duty is the staff member concerned,
or the unit has none, a supervisor of a department above routes the complaint in their
place (accept, assign, refuse, refer, archive; ``access.may_route``).

A substantiated finding against a clause needs the violation recorded
(``supervision.actions.record_violation``) and, when a staff member is concerned, an
accountability decision (N-5.6e) before the complaint is handled.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.cases.personal import InvalidPhone, normalize_phone
from servicehall.ledger.actions import Subject, append
from servicehall.ledger.canonical import optional_timestamp
from servicehall.ledger.choices import Channel as LedgerChannel
from servicehall.ledger.registry import Reconciler, register_event, register_reconciler
from servicehall.lib.idnumbers import InvalidIDNumber, normalize_id_number
from servicehall.norms.choices import ClauseKind
from servicehall.org.choices import Role
from servicehall.org.models import User
from servicehall.supervision.violations import Accountability

from . import deadlines, identity
from .access import is_handler, may_route, may_take, referral_concerned, violation_for
from .choices import (
    OPEN_STEPS,
    STAFF_CHANNELS,
    SUBSTANTIATED_FINDINGS,
    Channel,
    Finding,
    Kind,
    ReplyMethod,
    Step,
)
from .models import Complaint, ComplaintCounter, ComplaintSettings

for name, description, clauses in (
    ("complaints.received", "A complaint, suggestion or report comes in through a channel.",
     ("N-6.1", "P-W24", "P-W25")),
    ("complaints.assigned", "The head on duty (or, when none may, the supervisor above) "
     "gives a complaint to a handler.", ("N-6.1",)),
    ("complaints.accepted", "A complaint is accepted (受理).", ("N-6.1",)),
    ("complaints.not_accepted", "A complaint is not accepted, with the reason.", ("N-6.1",)),
    ("complaints.referred", "A complaint is referred to another unit, with the reason.",
     ("N-6.1",)),
    ("complaints.referral_taken", "The unit a complaint was referred to takes it: a "
     "complaint of its own, linked to the referred one.", ("N-6.1",)),
    ("complaints.investigated", "The investigation's finding (调查).", ("N-6.1", "N-5.6e")),
    ("complaints.handled", "The measures taken (处理).", ("N-6.1", "N-5.6e")),
    ("complaints.replied", "The reply to the complainant (答复).", ("N-6.1",)),
    ("complaints.archived", "A complaint is archived (归档).", ("N-6.1",)),
    ("complaints.deadline_warning", "A step of a complaint is due soon or overdue.",
     ("N-6.1", "N-5.6e")),
    ("complaints.limits_set", "A unit's time limits for the complaint steps.", ("N-6.1",)),
):  # fmt: skip
    register_event(name, 1, description, clauses)


class ComplaintError(ValidationError):
    """A complaint action that the rules or the complaint's step do not allow."""


def complaint_state(row: Complaint) -> dict:
    """What every entry about a complaint records of it (``ledger verify`` compares)."""
    return {
        "number": row.number,
        "channel": row.channel,
        "kind": row.kind,
        "work_order_no": row.work_order_no,
        "anonymous": row.anonymous,
        "digest": row.digest(),
        "clause": row.clause_id,
        "staff_concerned": row.staff_concerned_id,
        "handler": row.handler_id,
        "step": row.step,
        "step_due_at": optional_timestamp(row.step_due_at),
        "step_warn_at": optional_timestamp(row.step_warn_at),
        "received_at": optional_timestamp(row.received_at),
        "received_by": row.received_by_id,
        "accepted_at": optional_timestamp(row.accepted_at),
        "investigated_at": optional_timestamp(row.investigated_at),
        "finding": row.finding,
        "handled_at": optional_timestamp(row.handled_at),
        "replied_at": optional_timestamp(row.replied_at),
        "reply_method": row.reply_method,
        "archived_at": optional_timestamp(row.archived_at),
        "referred_to_unit": row.referred_to_unit_id,
        "referred_to_name": row.referred_to_name,
        "referred_from": row.referred_from_id,
        "last_actor": row.last_actor_id,
    }


def settings_state(row: ComplaintSettings) -> dict:
    return {field: getattr(row, field) for field in ComplaintSettings.DEFAULTS}


register_reconciler(Reconciler("complaints.complaint", Complaint, complaint_state))
register_reconciler(Reconciler("complaints.complaintsettings", ComplaintSettings, settings_state))


# --- who may ----------------------------------------------------------------------------------


def _check_handler(actor, complaint: Complaint, *, or_router: bool = False) -> None:
    """The handlers act; with ``or_router`` (accept, refuse, refer) also whoever routes it:
    the supervisor above when no head on duty may (``access.may_route``)."""
    if complaint.staff_concerned_id is not None and complaint.staff_concerned_id == actor.pk:
        raise PermissionDenied(_("The staff member concerned does not handle the complaint."))
    if not (is_handler(actor, complaint) or (or_router and may_route(actor, complaint))):
        raise PermissionDenied(
            _("Only the unit's head on duty or the assigned handler handles this complaint.")
        )


def _check_router(actor, complaint: Complaint) -> None:
    """Assign and archive: a head on duty of the unit, or the supervisor above when every
    head on duty is the staff member concerned or the unit has none (``access.py``)."""
    if complaint.staff_concerned_id is not None and complaint.staff_concerned_id == actor.pk:
        raise PermissionDenied(_("The staff member concerned does not handle the complaint."))
    if not may_route(actor, complaint):
        raise PermissionDenied(
            _("Only the unit's head on duty does this (or, when every head on duty is the "
              "staff member concerned, the supervisor above).")
        )  # fmt: skip


def _in_step(complaint: Complaint, *steps: str) -> None:
    if complaint.step not in steps:
        raise ComplaintError(
            _("The complaint's step is “{step}”; that cannot be done now.").format(
                step=Step(complaint.step).label
            ),
            code="wrong_step",
        )


# The longest texts taken: what came in (as the forms), and each step's texts (a reason,
# the findings, the measures, the reply); longer ones are refused, never cut.
CONTENT_MAX_LENGTH = 4000
TEXT_MAX_LENGTH = 2000


def _not_too_long(text: str, field: str, limit: int = TEXT_MAX_LENGTH) -> str:
    if len(text) > limit:
        raise ComplaintError(
            {field: _("At most {limit} characters (this has {length}).").format(
                limit=limit, length=len(text)
            )}
        )  # fmt: skip
    return text


def _required(text: str, field: str, message, limit: int = TEXT_MAX_LENGTH) -> str:
    text = (text or "").strip()
    if not text:
        raise ComplaintError({field: message})
    return _not_too_long(text, field, limit)


# --- intake -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    """What came in, as typed: checked, normalised and encrypted by the action."""

    unit: object
    channel: str
    kind: str
    content: str
    anonymous: bool = False
    name: str = ""
    phone: str = ""
    id_number: str = ""
    clause: object = None
    staff_concerned: User | None = None
    staff_no: str = ""
    source: str = ""
    work_order_no: str = ""


def _checked_clause(clause):
    if clause is not None and clause.kind not in (ClauseKind.NORM, ClauseKind.PROHIBITION):
        raise ComplaintError({"clause": _("Name a norm (N-) or a prohibition (D-).")})
    return clause


def _checked_staff(staff, unit_id: int):
    if staff is not None and staff.unit_id != unit_id:
        raise ComplaintError({"staff_concerned": _("That staff member is not of this unit.")})
    return staff


def _new_complaint(intake: Intake, *, received_by) -> tuple[Complaint, str]:
    """A checked, unsaved complaint with its identity encrypted, and its tracking code."""
    if intake.kind not in Kind.values:
        raise ComplaintError({"kind": _("Choose complaint, suggestion or report.")})
    if intake.channel not in Channel.values:
        raise ComplaintError({"channel": _("Choose the channel.")})
    content = _required(intake.content, "content", _("Write what it is about."), CONTENT_MAX_LENGTH)
    work_order_no = (intake.work_order_no or "").strip()
    if intake.channel == Channel.HOTLINE_12345 and not work_order_no:
        raise ComplaintError({"work_order_no": _("Give the 12345 work-order number.")})
    source = (intake.source or "").strip()
    if intake.channel == Channel.OPINION and not source:
        raise ComplaintError({"source": _("Say where it was published (site, account, address).")})
    name = "" if intake.anonymous else (intake.name or "").strip()[:50]
    id_number = ""
    if not intake.anonymous and (intake.id_number or "").strip():
        try:
            id_number = normalize_id_number(intake.id_number)
        except InvalidIDNumber as error:
            raise ComplaintError({"id_number": str(error)}) from None
    phone = ""
    if (intake.phone or "").strip():
        try:
            phone = normalize_phone(intake.phone)
        except InvalidPhone as error:
            raise ComplaintError({"phone": str(error)}) from None
    staff = _checked_staff(intake.staff_concerned, intake.unit.pk)
    staff_no = (intake.staff_no or "").strip()[:20]
    if staff is None and staff_no:
        staff = User.objects.filter(unit=intake.unit, staff_no=staff_no).first()
    complaint = Complaint(
        unit=intake.unit, channel=intake.channel, kind=intake.kind, content=content,
        source=source[:500], work_order_no=work_order_no[:40], anonymous=intake.anonymous,
        clause=_checked_clause(intake.clause), staff_concerned=staff, staff_no_given=staff_no,
        received_by=received_by,
    )  # fmt: skip
    complaint.set_identity(name=name, phone=phone, id_number=id_number)
    return complaint, identity.new_code()


def _draw_number(unit) -> str:
    """The next tracking number, e.g. ``TS-O1-2026-000012``: per unit and year, no gap."""
    year = timezone.localdate().year
    ComplaintCounter.objects.bulk_create(
        [ComplaintCounter(unit=unit, year=year)], ignore_conflicts=True
    )
    counter = ComplaintCounter.objects.select_for_update().get(unit=unit, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"TS-{unit.code}-{year}-{counter.last:06d}"


def _receive(
    complaint: Complaint, code: str, *, actor, channel: str, event="complaints.received", **extra
) -> Complaint:
    """Number, deadline and save a new complaint, with its entry; no code, no code hash (a
    referral taken is followed on the referred complaint's tracking page)."""
    with transaction.atomic():
        now = timezone.now()
        complaint.number = _draw_number(complaint.unit)
        complaint.code_hash = identity.code_hash(complaint.number, code) if code else ""
        complaint.received_at = now
        due = deadlines.step_deadline(complaint.unit, Step.RECEIVED, now)
        complaint.step_due_at, complaint.step_warn_at = due.due_at, due.warn_at
        complaint.deadline_provisional = due.provisional
        complaint.last_actor = actor
        complaint.save(force_insert=True)
        append(
            unit=complaint.unit_id, event=event, subject=Subject.of(complaint),
            payload={"state": complaint_state(complaint), **extra}, actor=actor, channel=channel,
        )  # fmt: skip
    return complaint


def submit_online(intake: Intake) -> tuple[Complaint, str]:
    """The complainant's own submission on the portal (网络投诉, N-6.1); anonymous allowed.
    Returns the complaint and its secret code, which is shown once and stored hashed."""
    if intake.channel != Channel.ONLINE:
        raise ComplaintError({"channel": _("The online form files online complaints.")})
    complaint, code = _new_complaint(intake, received_by=None)
    return _receive(complaint, code, actor=None, channel=LedgerChannel.PORTAL), code


def enter(actor, intake: Intake) -> tuple[Complaint, str]:
    """A staff member of the unit enters what came in through the suggestion box, the report
    hotline, a 12345 referral (with its work-order number) or opinion monitoring (with
    its source). The code is shown once, to be passed on to the complainant if reachable."""
    if actor.role not in (Role.CLERK, Role.HEAD_ON_DUTY) or actor.unit_id != intake.unit.pk:
        raise PermissionDenied(_("Only the unit's staff enter complaints for it."))
    if intake.channel not in STAFF_CHANNELS:
        raise ComplaintError({"channel": _("Choose the channel it came through.")})
    complaint, code = _new_complaint(intake, received_by=actor)
    return _receive(complaint, code, actor=actor, channel=LedgerChannel.STAFF), code


# --- the flow ---------------------------------------------------------------------------------


def _locked(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("unit")
        .get(pk=complaint.pk)
    )


def _save(complaint: Complaint, event: str, actor, fields: list[str], **extra) -> Complaint:
    complaint.last_actor = actor
    complaint.save(update_fields=[*fields, "last_actor"])
    append(
        unit=complaint.unit_id, event=event, subject=Subject.of(complaint),
        payload={"state": complaint_state(complaint), **extra}, actor=actor,
    )  # fmt: skip
    return complaint


def _next_step(complaint: Complaint, step: str, now) -> list[str]:
    complaint.step = step
    if step in OPEN_STEPS:
        due = deadlines.step_deadline(complaint.unit, step, now)
        complaint.step_due_at, complaint.step_warn_at = due.due_at, due.warn_at
        complaint.deadline_provisional = due.provisional
    else:
        complaint.step_due_at = complaint.step_warn_at = None
        complaint.deadline_provisional = False
    return ["step", "step_due_at", "step_warn_at", "deadline_provisional"]


def _checked_handler(handler, complaint: Complaint):
    if handler is None:
        return None
    if handler.unit_id != complaint.unit_id or handler.role not in (
        Role.CLERK,
        Role.HEAD_ON_DUTY,
    ):
        raise ComplaintError({"handler": _("The handler is a staff member of the unit.")})
    if handler.pk == complaint.staff_concerned_id:
        raise ComplaintError(
            {"handler": _("The staff member concerned cannot handle the complaint.")}
        )
    return handler


def assign(actor, complaint: Complaint, *, handler) -> Complaint:
    """The head on duty gives an open complaint to a staff member of the unit who is not
    concerned; when no head on duty may, the supervisor above does (escalation)."""
    _check_router(actor, complaint)
    with transaction.atomic():
        complaint = _locked(complaint)
        _in_step(complaint, *OPEN_STEPS)
        complaint.handler = _checked_handler(handler, complaint)
        if complaint.handler is None:
            raise ComplaintError({"handler": _("Choose the handler.")})
        return _save(complaint, "complaints.assigned", actor, ["handler"])


def accept(actor, complaint: Complaint, *, handler=None) -> Complaint:
    """Accept (受理): the investigation's limit starts now. A head may name the handler.
    The supervisor above, accepting when no head on duty may, needs a handler (named now
    or assigned before): they do not investigate themselves."""
    _check_handler(actor, complaint, or_router=True)
    with transaction.atomic():
        complaint = _locked(complaint)
        _in_step(complaint, Step.RECEIVED)
        fields = []
        if handler is not None:
            if not may_route(actor, complaint):
                raise PermissionDenied(_("Only the unit's head on duty assigns the handler."))
            complaint.handler = _checked_handler(handler, complaint)
            fields.append("handler")
        if complaint.handler_id is None and not is_handler(actor, complaint):
            raise ComplaintError({"handler": _("Assign the handler who will investigate it.")})
        now = timezone.now()
        complaint.accepted_at = now
        fields += ["accepted_at", *_next_step(complaint, Step.INVESTIGATING, now)]
        return _save(complaint, "complaints.accepted", actor, fields)


def refuse(actor, complaint: Complaint, *, reason: str) -> Complaint:
    """Not accepted (不予受理), with the reason the complainant will read."""
    _check_handler(actor, complaint, or_router=True)
    reason = _required(reason, "reason", _("Give the reason it is not accepted."))
    with transaction.atomic():
        complaint = _locked(complaint)
        _in_step(complaint, Step.RECEIVED)
        complaint.closed_reason = reason
        fields = ["closed_reason", *_next_step(complaint, Step.NOT_ACCEPTED, timezone.now())]
        return _save(complaint, "complaints.not_accepted", actor, fields)


def refer(
    actor, complaint: Complaint, *, reason: str, to_unit=None, to_name: str = ""
) -> Complaint:
    """Referred to another unit or department (转办), with the reason; closed here."""
    _check_handler(actor, complaint, or_router=True)
    reason = _required(reason, "reason", _("Give the reason for the referral."))
    to_name = (to_name or "").strip()[:100]
    if to_unit is None and not to_name:
        raise ComplaintError({"to_name": _("Say where it is referred to.")})
    if to_unit is not None and to_unit.pk == complaint.unit_id:
        raise ComplaintError({"to_unit": _("Refer it to another unit.")})
    with transaction.atomic():
        complaint = _locked(complaint)
        _in_step(complaint, Step.RECEIVED, Step.INVESTIGATING)
        complaint.closed_reason = reason
        complaint.referred_to_unit = to_unit
        complaint.referred_to_name = to_name or (to_unit.name if to_unit else "")
        fields = ["closed_reason", "referred_to_unit", "referred_to_name",
                  *_next_step(complaint, Step.REFERRED, timezone.now())]  # fmt: skip
        return _save(complaint, "complaints.referred", actor, fields)


def take_referral(actor, origin: Complaint) -> Complaint:
    """The unit a complaint was referred to (转办) takes it: a head on duty of that unit (a
    supervisor above when every head on duty there is the staff member the complainant
    named, or it has none) makes it a complaint of the unit, channel "referral", linked to
    the referred one, with the kind, content, clause and the identity (re-encrypted under
    the new complaint's reference), its own number and the unit's deadlines; the staff
    member concerned is the one of the unit whose 工号 was given. Taken once only (the
    one-to-one ``referred_from``). Its one entry is in the taking unit's chain; the
    referred complaint stays closed in its own unit and is not changed."""
    with transaction.atomic():
        # Locked so that two heads taking it at once are one after the other; the second
        # finds it taken (the one-to-one constraint holds even without the lock).
        origin = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("referred_to_unit")
            .get(pk=origin.pk)
        )
        if origin.step != Step.REFERRED or origin.referred_to_unit_id is None:
            raise ComplaintError(
                _("Only a complaint referred to a unit of the system is taken there."),
                code="not_referred",
            )
        concerned = referral_concerned(origin)
        if concerned is not None and concerned.pk == actor.pk:
            raise PermissionDenied(_("The staff member concerned does not handle the complaint."))
        if not may_take(actor, origin):
            raise PermissionDenied(
                _("Only a head on duty of the unit it is referred to takes it (or, when every "
                  "head on duty there is the staff member concerned, the supervisor above).")
            )  # fmt: skip
        if Complaint.objects.filter(referred_from=origin).exists():
            raise ComplaintError(_("This referral has been taken already."), code="taken")
        complaint = Complaint(
            unit=origin.referred_to_unit, channel=Channel.REFERRAL, kind=origin.kind,
            content=origin.content, source=origin.source, work_order_no=origin.work_order_no,
            anonymous=origin.anonymous, clause=origin.clause, staff_concerned=concerned,
            staff_no_given=origin.staff_no_given, referred_from=origin, received_by=actor,
        )  # fmt: skip
        complaint.set_identity(**origin.identity())
        return _receive(
            complaint, "", actor=actor, channel=LedgerChannel.STAFF,
            event="complaints.referral_taken", origin=origin.number,
        )  # fmt: skip


def investigate(
    actor,
    complaint: Complaint,
    *,
    finding: str,
    findings: str,
    clause=None,
    staff_concerned=None,
) -> Complaint:
    """The investigation's finding (调查); the clause and the staff member concerned may be
    named or corrected now. A substantiated complaint or report names its clause."""
    _check_handler(actor, complaint)
    if finding not in Finding.values:
        raise ComplaintError({"finding": _("Choose the finding.")})
    findings = _required(findings, "findings", _("Write what the investigation found."))
    with transaction.atomic():
        complaint = _locked(complaint)
        _in_step(complaint, Step.INVESTIGATING)
        if finding == Finding.NOT_APPLICABLE and complaint.kind != Kind.SUGGESTION:
            raise ComplaintError({"finding": _("Only a suggestion has no finding.")})
        if clause is not None:
            complaint.clause = _checked_clause(clause)
        if staff_concerned is not None:
            complaint.staff_concerned = _checked_staff(staff_concerned, complaint.unit_id)
            if staff_concerned.pk in (actor.pk, complaint.handler_id):
                raise ComplaintError(
                    {"staff_concerned": _("The handler cannot be the staff member concerned.")}
                )
        if finding in SUBSTANTIATED_FINDINGS and complaint.clause is None:
            raise ComplaintError(
                {"clause": _("A substantiated finding names the clause or prohibition broken.")}
            )
        now = timezone.now()
        complaint.finding, complaint.findings, complaint.investigated_at = finding, findings, now
        fields = ["finding", "findings", "investigated_at", "clause", "staff_concerned",
                  *_next_step(complaint, Step.HANDLING, now)]  # fmt: skip
        return _save(complaint, "complaints.investigated", actor, fields)


def handle(actor, complaint: Complaint, *, measures: str) -> Complaint:
    """The measures taken (处理). After a substantiated finding the violation must be
    recorded against the clause, and, when a staff member is concerned, an accountability
    decision taken about them (N-5.6e), before this step closes."""
    _check_handler(actor, complaint)
    measures = _required(measures, "measures", _("Write the measures taken."))
    with transaction.atomic():
        complaint = _locked(complaint)
        _in_step(complaint, Step.HANDLING)
        violation = None
        if complaint.finding in SUBSTANTIATED_FINDINGS:
            violation = violation_for(complaint)
            if violation is None:
                raise ComplaintError(
                    _("Record the violation of {clause} first (N-5.6e).").format(
                        clause=complaint.clause.code
                    ),
                    code="violation_missing",
                )
            if (
                complaint.staff_concerned_id
                and not Accountability.objects.filter(
                    violation=violation, staff_id=complaint.staff_concerned_id
                ).exists()
            ):
                raise ComplaintError(
                    _("Record the accountability decision for the staff member concerned "
                      "first (N-5.6e)."),
                    code="accountability_missing",
                )  # fmt: skip
        now = timezone.now()
        complaint.measures, complaint.handled_at = measures, now
        fields = ["measures", "handled_at", *_next_step(complaint, Step.REPLYING, now)]
        return _save(
            complaint, "complaints.handled", actor, fields,
            violation=violation.pk if violation else None,
        )  # fmt: skip


def reply(actor, complaint: Complaint, *, text: str, method: str) -> Complaint:
    """The reply to the complainant (答复): required, unless the complainant is anonymous
    and left no way to be reached (then the method is "no reply possible")."""
    _check_handler(actor, complaint)
    text = _not_too_long((text or "").strip(), "text")
    if method not in ReplyMethod.values:
        raise ComplaintError({"method": _("Choose how the reply was given.")})
    with transaction.atomic():
        complaint = _locked(complaint)
        _in_step(complaint, Step.REPLYING)
        if complaint.reply_needed:
            if method == ReplyMethod.NONE:
                raise ComplaintError({"method": _("The complainant can be reached: reply.")})
            if not text:
                raise ComplaintError({"text": _("Write the reply given to the complainant.")})
        elif method != ReplyMethod.NONE and not text:
            raise ComplaintError({"text": _("Write the reply given to the complainant.")})
        now = timezone.now()
        complaint.reply, complaint.reply_method, complaint.replied_at = text, method, now
        fields = ["reply", "reply_method", "replied_at", *_next_step(complaint, Step.REPLIED, now)]
        return _save(complaint, "complaints.replied", actor, fields)


def archive(actor, complaint: Complaint) -> Complaint:
    """Archive (归档): the head on duty closes the file (the supervisor above when no head
    on duty may)."""
    _check_router(actor, complaint)
    with transaction.atomic():
        complaint = _locked(complaint)
        _in_step(complaint, Step.REPLIED)
        now = timezone.now()
        complaint.archived_at = now
        fields = ["archived_at", *_next_step(complaint, Step.ARCHIVED, now)]
        return _save(complaint, "complaints.archived", actor, fields)


def set_limits(actor, unit, **days: int) -> ComplaintSettings:
    """The unit's administrator sets the working-day limit of each step (1 to 60 days;
    archiving may be 0). Applies to steps begun afterwards."""
    if actor.role != Role.UNIT_ADMIN or actor.unit_id != unit.pk:
        raise PermissionDenied(_("Only the unit's administrator sets its time limits."))
    unknown = set(days) - set(ComplaintSettings.DEFAULTS)
    if unknown:
        raise ComplaintError(_("Unknown limits: {names}.").format(names=", ".join(sorted(unknown))))
    for field, value in days.items():
        low = 0 if field == "archive_days" else 1
        if not isinstance(value, int) or not low <= value <= 60:
            raise ComplaintError({field: _("A limit is a whole number of working days, 1 to 60.")})
    with transaction.atomic():
        row, created = ComplaintSettings.objects.select_for_update().get_or_create(unit=unit)
        for field, value in days.items():
            setattr(row, field, value)
        row.save(update_fields=list(ComplaintSettings.DEFAULTS))
        append(
            unit=unit, event="complaints.limits_set", subject=Subject.of(row),
            payload={"state": settings_state(row)}, actor=actor,
        )  # fmt: skip
    return row
