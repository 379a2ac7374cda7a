"""Changes to the catalogue, consultations and notices: each checks its rules, runs in one
transaction and writes one ledger entry."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.ledger.actions import Subject, append
from servicehall.ledger.registry import Reconciler, register_event, register_reconciler
from servicehall.org.choices import UNIT_STAFF_ROLES, Role

from .choices import Eligibility, ServiceChannel, VersionStatus
from .models import (
    Consultation,
    Material,
    NoticeKind,
    OneTimeNotice,
    ServiceItem,
    ServiceItemVersion,
)
from .numbering import draw_number

register_event("catalogue.version_drafted", 1, "A new draft of a service guide.", ("N-4.3",))
register_event(
    "catalogue.version_published", 1, "A guide version is published.", ("N-4.3", "N-2.2")
)
register_event(
    "catalogue.consultation_recorded",
    1,
    "A consultation answered with the four-point notice.",
    ("N-5.2",),
)
register_event(
    "catalogue.one_time_notice_issued",
    1,
    "Everything missing told once, in writing.",
    ("N-5.6c", "D-09"),
)

EDITORS = (Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)


def consultation_state(row: Consultation) -> dict:
    return {
        "number": row.number,
        "version": row.version_id,
        "clerk": row.clerk_id,
        "eligibility": row.eligibility,
    }


def notice_state(row: OneTimeNotice) -> dict:
    return {
        "number": row.number,
        "version": row.version_id,
        "clerk": row.clerk_id,
        "missing": sorted(row.missing.values_list("pk", flat=True)),
    }


register_reconciler(Reconciler("catalogue.consultation", Consultation, consultation_state))
register_reconciler(Reconciler("catalogue.onetimenotice", OneTimeNotice, notice_state))


def _check_editor(actor, item: ServiceItem) -> None:
    if actor.role == Role.SYSTEM_ADMIN:
        return
    if actor.role == Role.UNIT_ADMIN and actor.unit_id == item.unit_id:
        return
    raise PermissionDenied(_("Only the publishing unit's administrator edits this guide."))


def _check_counter_staff(clerk) -> None:
    if clerk.role not in UNIT_STAFF_ROLES or not clerk.unit_id:
        raise PermissionDenied(_("Only counter staff of a unit record consultations and notices."))


def new_draft(actor, item: ServiceItem) -> ServiceItemVersion:
    """Copy the version in force into a new draft, with its policy basis and materials."""
    _check_editor(actor, item)
    with transaction.atomic():
        source = item.current
        if source is None:
            raise ValidationError(_("The item has no published version to start from."))
        if item.versions.filter(status=VersionStatus.DRAFT).exists():
            raise ValidationError(_("This item already has a draft."))
        policies, materials = list(source.policies.all()), list(source.materials.all())
        draft = ServiceItemVersion.objects.get(pk=source.pk)
        draft.pk = None
        draft.number = item.versions.order_by("-number").values_list("number", flat=True)[0] + 1
        draft.status = VersionStatus.DRAFT
        draft.published_at = draft.published_by = None
        draft.save(force_insert=True)
        for part in policies + materials:
            part.pk = None
            part.version = draft
            part.save(force_insert=True)
        append(
            unit=item.unit_id,
            event="catalogue.version_drafted",
            subject=Subject.of(draft),
            payload={"item": item.code, "number": draft.number, "from": source.number},
            actor=actor,
        )
    return draft


def publish(actor, version: ServiceItemVersion) -> ServiceItemVersion:
    """Put a draft in force; the version it replaces is kept, superseded, for the cases
    and notices that rest on it."""
    item = version.item
    _check_editor(actor, item)
    version.full_clean()
    if not version.materials.exists():
        raise ValidationError(_("A guide lists the materials the client brings."))
    with transaction.atomic():
        now = timezone.now()
        claimed = ServiceItemVersion.objects.filter(
            pk=version.pk, status=VersionStatus.DRAFT
        ).update(status=VersionStatus.PUBLISHED, published_at=now, published_by=actor)
        if claimed != 1:
            raise ValidationError(_("Only a draft can be published."))
        previous = item.current_id
        if previous:
            ServiceItemVersion.objects.filter(pk=previous).update(status=VersionStatus.SUPERSEDED)
        ServiceItem.objects.filter(pk=item.pk).update(current=version)
        append(
            unit=item.unit_id,
            event="catalogue.version_published",
            subject=Subject.of(version),
            payload={
                "item": item.code,
                "number": version.number,
                "supersedes": previous,
                "fee_fen": version.fee_fen,
                "promised_limit_days": version.promised_limit_days,
                "materials": list(version.materials.values_list("name", flat=True)),
            },
            actor=actor,
        )
    version.refresh_from_db()
    item.refresh_from_db()
    return version


def record_consultation(
    clerk,
    *,
    version: ServiceItemVersion,
    channel: str,
    client_type: str,
    eligibility: str,
    explanation: str = "",
    client_name: str = "",
    question: str = "",
) -> Consultation:
    """N-5.2: record what was asked and produce the four-point notice for it."""
    _check_counter_staff(clerk)
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError(_("Consult only on the version in force."))
    if eligibility == Eligibility.NOT_ELIGIBLE and not explanation.strip():
        # N-2.1, N-3.3: what cannot be done is explained, never just refused.
        raise ValidationError({"explanation": _("Explain why the conditions are not met.")})
    row = Consultation(
        unit_id=clerk.unit_id, clerk=clerk, version=version, channel=channel,
        client_type=client_type, eligibility=eligibility, explanation=explanation.strip(),
        client_name=client_name.strip(), question=question.strip(),
    )  # fmt: skip
    row.number = "pending"
    row.full_clean(exclude=["number"])
    if channel not in ServiceChannel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    with transaction.atomic():
        row.number = draw_number(clerk.unit, NoticeKind.FOUR_POINT)
        row.save(force_insert=True)
        append(
            unit=clerk.unit_id,
            event="catalogue.consultation_recorded",
            subject=Subject.of(row),
            payload={"state": consultation_state(row), "channel": channel},
            actor=clerk,
        )
    return row


def issue_one_time_notice(
    clerk,
    *,
    version: ServiceItemVersion,
    missing: list[Material],
    return_place: str,
    client_name: str = "",
    notes: str = "",
    consultation: Consultation | None = None,
) -> OneTimeNotice:
    """N-5.6c: every missing material at once, and only materials the guide lists (D-09)."""
    _check_counter_staff(clerk)
    if not missing:
        raise ValidationError({"missing": _("Tick every material the client still needs.")})
    listed = set(version.materials.values_list("pk", flat=True))
    if not {material.pk for material in missing} <= listed:
        raise ValidationError(
            {"missing": _("Only materials listed in the service guide can be asked for.")}
        )
    if not return_place.strip():
        raise ValidationError({"return_place": _("Tell the client where to come back.")})
    with transaction.atomic():
        row = OneTimeNotice.objects.create(
            unit_id=clerk.unit_id,
            clerk=clerk,
            version=version,
            consultation=consultation,
            client_name=client_name.strip(),
            return_place=return_place.strip(),
            notes=notes.strip(),
            number=draw_number(clerk.unit, NoticeKind.ONE_TIME),
        )
        row.missing.set(missing)
        append(
            unit=clerk.unit_id,
            event="catalogue.one_time_notice_issued",
            subject=Subject.of(row),
            payload={"state": notice_state(row)},
            actor=clerk,
        )
    return row
