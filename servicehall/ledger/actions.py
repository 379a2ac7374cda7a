"""The one door into the ledger: ``append``, called by every app's action functions
inside their own transaction, and ``correct`` for corrections (发现有错及时改正).

Also the ledger's own actions on bulk exports of personal data (D-10): a unit's head on
duty or administrator requests one, the security administrator alone approves or refuses
it, and an approval is used once, within a day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.lib import rows
from servicehall.org.choices import Role

from .canonical import canonical_json, check_header, entry_bytes, optional_timestamp
from .choices import AccessPurpose, Channel, ExportStatus
from .merkle import Hasher
from .models import ExportRequest, LedgerEntry, LedgerHead
from .personal import log_full_view
from .registry import Reconciler, event_type, register_event, register_reconciler, subject_type_of


class LedgerError(RuntimeError):
    pass


register_event(
    "ledger.correction",
    1,
    "A correction of an earlier entry, with the reason (N-5.5: errors corrected promptly).",
    ("N-5.5", "D-11"),
)


def hasher() -> Hasher:
    return Hasher("sm3" if settings.LEDGER_HASH == "SM3" else "sha256")


@dataclass(frozen=True)
class Subject:
    """What an entry is about: a ticket, a case, an evaluation, ..."""

    type: str
    id: str

    @classmethod
    def of(cls, row) -> Subject:
        return cls(subject_type_of(row), str(row.pk))


# Every action appends, so the append is three plain statements (the ORM spent 0.5 ms
# building and compiling them, the database a tenth of that running them): read the locked
# head here, insert the entry and move the head with ``lib.rows``, from their values: no
# model instance is built on the way in, as building one cost a fifth of an append.
_HEAD_SQL = "SELECT seq, head_hash FROM ledger_ledgerhead WHERE unit_id = %s"


def _locked_head(unit_id: int, conn) -> tuple[int, str]:
    """The unit's last sequence number and hash, locked until the transaction ends."""
    # The head row is created once per unit; ignore_conflicts keeps two first appends
    # from racing into an IntegrityError. FOR UPDATE serialises appends on PostgreSQL;
    # SQLite's IMMEDIATE transactions already hold the write lock (and SQLite has no
    # FOR UPDATE).
    sql = _HEAD_SQL + (" FOR UPDATE" if conn.features.has_select_for_update else "")
    row = rows.fetchone(sql, [unit_id], conn)
    if row is None:
        # The insert only on a unit's first append: on PostgreSQL an INSERT ... ON
        # CONFLICT on every append cost 12-40 % of append throughput.
        LedgerHead.objects.bulk_create([LedgerHead(unit_id=unit_id)], ignore_conflicts=True)
        row = rows.fetchone(sql, [unit_id], conn)
    return row


def append(
    *,
    unit,
    event: str,
    subject: Subject,
    payload: dict,
    actor=None,
    channel: str = Channel.STAFF,
    corrects_seq: int | None = None,
) -> LedgerEntry:
    """Append one entry to ``unit``'s chain, inside the caller's transaction; the stored
    entry.

    Called outside a transaction it refuses: an entry must commit with its change.
    """
    entry_id, values = _append(
        unit=unit, event=event, subject=subject, payload=payload, actor=actor,
        channel=channel, corrects_seq=corrects_seq,
    )  # fmt: skip
    entry = LedgerEntry.from_db(connection.alias, None, [entry_id, *values])
    if actor is not None:
        rows.attach(entry, "actor", actor)
    return entry


def append_row(**fields) -> int:
    """:func:`append` with the same fields, for a caller that has no use for the entry:
    its sequence number. The hall's actions append one with every issue, call and finish,
    and building the instance cost a tenth of an append."""
    _entry_id, values = _append(**fields)
    return values[_SEQ]


# Where the sequence number is among the values _append returns (the model's order).
_SEQ = 1


