"""The cases' actions: submit online (the client, on the portal), accept, ask for
corrections, refuse acceptance, resume, first review, second review, complete, send back,
escalate, decide an escalation, hand over.

Each checks authority and the rules, runs in one transaction and writes exactly one ledger
entry (design.md, invariant 1). Authority (N-3.4, D-08): a staff member of the case's unit
whose post covers the item and the stage, or who holds an approved escalation for it,
used once. Every attempt beyond authority raises PermissionDenied and is flagged (D-08)
before anything is written: the flag is committed on its own, the action writes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.choices import ServiceChannel, VersionStatus
from servicehall.catalogue.models import (
    Material,
    NoticeKind,
    OneTimeNotice,
    ServiceItem,
    ServiceItemVersion,
)
from servicehall.catalogue.numbering import draw_number
from servicehall.ledger.actions import Subject, append
from servicehall.ledger.canonical import optional_timestamp
from servicehall.ledger.choices import Channel
from servicehall.ledger.registry import Reconciler, register_event, register_reconciler
from servicehall.lib.idnumbers import InvalidIDNumber, normalize_id_number
from servicehall.org.calendar import calendar_for
from servicehall.org.choices import UNIT_STAFF_ROLES, CaseStage, Role
from servicehall.org.models import Unit
from servicehall.queueing.choices import GreenReason, TicketStatus
from servicehall.queueing.models import Ticket
from servicehall.supervision.flags import raise_flag

from . import deadlines, online, personal
from .choices import (
    ACTIVE_STAGES,
    AUTHORITY,
    RUNNING_STAGES,
    ApplicantKind,
    EscalationStatus,
    Stage,
)
from .models import (
    DOCUMENT_PREFIX,
    Applicant,
    Case,
    CaseCounter,
    DeadlineCard,
    DocumentKind,
    Escalation,
)

for name, description, clauses in (
    ("cases.submitted_online", "An application submitted on the portal, waiting for acceptance.",
     ("N-1.2", "N-5.3", "N-5.4")),
    ("cases.accepted", "A case is accepted: materials received, promised date.",
     ("N-5.3", "N-5.6a", "N-5.6d")),
    ("cases.correction_requested", "Materials missing: the one-time notice lists them all.",
     ("N-5.6c", "D-09", "N-5.3")),
    ("cases.acceptance_refused", "Not accepted, with the rule and an explanation.",
     ("N-2.1", "N-5.3", "D-06")),
    ("cases.resumed", "The missing materials are in: the clock runs (again).",
     ("N-5.6c", "N-5.6d")),
    ("cases.first_reviewed", "First review passed.", ("N-5.4", "N-5.5")),
    ("cases.second_reviewed", "Second review passed, by another person.",
     ("N-5.5", "N-6.4")),
    ("cases.sent_back", "A case goes back to an earlier stage, with the reason.",
     ("N-5.5", "D-07")),
    ("cases.completed", "A case is completed: approved, or refused with rule and reason.",
     ("N-5.4", "N-5.6d", "N-2.1")),
    ("cases.escalated", "A request to act beyond one's post, to the head on duty.",
     ("N-3.4", "D-08")),
    ("cases.escalation_decided", "The head on duty approves or refuses an escalation.",
     ("N-3.4",)),
    ("cases.handed_over", "The first-contact owner hands a case over, with the reason.",
     ("N-5.6a",)),
    ("cases.deadline_card", "A yellow or red card of the electronic supervision.",
     ("N-5.4", "N-5.6d", "N-5.6e")),
):  # fmt: skip
    register_event(name, 1, description, clauses)


def case_state(row: Case) -> dict:
    """What every entry about a case records of it (``ledger verify`` compares)."""
    return {
        "number": row.number,
        "stage": row.stage,
        "version": row.version_id,
        "applicant": row.applicant_id,
        "applicant_digest": row.applicant.digest(),
        "channel": row.channel,
        "ticket": row.ticket_id,
        "owner": row.owner_id,
        "agent": row.agent_id,
        "handler": row.handler_id,
        "green_reason": row.green_reason,
        "accepted_by": row.accepted_by_id,
        "first_reviewed_by": row.first_reviewed_by_id,
        "second_reviewed_by": row.second_reviewed_by_id,
        "completed_by": row.completed_by_id,
        "decision_rule": row.decision_rule,
        "decision_reason": row.decision_reason,
        "materials": sorted(row.materials.values_list("pk", flat=True)),
        "not_applicable": sorted(row.materials_not_applicable.values_list("pk", flat=True)),
        "notices": sorted(row.notices.values_list("pk", flat=True)),
        "limit_days": row.limit_days,
        "due_at": optional_timestamp(row.due_at),
        "stage_due_at": optional_timestamp(row.stage_due_at),
        "suspended_at": optional_timestamp(row.suspended_at),
        "suspended_days": row.suspended_days,
        # The refusal or completion notice's number, once drawn; absent before, so the
        # states recorded before numbers were drawn still match their rows.
        **({"decision_number": row.decision_number} if row.decision_number else {}),
        # An online application's acceptance deadline and the client's note: absent on
        # cases opened at the counter, so their recorded states still match.
        **({"accept_due_at": optional_timestamp(row.accept_due_at)} if row.accept_due_at else {}),
        **({"client_note": row.client_note} if row.client_note else {}),
    }


def escalation_state(row: Escalation) -> dict:
    """Its use is recorded in the entry of the action that used it."""
    return {
        "case": row.case_id,
        "item": row.item_id,
        "stage": row.stage,
        "requested_by": row.requested_by_id,
        "status": row.status,
        "decided_by": row.decided_by_id,
    }


def card_state(row: DeadlineCard) -> dict:
    return {
        "case": row.case_id,
        "stage": row.stage,
        "level": row.level,
        "due_at": optional_timestamp(row.due_at),
        "recipients": [row.clerk_id, row.owner_id, row.head_id],
    }


register_reconciler(Reconciler("cases.case", Case, case_state))
register_reconciler(Reconciler("cases.escalation", Escalation, escalation_state))
register_reconciler(Reconciler("cases.deadlinecard", DeadlineCard, card_state))


class CaseError(ValidationError):
    """A case action that the rules or the case's state do not allow, said to the user."""


