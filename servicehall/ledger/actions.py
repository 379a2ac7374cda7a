"""The one door into the ledger: ``append``, called by every app's action functions
inside their own transaction, and ``correct`` for corrections (发现有错及时改正)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from servicehall.org.choices import Role

from .canonical import canonical_json, entry_bytes
from .choices import Channel
from .merkle import Hasher
from .models import LedgerEntry, LedgerHead
from .registry import event_type, register_event, subject_type_of


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


def _locked_head(unit_id: int) -> LedgerHead:
    # The head row is created once per unit; ignore_conflicts keeps two first appends
    # from racing into an IntegrityError. select_for_update serialises appends on
    # PostgreSQL; SQLite's IMMEDIATE transactions already hold the write lock.
    LedgerHead.objects.bulk_create([LedgerHead(unit_id=unit_id)], ignore_conflicts=True)
    return LedgerHead.objects.select_for_update().get(unit_id=unit_id)


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
    """Append one entry to ``unit``'s chain, inside the caller's transaction.

    Called outside a transaction it refuses: an entry must commit with its change.
    """
    if not connection.in_atomic_block:
        raise LedgerError("ledger.append must run inside the action's transaction.atomic()")
    spec = event_type(event)
    if actor is None and channel == Channel.STAFF:
        raise LedgerError("a staff entry names its staff member")
    unit_id = unit if isinstance(unit, int) else unit.pk
    head = _locked_head(unit_id)
    entry = LedgerEntry(
        unit_id=unit_id,
        seq=head.seq + 1,
        at=timezone.now(),
        actor=actor,
        actor_staff_no=(getattr(actor, "staff_no", None) or "") if actor else "",
        channel=channel,
        event_type=spec.name,
        event_version=spec.version,
        subject_type=subject.type,
        subject_id=subject.id,
        corrects_seq=corrects_seq,
        payload=canonical_json(payload),
        prev_hash=head.head_hash,
    )
    entry.entry_hash = hasher().hash_leaf(bytes_of(entry)).hex()
    entry.save(force_insert=True)
    head.seq, head.head_hash = entry.seq, entry.entry_hash
    head.save(update_fields=["seq", "head_hash"])
    return entry


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