def _append(
    *, unit, event, subject, payload, actor=None, channel=Channel.STAFF, corrects_seq=None
) -> tuple[int, list]:
    """Write the entry and move the head: the entry's id and its other fields' values."""
    conn = rows.connection()
    if not conn.in_atomic_block:
        raise LedgerError("ledger.append must run inside the action's transaction.atomic()")
    spec = event_type(event)
    if actor is None and channel == Channel.STAFF:
        raise LedgerError("a staff entry names its staff member")
    unit_id = unit if isinstance(unit, int) else unit.pk
    staff_no = (getattr(actor, "staff_no", None) or "") if actor else ""
    # Everything that can be refused is refused before the head is touched: a refusal
    # caught by the caller must leave no trace, not even a unit's first (empty) head row.
    payload_text = canonical_json(payload)
    check_header(staff_no, channel, spec.name, subject.type, subject.id)
    head_seq, head_hash = _locked_head(unit_id, conn)
    seq, at = head_seq + 1, timezone.now()
    entry_hash = hasher().hash_leaf(
        entry_bytes(
            unit_id=unit_id, seq=seq, at=at, actor_staff_no=staff_no, channel=channel,
            event_type=spec.name, event_version=spec.version, subject_type=subject.type,
            subject_id=subject.id, corrects_seq=corrects_seq, prev_hash=head_hash,
            payload=payload_text,
        )
    ).hex()  # fmt: skip
    # The entry's fields after its id, in the model's order (rows.insert_values).
    values = [
        unit_id, seq, at, actor.pk if actor else None, staff_no, str(channel), spec.name,
        spec.version, subject.type, subject.id, corrects_seq, payload_text, head_hash,
        entry_hash,
    ]  # fmt: skip
    entry_id = rows.insert_values(LedgerEntry, values, conn)
    rows.update_values(LedgerHead, unit_id, conn, seq=seq, head_hash=entry_hash)
    return entry_id, values


def bytes_of(entry: LedgerEntry) -> bytes:
    return entry_bytes(
        unit_id=entry.unit_id,
        seq=entry.seq,
        at=entry.at,
        actor_staff_no=entry.actor_staff_no,
        channel=entry.channel,
        event_type=entry.event_type,
        event_version=entry.event_version,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        corrects_seq=entry.corrects_seq,
        prev_hash=entry.prev_hash,
        payload=entry.payload,
    )


def correct(*, actor, entry: LedgerEntry, corrected: dict, reason: str) -> LedgerEntry:
    """Record a correction of ``entry``: the corrected values and why. Both entries stay."""
    reason = reason.strip()
    if not reason:
        raise LedgerError("a correction needs a reason")
    # The entry's own author, or the unit's head on duty or administrator, corrects it.
    in_unit = getattr(actor, "unit_id", None) == entry.unit_id
    if not in_unit or not (
        actor.pk == entry.actor_id or actor.role in (Role.HEAD_ON_DUTY, Role.UNIT_ADMIN)
    ):
        raise PermissionDenied("only the author or the unit's head corrects an entry")
    with transaction.atomic():
        return append(
            unit=entry.unit_id,
            event="ledger.correction",
            subject=Subject(entry.subject_type, entry.subject_id),
            payload={"corrected": corrected, "reason": reason},
            actor=actor,
            corrects_seq=entry.seq,
        )


# --- Bulk exports of personal data (D-10) ---------------------------------------------------

register_event(
    "ledger.export_requested", 1, "A bulk export of personal data is requested.", ("D-10",)
)
register_event(
    "ledger.export_approved",
    1,
    "The security administrator approves a bulk export of personal data, with the reason.",
    ("D-10",),
)
register_event(
    "ledger.export_refused",
    1,
    "The security administrator refuses a bulk export of personal data, with the reason.",
    ("D-10",),
)
register_event("ledger.export_used", 1, "An approved bulk export is made, once.", ("D-10",))

EXPORT_REQUESTERS = (Role.HEAD_ON_DUTY, Role.UNIT_ADMIN)
# An approval is for one export made soon after it, not a standing permission.
EXPORT_APPROVAL_VALID = dt.timedelta(hours=24)