@dataclass(frozen=True)
class ApplicantDetails:
    """The applicant as the clerk typed them; checked and encrypted by the action."""

    kind: str
    name: str
    id_number: str
    phone: str = ""


# --- authority ------------------------------------------------------------------------------


def _is_unit_staff(actor, unit_id: int) -> bool:
    return (
        getattr(actor, "is_active", False)
        and actor.role in UNIT_STAFF_ROLES
        and actor.unit_id == unit_id
    )


def _post_covers(actor, item_code: str, stage: str) -> bool:
    post = actor.post
    return post is not None and post.unit_id == actor.unit_id and post.covers(item_code, stage)


def _deny(actor, *, unit_id: int, subject_type: str, subject_id, detail: str, message) -> None:
    """Flag the attempt beyond authority (D-08), each attempt on its own, and refuse it.

    Called before the action's transaction, so the flag stays although the action fails.
    """
    staff = actor if getattr(actor, "pk", None) else None
    raise_flag(
        unit_id=unit_id, clause="D-08",
        key=f"D-08:{getattr(actor, 'pk', '-')}:{subject_type}:{subject_id}:{secrets.token_hex(6)}",
        subject_type=subject_type, subject_id=subject_id, staff=staff,
        detail=f"{getattr(actor, 'username', '?')} ({getattr(actor, 'staff_no', '') or '-'}): "
        f"{detail}",
    )  # fmt: skip
    raise PermissionDenied(message)


def _authorize(actor, *, unit_id: int, item: ServiceItem, stage: str, case: Case | None = None):
    """None when the actor's post covers ``stage`` of ``item``; the approved escalation to
    use when one does; otherwise flag the attempt and raise PermissionDenied."""
    if _is_unit_staff(actor, unit_id):
        if _post_covers(actor, item.code, stage):
            return None
        grant = (
            Escalation.objects.filter(
                unit_id=unit_id,
                requested_by=actor,
                item=item,
                stage=stage,
                case=case,
                status=EscalationStatus.APPROVED,
                used_at__isnull=True,
            )
            .order_by("decided_at", "pk")
            .first()
        )
        if grant is not None:
            return grant
    subject = ("cases.case", case.pk) if case else ("catalogue.serviceitem", item.pk)
    _deny(
        # Someone of no unit (an administrator) is flagged in the item's publishing unit.
        actor, unit_id=unit_id or item.unit_id, subject_type=subject[0], subject_id=subject[1],
        detail=f"{stage} of {item.code}" + (f", case {case.number}" if case else "")
        + " beyond the post's authority",
        message=_(
            "Your post does not cover this stage of this service item. Send an escalation "
            "(请示) to the head on duty."
        ),
    )  # fmt: skip


def _use(grant: Escalation | None, case: Case) -> int | None:
    """Claim the escalation for this one use (compare-and-set); its id for the entry."""
    if grant is None:
        return None
    claimed = Escalation.objects.filter(
        pk=grant.pk, status=EscalationStatus.APPROVED, used_at__isnull=True
    ).update(used_at=timezone.now(), used_for=case)
    if claimed != 1:
        raise PermissionDenied(_("That escalation has been used already."))
    return grant.pk


def _check_reviewer(actor, case: Case, *, flag: bool = True) -> None:
    """N-5.5, N-6.4: the second review is never by the first reviewer or the acceptor.

    Checked before the transaction, so that the attempt is flagged (N-6.4) although the
    action fails, and again under the lock (``flag=False``) in case the reviews moved.
    """
    if actor.pk not in (case.first_reviewed_by_id, case.accepted_by_id):
        return
    if flag:
        raise_flag(
            unit_id=case.unit_id, clause="N-6.4",
            key=f"N-6.4:{actor.pk}:case:{case.pk}:{secrets.token_hex(6)}",
            subject_type="cases.case", subject_id=case.pk, staff=actor,
            detail=f"{actor.username} tried the second review of case {case.number}, "
            "which they accepted or first-reviewed",
        )  # fmt: skip
    raise CaseError(
        _("The second review is done by another person than the acceptance and the first review.")
    )


# --- helpers --------------------------------------------------------------------------------