def export_state(row: ExportRequest) -> dict:
    """What each export entry records, and what ``ledger verify`` finds in the row: an
    approval made or a use undone behind the application's back is named."""
    return {
        "unit": row.unit_id,
        "requested_by": row.requested_by_id,
        "description": row.description,
        "purpose": row.purpose,
        "status": row.status,
        "decided_by": row.decided_by_id,
        "decision_reason": row.decision_reason,
        "expires_at": optional_timestamp(row.expires_at),
        "used_at": optional_timestamp(row.used_at),
    }


register_reconciler(Reconciler(subject_type_of(ExportRequest), ExportRequest, export_state))


def _append_export(row: ExportRequest, event: str, actor) -> None:
    append(
        unit=row.unit_id,
        event=event,
        subject=Subject.of(row),
        payload={"state": export_state(row)},
        actor=actor,
    )


def request_export(actor, *, description: str, purpose: str) -> ExportRequest:
    """The unit's head on duty or administrator asks to export personal data of the unit."""
    if actor.role not in EXPORT_REQUESTERS or actor.unit_id is None:
        raise PermissionDenied(
            _("Only a unit's head on duty or administrator requests a bulk export.")
        )
    row = ExportRequest(
        unit_id=actor.unit_id,
        requested_by=actor,
        description=description.strip(),
        purpose=purpose.strip(),
    )
    row.full_clean()
    with transaction.atomic():
        row.save(force_insert=True)
        _append_export(row, "ledger.export_requested", actor)
    return row


def decide_export(actor, request_id: int, *, approve: bool, reason: str) -> ExportRequest:
    """The security administrator, and nobody else, approves or refuses a waiting request.

    The three administrators are separated: the system and audit administrators, like
    the unit's own staff, may not decide. An approval is valid for
    ``EXPORT_APPROVAL_VALID``.
    """
    if actor.role != Role.SECURITY_ADMIN:
        raise PermissionDenied(_("Only the security administrator decides on bulk exports."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    now = timezone.now()
    with transaction.atomic():
        # Compare and set: of two decisions made at once, one wins and the other is told.
        decided = ExportRequest.objects.filter(pk=request_id, status=ExportStatus.REQUESTED).update(
            status=ExportStatus.APPROVED if approve else ExportStatus.REFUSED,
            decided_by=actor,
            decided_at=now,
            decision_reason=reason,
            expires_at=now + EXPORT_APPROVAL_VALID if approve else None,
        )
        if decided != 1:
            if not ExportRequest.objects.filter(pk=request_id).exists():
                raise ExportRequest.DoesNotExist
            raise ValidationError(_("This request has already been decided."), code="decided")
        row = ExportRequest.objects.get(pk=request_id)
        _append_export(row, "ledger.export_approved" if approve else "ledger.export_refused", actor)
    return row


def use_approved_export(user, request_id: int) -> ExportRequest:
    """Claim an approved export for the one run it allows, before any data is read.

    Refused (PermissionDenied) unless the request is approved, unexpired and unused, and
    ``user`` is its requester, still in its unit and in a role that may export. The claim
    is a compare-and-set, so two runs at once never both get it. The use is recorded in
    the ledger and in the personal-data access log.
    """
    refused = PermissionDenied(
        _("This export is not approved for you, has expired or has already been made.")
    )
    if user.role not in EXPORT_REQUESTERS or user.unit_id is None:
        raise refused
    now = timezone.now()
    with transaction.atomic():
        claimed = ExportRequest.objects.filter(
            pk=request_id,
            unit_id=user.unit_id,
            requested_by=user,
            status=ExportStatus.APPROVED,
            expires_at__gt=now,
            used_at__isnull=True,
        ).update(used_at=now)
        if claimed != 1:
            raise refused
        row = ExportRequest.objects.select_related("unit").get(pk=request_id)
        _append_export(row, "ledger.export_used", user)
        log_full_view(
            user=user,
            unit=row.unit,
            subject_type=subject_type_of(row),
            subject_id=str(row.pk),
            field="bulk export",
            purpose=AccessPurpose.EXPORT,
            note=row.description,
        )
    return row