def _required(text: str, field: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise CaseError({field: message})
    return text


def _record(case: Case, event: str, *, actor, **extra) -> None:
    append(
        unit=case.unit_id,
        event=event,
        subject=Subject.of(case),
        payload={"state": case_state(case), "case": case.number, **extra},
        actor=actor,
    )


def _draw_number(unit, kind: str = DocumentKind.RECEIPT) -> str:
    """The next number of a kind of document, e.g. the receipt (and case) number
    ``SL-O1-2026-000012``, the refusal notice's ``BSL-O1-2026-000003`` or the completion
    notice's ``BJ-O1-2026-000007``: per unit, kind and year, no gap, no duplicate (the
    counter row is locked inside the action's transaction, whose entry records it)."""
    year = timezone.localdate().year
    CaseCounter.objects.bulk_create(
        [CaseCounter(unit=unit, kind=kind, year=year)], ignore_conflicts=True
    )
    counter = CaseCounter.objects.select_for_update().get(unit=unit, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{DOCUMENT_PREFIX[kind]}-{unit.code}-{year}-{counter.last:06d}"


def _applicant(unit_id: int, details: ApplicantDetails) -> Applicant:
    """A checked, encrypted, unsaved applicant row."""
    if details.kind not in ApplicantKind.values:
        raise CaseError({"kind": _("Choose a person or an employer.")})
    name = _required(details.name, "name", _("Give the applicant's name."))
    try:
        if details.kind == ApplicantKind.PERSON:
            number = normalize_id_number(details.id_number)
        else:
            number = personal.normalize_credit_code(details.id_number)
    except (InvalidIDNumber, personal.InvalidCreditCode) as error:
        raise CaseError({"id_number": str(error)}) from None
    phone = ""
    if (details.phone or "").strip():
        try:
            phone = personal.normalize_phone(details.phone)
        except personal.InvalidPhone as error:
            raise CaseError({"phone": str(error)}) from None
    row = Applicant(unit_id=unit_id, kind=details.kind, name=name[:100])
    row.set_personal_data(id_number=number, phone=phone)
    return row


def _sort_materials(
    version: ServiceItemVersion, received: Iterable[Material], not_applicable: Iterable[Material]
) -> tuple[list[Material], list[Material], list[Material]]:
    """(received, not applicable, missing), all of ``version``'s list (D-09).

    Only a conditional material (needed in the case its ``when_needed`` states) may be
    marked as not applying to the client: a required one is received or missing, so a
    correction lists every required material missing, at once (N-5.6c, invariant 7).
    """
    listed = {material.pk: material for material in version.materials.order_by("order", "pk")}
    got = {material.pk for material in received}
    spared = {material.pk for material in not_applicable}
    if not (got | spared) <= set(listed):
        raise CaseError(
            {"materials": _("Only materials listed in this version of the service guide count.")}
        )
    if got & spared:
        raise CaseError({"materials": _("A material is either received or not applicable.")})
    if required := [listed[pk] for pk in listed if pk in spared and not listed[pk].is_conditional]:
        raise CaseError(
            {
                "not_applicable": _("Always required, so never “not applicable”: {names}.").format(
                    names="、".join(material.name for material in required)
                )
            }
        )
    missing = [material for pk, material in listed.items() if pk not in got | spared]
    return (
        [listed[pk] for pk in listed if pk in got],
        [listed[pk] for pk in listed if pk in spared],
        missing,
    )


def _staff_or_none(person, unit_id: int, field: str, message):
    if person is None:
        return None
    if not _is_unit_staff(person, unit_id):
        raise CaseError({field: message})
    return person


@dataclass
class _Opening:
    """What accept, request_correction and refuse_acceptance check alike."""

    unit_id: int
    version: ServiceItemVersion
    applicant: Applicant
    channel: str
    ticket: Ticket | None
    green_reason: str
    owner: object
    agent: object | None


def _opening(clerk, *, version, applicant, channel, ticket, green_reason, owner, agent) -> _Opening:
    unit_id = clerk.unit_id
    if version.status != VersionStatus.PUBLISHED:
        raise CaseError({"version": _("Open cases only under the version in force.")})
    if channel not in ServiceChannel.values or channel not in version.channels:
        raise CaseError({"channel": _("This service item is not offered through that channel.")})
    if ticket is not None:
        if (
            ticket.unit_id != unit_id
            or ticket.clerk_id != clerk.pk
            or ticket.status not in (TicketStatus.CALLED, TicketStatus.SERVING)
        ):
            raise CaseError({"ticket": _("Open a case from the ticket called to your window.")})
        if channel != ServiceChannel.ONSITE:
            raise CaseError({"channel": _("A case from a ticket is opened on site.")})
    green_reason = green_reason or (ticket.green_reason if ticket is not None else "")
    if green_reason and green_reason not in GreenReason.values:
        raise CaseError({"green_reason": _("Choose a reason for the green channel.")})
    owner = _staff_or_none(
        owner, unit_id, "owner", _("The first-contact owner is a staff member of this unit.")
    )
    agent = _staff_or_none(agent, unit_id, "agent", _("The agent is a staff member of this unit."))
    return _Opening(
        unit_id=unit_id, version=version, applicant=_applicant(unit_id, applicant),
        channel=channel, ticket=ticket, green_reason=green_reason, owner=owner or clerk,
        agent=agent,
    )  # fmt: skip


def _create_case(clerk, opening: _Opening, *, stage: str, now, **fields) -> Case:
    """Save the applicant and the new case (inside the action's transaction); a case
    accepted at once (``accepted_at`` among ``fields``) gets its deadlines."""
    opening.applicant.save(force_insert=True)
    case = Case(
        unit_id=opening.unit_id, number=_draw_number(clerk.unit), version=opening.version,
        applicant=opening.applicant, channel=opening.channel, ticket=opening.ticket,
        owner=opening.owner, agent=opening.agent, handler=opening.agent or clerk,
        green_reason=opening.green_reason, stage=stage, received_at=now,
        limit_days=deadlines.case_limit(opening.version, opening.green_reason), **fields,
    )  # fmt: skip
    deadlines.refresh(case, calendar=calendar_for(clerk.unit))
    case.save(force_insert=True)
    return case


def _notice(
    clerk, case: Case, missing: list[Material], return_place: str, notes: str = ""
) -> OneTimeNotice:
    """The one-time notice (N-5.6c) of everything missing, from the guide's list only (D-09).

    Built here rather than by ``catalogue.actions.issue_one_time_notice``, which writes a
    ledger entry of its own: the case action's single entry records it. Same rules: only
    the version's materials, at least one, numbered by ``catalogue.numbering.draw_number``.
    """
    if not missing:
        raise CaseError({"missing": _("Tick every material the client still needs.")})
    listed = set(case.version.materials.values_list("pk", flat=True))
    if not {material.pk for material in missing} <= listed:
        raise CaseError(
            {"missing": _("Only materials listed in this version of the service guide count.")}
        )
    notice = OneTimeNotice.objects.create(
        unit_id=case.unit_id, clerk=clerk, version=case.version, client_name=case.applicant.name,
        return_place=return_place, notes=notes, number=draw_number(clerk.unit, NoticeKind.ONE_TIME),
    )  # fmt: skip
    notice.missing.set(missing)
    case.notices.add(notice)
    return notice


def _notice_record(notice: OneTimeNotice) -> dict:
    """The notice's state, recorded in the case action's one entry (see ledger.verify)."""
    from servicehall.catalogue.actions import notice_state

    return {"subject": f"catalogue.onetimenotice:{notice.pk}", "state": notice_state(notice)}


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("version__item", "applicant", "unit")
        .get(pk=case.pk)
    )


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("version__item", "unit").get(pk=case.pk)


def _in_stage(case: Case, *stages: str) -> None:
    if case.stage not in stages:
        raise CaseError(
            _("The case's stage is “{stage}”; that cannot be done now.").format(
                stage=Stage(case.stage).label
            )
        )


def _clear_reviews(case: Case, to_stage: str) -> list[str]:
    """Going back to ``to_stage`` undoes the reviews done at or after it."""
    fields = []
    order = [Stage.CORRECTION, Stage.FIRST_REVIEW, Stage.SECOND_REVIEW]
    if order.index(to_stage) <= order.index(Stage.FIRST_REVIEW):
        case.first_reviewed_by = case.first_reviewed_at = None
        case.first_review_note = ""
        fields += ["first_reviewed_by", "first_reviewed_at", "first_review_note"]
    case.second_reviewed_by = case.second_reviewed_at = None
    case.second_review_note = ""
    return fields + ["second_reviewed_by", "second_reviewed_at", "second_review_note"]


# --- acceptance -----------------------------------------------------------------------------


def accept(
    clerk,
    *,
    received: Iterable[Material],
    version: ServiceItemVersion | None = None,
    applicant: ApplicantDetails | None = None,
    channel: str = "",
    not_applicable: Iterable[Material] = (),
    ticket: Ticket | None = None,
    green_reason: str = "",
    agent=None,
    owner=None,
    case: Case | None = None,
) -> Case:
    """Accept a case (受理, N-5.3): every material of the guide is received or does not
    apply to this client; the clock starts now. Anything missing: ``request_correction``.

    ``owner`` is the first-contact owner when that was another staff member (the guidance
    desk, say); by default the accepting clerk. ``green_reason`` defaults to the ticket's.

    Either a new request (``version``, ``applicant``, ``channel``), or ``case``, an
    application submitted online and waiting for acceptance: ``received`` are then the
    materials the clerk actually received (the originals checked), whatever the client
    declared; the clerk becomes its first-contact owner (N-5.6a) and the time limit
    starts now, not at the submission (N-5.6d).
    """
    if case is not None:
        return _accept_submitted(
            clerk, case, received=received, not_applicable=not_applicable, ticket=ticket,
            green_reason=green_reason, agent=agent, owner=owner,
        )  # fmt: skip
    if version is None or applicant is None:
        raise CaseError(_("Say which service item and which applicant are accepted."))
    grant = _authorize(clerk, unit_id=clerk.unit_id, item=version.item, stage=CaseStage.ACCEPT)
    opening = _opening(
        clerk, version=version, applicant=applicant, channel=channel, ticket=ticket,
        green_reason=green_reason, owner=owner, agent=agent,
    )  # fmt: skip
    got, spared, missing = _sort_materials(version, received, not_applicable)
    if missing:
        raise CaseError(
            {
                "materials": _(
                    "Missing: {names}. Ask for corrections with the one-time notice."
                ).format(names="、".join(material.name for material in missing))
            }
        )
    path = deadlines.path_of(version)
    with transaction.atomic():
        now = timezone.now()
        case = _create_case(
            clerk, opening, stage=path[0], now=now, accepted_by=clerk, accepted_at=now
        )
        escalation = _use(grant, case)
        case.materials.set(got)
        case.materials_not_applicable.set(spared)
        _record(
            case, "cases.accepted", actor=clerk, escalation=escalation,
            promised_date=str(case.promised_date), provisional=case.deadline_provisional,
        )  # fmt: skip
    return case


def request_correction(
    clerk,
    *,
    received: Iterable[Material],
    return_place: str,
    version: ServiceItemVersion | None = None,
    applicant: ApplicantDetails | None = None,
    channel: str = "",
    not_applicable: Iterable[Material] = (),
    ticket: Ticket | None = None,
    green_reason: str = "",
    agent=None,
    owner=None,
    notes: str = "",
    case: Case | None = None,
) -> Case:
    """Open the case waiting for corrections (补正), with the one-time notice listing every
    missing material at once (N-5.6c, invariant 7). The clock has not started: acceptance
    happens when the client brings them (``resume``).

    With ``case``, an application submitted online: the clerk takes it (and becomes its
    first-contact owner, N-5.6a) and sends the one-time notice of what it lacks."""
    if case is not None:
        return _correct_submitted(
            clerk, case, received=received, return_place=return_place,
            not_applicable=not_applicable, ticket=ticket, green_reason=green_reason,
            agent=agent, owner=owner, notes=notes,
        )  # fmt: skip
    if version is None or applicant is None:
        raise CaseError(_("Say which service item and which applicant need corrections."))
    grant = _authorize(clerk, unit_id=clerk.unit_id, item=version.item, stage=CaseStage.ACCEPT)
    opening = _opening(
        clerk, version=version, applicant=applicant, channel=channel, ticket=ticket,
        green_reason=green_reason, owner=owner, agent=agent,
    )  # fmt: skip
    got, spared, missing = _sort_materials(version, received, not_applicable)
    if not missing:
        raise CaseError({"materials": _("Nothing is missing: accept the case.")})
    place = _required(return_place, "return_place", _("Tell the client where to come back."))
    with transaction.atomic():
        case = _create_case(clerk, opening, stage=Stage.CORRECTION, now=timezone.now())
        escalation = _use(grant, case)
        case.materials.set(got)
        case.materials_not_applicable.set(spared)
        notice = _notice(clerk, case, missing, place, notes.strip())
        _record(
            case, "cases.correction_requested", actor=clerk, escalation=escalation,
            notice=notice.number, missing=[material.pk for material in missing],
            also=[_notice_record(notice)],
        )  # fmt: skip
    return case


def refuse_acceptance(
    clerk,
    *,
    rule: str,
    explanation: str,
    case: Case | None = None,
    version: ServiceItemVersion | None = None,
    applicant: ApplicantDetails | None = None,
    channel: str = "",
    received: Iterable[Material] = (),
    ticket: Ticket | None = None,
) -> Case:
    """Do not accept (不予受理): only with the rule it rests on and an explanation (N-2.1,
    N-5.3, D-06). Either a new request (``version``, ``applicant``, ``channel``), or a case
    not accepted yet (``case``): still waiting for corrections, whose client proves
    ineligible, or submitted online and waiting for acceptance (the refusing clerk then
    becomes its first-contact owner, N-5.6a). The refusal notice's number
    (``decision_number``) is drawn here and recorded in the entry's state, so the printed
    notice is provable."""
    if case is not None:
        item, unit_id = case.version.item, case.unit_id
        grant = _authorize(clerk, unit_id=unit_id, item=item, stage=CaseStage.ACCEPT, case=case)
    else:
        if version is None or applicant is None:
            raise CaseError(_("Say which service item and which applicant are refused."))
        grant = _authorize(clerk, unit_id=clerk.unit_id, item=version.item, stage=CaseStage.ACCEPT)
    rule = _required(rule, "rule", _("Cite the rule the refusal rests on."))
    explanation = _required(
        explanation, "explanation", _("Explain the refusal to the client (N-2.1, N-5.3).")
    )
    if case is None:
        opening = _opening(
            clerk, version=version, applicant=applicant, channel=channel, ticket=ticket,
            green_reason="", owner=None, agent=None,
        )  # fmt: skip
        got, _spared, _missing = _sort_materials(version, received, ())
    with transaction.atomic():
        now = timezone.now()
        decision = {
            "decision_rule": rule[:300], "decision_reason": explanation, "completed_by": clerk,
            "completed_at": now,
        }  # fmt: skip
        if case is None:
            decision["decision_number"] = _draw_number(clerk.unit, DocumentKind.REFUSAL)
            case = _create_case(clerk, opening, stage=Stage.NOT_ACCEPTED, now=now, **decision)
            case.materials.set(got)
        else:
            case = _locked(case)
            _in_stage(case, Stage.CORRECTION, Stage.SUBMITTED)
            if case.accepted_at is not None:
                raise CaseError(
                    _("This case was accepted already: complete it as refused instead.")
                )
            decision["decision_number"] = _draw_number(case.unit, DocumentKind.REFUSAL)
            if case.stage == Stage.SUBMITTED:
                decision["owner"] = clerk  # N-5.6a: who takes it owns it
            for field, value in decision.items():
                setattr(case, field, value)
            case.stage, case.handler = Stage.NOT_ACCEPTED, case.agent or clerk
            case.save(update_fields=["stage", "handler", *decision])
        escalation = _use(grant, case)
        _record(case, "cases.acceptance_refused", actor=clerk, escalation=escalation)
    return case


def resume(clerk, case: Case, *, received: Iterable[Material]) -> Case:
    """The client brings the missing materials (N-5.6c): all of them, or nothing moves.

    Never accepted yet: this is the acceptance, and the clock starts. Stopped during the
    reviews: the clock restarts, every deadline moves by the working days it stood, and
    the case goes back to its first review stage, as its materials changed.
    """
    case = _fresh(case)
    grant = _authorize(
        clerk, unit_id=case.unit_id, item=case.version.item, stage=CaseStage.ACCEPT, case=case
    )
    received = list(received)
    with transaction.atomic():
        case = _locked(case)
        _in_stage(case, Stage.CORRECTION)
        already = list(case.materials.all())
        spared = list(case.materials_not_applicable.all())
        if {material.pk for material in received} & {material.pk for material in already}:
            raise CaseError({"materials": _("That material was received already.")})
        got, _spared, missing = _sort_materials(case.version, already + received, spared)
        if missing:
            raise CaseError(
                {
                    "materials": _("Still missing: {names}.").format(
                        names="、".join(material.name for material in missing)
                    )
                }
            )
        escalation = _use(grant, case)
        case.materials.add(*received)
        now = timezone.now()
        calendar = calendar_for(case.unit)
        first_acceptance = case.accepted_at is None
        stood = 0
        if first_acceptance:
            case.accepted_by, case.accepted_at = clerk, now
        else:
            stood = max(0, calendar.working_days_between(case.suspended_at, now))
            case.suspended_days += stood
            case.suspended_at = None
        case.stage = deadlines.path_of(case.version)[0]
        case.handler = case.agent or clerk
        fields = deadlines.refresh(case, calendar=calendar)
        case.save(
            update_fields=[
                "accepted_by", "accepted_at", "suspended_days", "suspended_at", "stage",
                "handler", *fields,
            ]
        )  # fmt: skip
        _record(
            case, "cases.resumed", actor=clerk, escalation=escalation, accepted=first_acceptance,
            received=[material.pk for material in received], stood_days=stood,
            promised_date=str(case.promised_date),
        )  # fmt: skip
    return case


# --- online applications --------------------------------------------------------------------

#: The longest note a client may add to an online application.
NOTE_MAX = 1000


@dataclass(frozen=True)
class OnlineApplication:
    """What a client gives on the portal (N-1.2): the office, the version in force of the
    item, the applicant, the materials they say they have, the conditional materials that
    do not apply to them, and a note. Scans are not uploaded: the originals are checked
    when a clerk takes the application."""

    office: Unit
    version: ServiceItemVersion
    applicant: ApplicantDetails
    declared: tuple[Material, ...] = ()
    not_applicable: tuple[Material, ...] = ()
    note: str = ""


def submit_online(application: OnlineApplication) -> Case:
    """The client's own application on the portal (网上申请, N-1.2), with no staff member:
    a case waiting for acceptance (``Stage.SUBMITTED``) at the chosen office, which must
    take it within ``deadlines.ACCEPT_WITHIN_DAYS`` working day (不积压, N-5.4). Its
    number is the one the client follows it by (the progress lookup); its time limit
    starts only when a clerk accepts it (``accept(case=...)``).

    Only an item whose version in force lists the online channel, at an office that
    handles it; the applicant's numbers checked and encrypted, a phone number required
    (the office calls back about corrections); only the guide's materials, and "does not
    apply" only for conditional ones (D-09). One ledger entry, by the portal channel.
    """
    version, office = application.version, application.office
    if version.status != VersionStatus.PUBLISHED or not online.offered_online(version):
        raise CaseError({"version": _("This service item cannot be applied for online.")})
    if (
        not isinstance(office, Unit)
        or not online.offices_for(version).filter(pk=office.pk).exists()
    ):
        raise CaseError({"office": _("Choose a service office that handles this item.")})
    details = application.applicant
    if not (details.phone or "").strip():
        raise CaseError(
            {"phone": _("Give a phone number: the office calls you about your application.")}
        )
    applicant = _applicant(office.pk, details)
    got, spared, _missing = _sort_materials(
        version, application.declared, application.not_applicable
    )
    note = (application.note or "").strip()
    if len(note) > NOTE_MAX:
        raise CaseError(
            {"note": _("Keep the note within {count} characters.").format(count=NOTE_MAX)}
        )
    with transaction.atomic():
        now = timezone.now()
        applicant.save(force_insert=True)
        case = Case(
            unit=office, number=_draw_number(office), version=version, applicant=applicant,
            channel=ServiceChannel.ONLINE, stage=Stage.SUBMITTED, received_at=now,
            limit_days=deadlines.case_limit(version), client_note=note,
            accept_due_at=deadlines.acceptance_due(calendar_for(office), now),
        )  # fmt: skip
        case.save(force_insert=True)
        case.materials.set(got)
        case.materials_not_applicable.set(spared)
        append(
            unit=office.pk, event="cases.submitted_online", subject=Subject.of(case),
            payload={"state": case_state(case), "case": case.number}, actor=None,
            channel=Channel.PORTAL,
        )  # fmt: skip
    return case


@dataclass
class _Taking:
    """A clerk taking an online application, checked: the case as read, the escalation
    to use (if any), and what the clerk gives it."""

    case: Case
    grant: Escalation | None
    green_reason: str
    owner: object
    agent: object | None


def _taking(clerk, case: Case, *, ticket, green_reason: str, agent, owner) -> _Taking:
    """What accepting an online application and asking for its corrections check alike:
    authority first (each attempt beyond it flagged, N-3.4, D-08), then the rules."""
    case = _fresh(case)
    grant = _authorize(
        clerk, unit_id=case.unit_id, item=case.version.item, stage=CaseStage.ACCEPT, case=case
    )
    _in_stage(case, Stage.SUBMITTED)
    if ticket is not None:
        raise CaseError({"ticket": _("An application submitted online is taken without a ticket.")})
    if green_reason and green_reason not in GreenReason.values:
        raise CaseError({"green_reason": _("Choose a reason for the green channel.")})
    owner = _staff_or_none(
        owner, case.unit_id, "owner", _("The first-contact owner is a staff member of this unit.")
    )
    agent = _staff_or_none(
        agent, case.unit_id, "agent", _("The agent is a staff member of this unit.")
    )
    return _Taking(
        case=case, grant=grant, green_reason=green_reason, owner=owner or clerk, agent=agent
    )


def _take(clerk, taking: _Taking, case: Case, *, stage: str) -> list[str]:
    """Give the locked ``case`` its owner (N-5.6a), agent, handling clerk, green channel
    and limit, and move it to ``stage``; the fields to save."""
    case.owner, case.agent = taking.owner, taking.agent
    case.handler = taking.agent or clerk
    case.green_reason = taking.green_reason
    case.limit_days = deadlines.case_limit(case.version, taking.green_reason)
    case.stage = stage
    return ["owner", "agent", "handler", "green_reason", "limit_days", "stage"]


def _accept_submitted(
    clerk, case: Case, *, received, not_applicable, ticket, green_reason, agent, owner
) -> Case:
    taking = _taking(
        clerk, case, ticket=ticket, green_reason=green_reason, agent=agent, owner=owner
    )
    got, spared, missing = _sort_materials(taking.case.version, received, not_applicable)
    if missing:
        raise CaseError(
            {
                "materials": _(
                    "Missing: {names}. Ask for corrections with the one-time notice."
                ).format(names="、".join(material.name for material in missing))
            }
        )
    with transaction.atomic():
        case = _locked(taking.case)
        _in_stage(case, Stage.SUBMITTED)
        escalation = _use(taking.grant, case)
        fields = _take(clerk, taking, case, stage=deadlines.path_of(case.version)[0])
        # N-5.6d: the time limit counts from this acceptance, not from the submission.
        case.accepted_by, case.accepted_at = clerk, timezone.now()
        fields += ["accepted_by", "accepted_at"]
        fields += deadlines.refresh(case, calendar=calendar_for(case.unit))
        case.save(update_fields=fields)
        case.materials.set(got)
        case.materials_not_applicable.set(spared)
        _record(
            case, "cases.accepted", actor=clerk, escalation=escalation,
            promised_date=str(case.promised_date), provisional=case.deadline_provisional,
            submitted_online=True,
        )  # fmt: skip
    return case


def _correct_submitted(
    clerk, case: Case, *, received, return_place, not_applicable, ticket, green_reason, agent,
    owner, notes,
) -> Case:  # fmt: skip
    taking = _taking(
        clerk, case, ticket=ticket, green_reason=green_reason, agent=agent, owner=owner
    )
    got, spared, missing = _sort_materials(taking.case.version, received, not_applicable)
    if not missing:
        raise CaseError({"materials": _("Nothing is missing: accept the case.")})
    place = _required(return_place, "return_place", _("Tell the client where to come back."))
    with transaction.atomic():
        case = _locked(taking.case)
        _in_stage(case, Stage.SUBMITTED)
        escalation = _use(taking.grant, case)
        fields = _take(clerk, taking, case, stage=Stage.CORRECTION)
        fields += deadlines.refresh(case)
        case.save(update_fields=fields)
        case.materials.set(got)
        case.materials_not_applicable.set(spared)
        notice = _notice(clerk, case, missing, place, (notes or "").strip())
        _record(
            case, "cases.correction_requested", actor=clerk, escalation=escalation,
            notice=notice.number, missing=[material.pk for material in missing],
            also=[_notice_record(notice)], submitted_online=True,
        )  # fmt: skip
    return case


# --- review and completion ------------------------------------------------------------------


def _send_back(
    actor, case: Case, *, to_stage: str, reason: str, missing, return_place: str
) -> dict:
    """Move a locked, running case back to ``to_stage``; the entry's extra payload."""
    path = deadlines.path_of(case.version)
    current = case.stage
    earlier = [Stage.CORRECTION, *path[: path.index(current)]]
    if to_stage not in earlier:
        raise CaseError({"to_stage": _("A case goes back only to an earlier stage.")})
    extra: dict = {"from": current, "to": to_stage, "reason": reason}
    fields = ["stage", "handler", *_clear_reviews(case, to_stage)]
    if to_stage == Stage.CORRECTION:
        missing = list(missing)
        place = _required(return_place, "return_place", _("Tell the client where to come back."))
        notice = _notice(actor, case, missing, place, reason)
        # What must come again is no longer counted as received (nor as not applying).
        case.materials.remove(*missing)
        case.materials_not_applicable.remove(*missing)
        case.suspended_at = timezone.now()
        fields.append("suspended_at")
        extra |= {
            "notice": notice.number,
            "missing": [material.pk for material in missing],
            "also": [_notice_record(notice)],
        }
    elif missing:
        raise CaseError({"missing": _("Materials are asked for only when going to correction.")})
    case.stage = to_stage
    case.handler = case.agent or actor
    fields += deadlines.refresh(case)
    case.save(update_fields=fields)
    return extra


def first_review(
    actor,
    case: Case,
    *,
    passed: bool = True,
    note: str = "",
    missing: Iterable[Material] = (),
    return_place: str = "",
) -> Case:
    """初审 (N-5.5): pass the case on, or send it back to correction with the reason and
    the one-time notice of what must come again (the clock stands meanwhile)."""
    case = _fresh(case)
    grant = _authorize(
        actor, unit_id=case.unit_id, item=case.version.item, stage=CaseStage.FIRST_REVIEW,
        case=case,
    )  # fmt: skip
    note = note.strip()
    if not passed:
        note = _required(note, "note", _("Say why the case goes back."))
    with transaction.atomic():
        case = _locked(case)
        _in_stage(case, Stage.FIRST_REVIEW)
        escalation = _use(grant, case)
        if not passed:
            extra = _send_back(
                actor, case, to_stage=Stage.CORRECTION, reason=note, missing=missing,
                return_place=return_place,
            )  # fmt: skip
            _record(case, "cases.sent_back", actor=actor, escalation=escalation, **extra)
            return case
        path = deadlines.path_of(case.version)
        case.first_reviewed_by, case.first_reviewed_at = actor, timezone.now()
        case.first_review_note = note
        case.stage = path[path.index(Stage.FIRST_REVIEW) + 1]
        case.handler = case.agent or actor
        fields = deadlines.refresh(case)
        case.save(
            update_fields=[
                "first_reviewed_by", "first_reviewed_at", "first_review_note", "stage",
                "handler", *fields,
            ]
        )  # fmt: skip
        _record(case, "cases.first_reviewed", actor=actor, escalation=escalation)
    return case


def second_review(actor, case: Case, *, passed: bool = True, note: str = "") -> Case:
    """复核 (N-5.5, N-6.4), by another person than the acceptance and the first review:
    pass the case on to completion, or send it back to first review with the reason."""
    case = _fresh(case)
    grant = _authorize(
        actor, unit_id=case.unit_id, item=case.version.item, stage=CaseStage.SECOND_REVIEW,
        case=case,
    )  # fmt: skip
    if case.stage == Stage.SECOND_REVIEW:
        _check_reviewer(actor, case)
    note = note.strip()
    if not passed:
        note = _required(note, "note", _("Say why the case goes back."))
    with transaction.atomic():
        case = _locked(case)
        _in_stage(case, Stage.SECOND_REVIEW)
        _check_reviewer(actor, case, flag=False)
        escalation = _use(grant, case)
        if not passed:
            path = deadlines.path_of(case.version)
            index = path.index(Stage.SECOND_REVIEW)
            if index == 0:
                raise CaseError(
                    {"note": _("Send the case to correction with the materials it needs.")}
                )
            extra = _send_back(
                actor, case, to_stage=path[index - 1], reason=note, missing=(), return_place=""
            )
            _record(case, "cases.sent_back", actor=actor, escalation=escalation, **extra)
            return case
        case.second_reviewed_by, case.second_reviewed_at = actor, timezone.now()
        case.second_review_note = note
        case.stage = Stage.COMPLETION
        case.handler = case.agent or actor
        fields = deadlines.refresh(case)
        case.save(
            update_fields=[
                "second_reviewed_by", "second_reviewed_at", "second_review_note", "stage",
                "handler", *fields,
            ]
        )  # fmt: skip
        _record(case, "cases.second_reviewed", actor=actor, escalation=escalation)
    return case


def send_back(
    actor,
    case: Case,
    *,
    to_stage: str,
    reason: str,
    missing: Iterable[Material] = (),
    return_place: str = "",
) -> Case:
    """Send a case back to an earlier stage, always with the reason: to correction (with
    the one-time notice of what must come again; the clock stands), or to a review."""
    case = _fresh(case)
    if case.stage not in RUNNING_STAGES:
        raise CaseError(_("Only a case under way can go back."))
    current = case.stage
    grant = _authorize(
        actor, unit_id=case.unit_id, item=case.version.item, stage=AUTHORITY[current], case=case
    )
    if current == Stage.SECOND_REVIEW:
        _check_reviewer(actor, case)
    reason = _required(reason, "reason", _("Say why the case goes back."))
    with transaction.atomic():
        case = _locked(case)
        _in_stage(case, current)
        if current == Stage.SECOND_REVIEW:
            _check_reviewer(actor, case, flag=False)
        escalation = _use(grant, case)
        extra = _send_back(
            actor, case, to_stage=to_stage, reason=reason, missing=missing,
            return_place=return_place,
        )  # fmt: skip
        _record(case, "cases.sent_back", actor=actor, escalation=escalation, **extra)
    return case


def complete(actor, case: Case, *, approved: bool, rule: str = "", reason: str = "") -> Case:
    """办结: approved, or refused with the rule it rests on and the reason (N-2.1). The
    completion notice's number (``decision_number``) is drawn here and recorded in the
    entry's state, so the printed notice is provable."""
    case = _fresh(case)
    grant = _authorize(
        actor, unit_id=case.unit_id, item=case.version.item, stage=CaseStage.COMPLETE, case=case
    )
    reason = reason.strip()
    rule = rule.strip()
    if not approved:
        rule = _required(rule, "rule", _("Cite the rule the refusal rests on."))
        reason = _required(reason, "reason", _("Explain the refusal to the client."))
    with transaction.atomic():
        case = _locked(case)
        _in_stage(case, Stage.COMPLETION)
        escalation = _use(grant, case)
        now = timezone.now()
        case.stage = Stage.COMPLETED_APPROVED if approved else Stage.COMPLETED_REFUSED
        case.completed_by, case.completed_at = actor, now
        case.decision_rule, case.decision_reason = rule[:300], reason
        case.decision_number = _draw_number(case.unit, DocumentKind.COMPLETION)
        case.handler = case.agent or actor
        fields = deadlines.refresh(case)
        case.save(
            update_fields=[
                "stage", "completed_by", "completed_at", "decision_rule", "decision_reason",
                "decision_number", "handler", *fields,
            ]
        )  # fmt: skip
        _record(
            case, "cases.completed", actor=actor, escalation=escalation, approved=approved,
            on_time=case.completed_on_time,
        )  # fmt: skip
    return case


# --- escalations and hand-over --------------------------------------------------------------


def escalate(
    actor, *, reason: str, case: Case | None = None, version: ServiceItemVersion | None = None
) -> Escalation:
    """请示 (N-3.4): ask the head on duty to let you act beyond your post, once: at the
    stage a case waits in, or (``version``, no case yet) to accept a case of that item."""
    if case is not None:
        case = _fresh(case)
        unit_id, item = case.unit_id, case.version.item
        if case.stage not in ACTIVE_STAGES:
            raise CaseError(_("This case is finished."))
        stage = AUTHORITY[case.stage]
    elif version is not None:
        unit_id, item, stage = actor.unit_id, version.item, CaseStage.ACCEPT
    else:
        raise CaseError(_("Say which case or service item the escalation is about."))
    if not _is_unit_staff(actor, unit_id):
        _deny(
            actor, unit_id=unit_id or item.unit_id, subject_type="cases.case",
            subject_id=case.pk if case else "-", detail="escalation by someone not of the unit",
            message=_("Only staff of this unit escalate its cases."),
        )  # fmt: skip
    if _post_covers(actor, item.code, stage):
        raise CaseError(_("Your post covers this already; no escalation is needed."))
    reason = _required(reason, "reason", _("Say why you need to act beyond your post."))
    with transaction.atomic():
        if Escalation.objects.filter(
            requested_by=actor, item=item, stage=stage, case=case,
            status__in=[EscalationStatus.REQUESTED, EscalationStatus.APPROVED],
            used_at__isnull=True,
        ).exists():  # fmt: skip
            raise CaseError(_("You have asked for this already."))
        row = Escalation.objects.create(
            unit_id=unit_id, case=case, item=item, stage=stage, requested_by=actor,
            requested_at=timezone.now(), reason=reason,
        )  # fmt: skip
        append(
            unit=unit_id, event="cases.escalated", subject=Subject.of(row),
            payload={"state": escalation_state(row), "case": case.number if case else None,
                     "item": item.code, "reason": reason},
            actor=actor,
        )  # fmt: skip
    return row


def decide_escalation(actor, escalation: Escalation, *, approve: bool, reason: str) -> Escalation:
    """The head on duty (a post that approves escalations) approves or refuses, with a
    reason; never their own request."""
    if not (
        _is_unit_staff(actor, escalation.unit_id)
        and actor.post is not None
        and actor.post.unit_id == escalation.unit_id
        and actor.post.approves_escalations
    ):
        _deny(
            actor, unit_id=escalation.unit_id, subject_type="cases.escalation",
            subject_id=escalation.pk, detail="decision on an escalation without the post for it",
            message=_("Only the head on duty decides escalations."),
        )  # fmt: skip
    if actor.pk == escalation.requested_by_id:
        raise CaseError(_("Another head decides your own request."))
    reason = _required(reason, "reason", _("Give the reason for the decision."))
    with transaction.atomic():
        claimed = Escalation.objects.filter(
            pk=escalation.pk, status=EscalationStatus.REQUESTED
        ).update(
            status=EscalationStatus.APPROVED if approve else EscalationStatus.REFUSED,
            decided_by=actor, decided_at=timezone.now(), decision_reason=reason,
        )  # fmt: skip
        if claimed != 1:
            raise CaseError(_("This escalation has been decided already."))
        escalation.refresh_from_db()
        append(
            unit=escalation.unit_id, event="cases.escalation_decided",
            subject=Subject.of(escalation),
            payload={"state": escalation_state(escalation), "approved": approve,
                     "reason": reason},
            actor=actor,
        )  # fmt: skip
    return escalation


def hand_over(actor, case: Case, *, to, reason: str) -> Case:
    """首问负责 (N-5.6a): the owner stays answerable until completion, unless the case is
    handed over formally, with a reason, by the owner or the head on duty."""
    case = _fresh(case)
    is_head = (
        _is_unit_staff(actor, case.unit_id)
        and actor.post is not None
        and actor.post.approves_escalations
    )
    if not (is_head or (_is_unit_staff(actor, case.unit_id) and actor.pk == case.owner_id)):
        _deny(
            actor, unit_id=case.unit_id, subject_type="cases.case", subject_id=case.pk,
            detail=f"hand-over of case {case.number} by someone not its owner nor the head",
            message=_("Only the case's owner or the head on duty hands it over."),
        )  # fmt: skip
    if not _is_unit_staff(to, case.unit_id) or to.role == Role.UNIT_ADMIN:
        raise CaseError({"to": _("Hand the case over to counter staff of this unit.")})
    reason = _required(reason, "reason", _("Say why the case is handed over."))
    with transaction.atomic():
        case = _locked(case)
        # An online application has no owner until a clerk takes it: nothing to hand over.
        _in_stage(case, *[stage for stage in ACTIVE_STAGES if stage != Stage.SUBMITTED])
        if to.pk == case.owner_id:
            raise CaseError({"to": _("That is the owner already.")})
        previous = case.owner_id
        case.owner = to
        case.save(update_fields=["owner"])
        _record(case, "cases.handed_over", actor=actor, previous_owner=previous, reason=reason)
    return case
