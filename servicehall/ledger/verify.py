"""``ledger verify``: recompute every chain and tree, check every checkpoint, and
reconcile the business tables with the ledger.

It streams: entries are read in chunks in sequence order and the tree is kept as a
compact range (O(log n) hashes), so memory stays flat whatever the ledger's size.
It reports the first bad entry of each unit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DataError, connection
from django.db.models import Q

from . import merkle, notes
from .actions import hasher
from .canonical import ENTRY_FORMAT, NotCanonical, entry_bytes
from .models import Checkpoint, LedgerEntry, LedgerHead
from .registry import reconcilers

CHUNK = 2000
# Canonical JSON has no spaces, so an entry naming other subjects contains exactly this.
ALSO_MARK = '"also":['

# One unit's entries in sequence order, read by keyset pages (memory stays flat) with a
# raw cursor: the ORM's row machinery and SQLite's datetime converters cost more than all
# the hashing. The time comes back as text, 'YYYY-MM-DD HH:MM:SS[.ffffff]' (SQLite holds
# what Django wrote, str() of the UTC time, which leaves out a zero fraction; PostgreSQL
# is asked for that form), and becomes ``canonical.timestamp``'s form by slicing; no
# correction reads as ''; the payload comes as its UTF-8 bytes. The tests hold the bytes
# built from a row to equality with ``entry_bytes``; a row whose bytes still miss its
# hash is checked again through the ORM and ``entry_bytes`` before it is called bad
# (``_reference_leaf``), so both paths give the same verdict.
_ENTRY_PAGE_SQL = {
    "sqlite": (
        "SELECT seq, CAST(at AS TEXT), "
        "actor_staff_no, channel, event_type, event_version, subject_type, subject_id, "
        "COALESCE(corrects_seq, ''), prev_hash, CAST(payload AS BLOB), entry_hash "
        "FROM ledger_ledgerentry WHERE unit_id = %s AND seq > %s ORDER BY seq LIMIT %s"
    ),
    "postgresql": (
        "SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
        "actor_staff_no, channel, event_type, event_version, subject_type, subject_id, "
        "COALESCE(corrects_seq::text, ''), prev_hash, convert_to(payload, 'UTF8'), entry_hash "
        "FROM ledger_ledgerentry WHERE unit_id = %s AND seq > %s ORDER BY seq LIMIT %s"
    ),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, named so that an auditor can find it."""

    unit_id: int | None
    seq: int | None
    kind: str
    detail: str

    def __str__(self) -> str:
        where = f"unit {self.unit_id}" if self.unit_id is not None else "ledger"
        if self.seq is not None:
            where += f", entry {self.seq}"
        return f"{where}: {self.kind}: {self.detail}"


@dataclass
class Summary:
    units: int = 0
    entries: int = 0
    checkpoints: int = 0
    rows_reconciled: int = 0


def entry_pages(unit_id: int, after: int = 0) -> Iterator[list[tuple]]:
    """Pages of ``(seq, timestamp, actor_staff_no, channel, event_type, event_version,
    subject_type, subject_id, corrects_seq, prev_hash, payload bytes, entry_hash)`` after
    entry ``after``, in sequence order."""
    sql = _ENTRY_PAGE_SQL[connection.vendor]
    # Bounding the page by sequence number keeps PostgreSQL on the index even when the
    # table's statistics are stale (after a restore or a bulk load, an unbounded keyset
    # query planned a sort of every remaining row per page: 21 s instead of 1 s at 300k).
    bounded = sql.replace("AND seq > %s ORDER BY", "AND seq > %s AND seq <= %s ORDER BY")
    with connection.cursor() as cursor:
        while True:
            cursor.execute(bounded, [unit_id, after, after + CHUNK, CHUNK])
            page = cursor.fetchall()
            if not page:
                # A gap wider than a page: look past it once so it is reported, not hidden.
                cursor.execute(sql, [unit_id, after, CHUNK])
                page = cursor.fetchall()
                if not page:
                    return
            yield page
            after = page[-1][0]


def fast_entry_bytes(unit_id: int, row: tuple) -> bytes:
    """An entry's canonical bytes from a row of :func:`entry_pages`, built as
    :func:`verify_unit` builds them inline."""
    seq, stamp, staff_no, channel, event, version, stype, sid, corrects, prev, payload, _h = row
    return (
        f"{ENTRY_FORMAT.decode()}\n{unit_id}\n{seq}\n"
        f"{stamp[:10]}T{stamp[11:19]}{stamp[19:] or '.000000'}Z\n{staff_no}\n{channel}\n"
        f"{event}@{version}\n{stype}:{sid}\n{corrects}\n{prev}\n"
    ).encode() + payload


def _reference_leaf(unit_id: int, seq: int, tree_hasher: merkle.Hasher) -> bytes | None:
    """The leaf hash of an entry read through the ORM and ``entry_bytes``, or None when the
    entry cannot be read back (a time that is no time) or has no canonical bytes (a header
    value with a newline).

    Only called for a row whose fast bytes do not match its hash, so that a value stored
    in another form than Django's is judged exactly as ``entry_bytes`` judges it.
    """
    try:
        entry = LedgerEntry.objects.filter(unit_id=unit_id, seq=seq).first()
        if entry is None:
            return None
        data = entry_bytes(
            unit_id=unit_id, seq=seq, at=entry.at, actor_staff_no=entry.actor_staff_no,
            channel=entry.channel, event_type=entry.event_type,
            event_version=entry.event_version, subject_type=entry.subject_type,
            subject_id=entry.subject_id, corrects_seq=entry.corrects_seq,
            prev_hash=entry.prev_hash, payload=entry.payload,
        )  # fmt: skip
    except (NotCanonical, ValueError, TypeError, AttributeError, DataError):
        return None
    return tree_hasher.hash_leaf(data)


def verify_unit(unit_id: int, summary: Summary) -> Problem | None:
    """The first problem of one unit's chain, tree and checkpoints, or None."""
    tree_hasher = hasher()
    verifier = notes.Signer.from_key_string(settings.LEDGER_SIGNER_KEY).verifier()
    checkpoints = list(
        Checkpoint.objects.filter(unit_id=unit_id)
        .order_by("size")
        .values_list("size", "root_hash", "signed_note")
    )
    pending = iter(checkpoints)
    next_checkpoint = next(pending, None)
    # The tree as a compact range: the roots of its perfect subtrees, largest first.
    stack: list[bytes] = []

    def check_checkpoint(size: int, root_hex: str, signed: str) -> Problem | None:
        summary.checkpoints += 1
        try:
            body = notes.Checkpoint.parse(notes.open_note(signed, [verifier]))
        except notes.NoteError as error:
            return Problem(unit_id, size, "checkpoint signature", str(error))
        if body.size != size or body.root_hash.hex() != root_hex:
            return Problem(unit_id, size, "checkpoint", "the signed text differs from the row")
        if merkle.CompactRange.resume(size, stack, tree_hasher).root() != body.root_hash:
            return Problem(
                unit_id, size, "checkpoint root",
                "the entries up to this size do not give the signed root",
            )  # fmt: skip
        return None

    while next_checkpoint is not None and next_checkpoint[0] == 0:
        if problem := check_checkpoint(*next_checkpoint):
            return problem
        next_checkpoint = next(pending, None)

    # The hot loop: a million entries take a million turns, so everything is inline and
    # bound to locals, and each entry's bytes are built as in ``fast_entry_bytes``.
    new_hash = tree_hasher.new
    pop, push = stack.pop, stack.append
    header = f"\x00{ENTRY_FORMAT.decode()}\n{unit_id}\n"  # 0x00: the RFC 6962 leaf prefix
    checkpoint_at = next_checkpoint[0] if next_checkpoint is not None else 0
    prev_hash = ""
    expected_seq = 1
    try:
        for page in entry_pages(unit_id):
            for (
                seq, stamp, staff_no, channel, event, version, stype, sid, corrects, prev,
                payload, stored,
            ) in page:  # fmt: skip
                if seq != expected_seq:
                    kind = "missing entry" if seq > expected_seq else "sequence"
                    return Problem(
                        unit_id, expected_seq, kind, f"expected entry {expected_seq}, found {seq}"
                    )
                try:
                    leaf = new_hash(
                        f"{header}{seq}\n{stamp[:10]}T{stamp[11:19]}{stamp[19:] or '.000000'}Z\n"
                        f"{staff_no}\n{channel}\n{event}@{version}\n"
                        f"{stype}:{sid}\n{corrects}\n{prev}\n".encode()
                        + payload
                    ).digest()
                except TypeError:  # a NULL, which only a changed schema lets in
                    leaf = b""
                if prev != prev_hash:
                    return Problem(unit_id, seq, "chain", "the previous-hash link is broken")
                if leaf.hex() != stored:
                    leaf = _reference_leaf(unit_id, seq, tree_hasher)
                    if leaf is None or leaf.hex() != stored:
                        return Problem(
                            unit_id, seq, "content", "the entry's content does not match its hash"
                        )
                # Append the leaf: each trailing 1 bit of the old size is a perfect subtree
                # of the carried node's size, merged as in binary addition.
                carry = seq - 1
                while carry & 1:
                    leaf = new_hash(b"\x01" + pop() + leaf).digest()
                    carry >>= 1
                push(leaf)
                prev_hash = stored
                expected_seq += 1
                if seq == checkpoint_at:
                    while next_checkpoint is not None and next_checkpoint[0] == seq:
                        if problem := check_checkpoint(*next_checkpoint):
                            return problem
                        next_checkpoint = next(pending, None)
                    checkpoint_at = next_checkpoint[0] if next_checkpoint is not None else 0
    finally:
        summary.entries += expected_seq - 1

    if next_checkpoint is not None:
        return Problem(
            unit_id, next_checkpoint[0], "missing entries",
            f"a checkpoint signs {next_checkpoint[0]} entries but only {expected_seq - 1} exist",
        )  # fmt: skip
    head = LedgerHead.objects.filter(unit_id=unit_id).values_list("seq", "head_hash").first()
    if head is not None and head != (expected_seq - 1, prev_hash):
        # The first entry that disagrees: one past the shorter of the head and the ledger.
        return Problem(
            unit_id, min(head[0], expected_seq - 1) + 1, "head",
            f"the chain's head says entry {head[0]} but the ledger ends at {expected_seq - 1}",
        )  # fmt: skip
    return None


def reconcile(summary: Summary) -> Iterator[Problem]:
    """Every registered business row must equal the state its latest entry recorded.

    An entry records its subject's state under ``state``; an action that changes other
    rows too (a case's correction creates its one-time notice) records theirs under
    ``also``: ``[{"subject": "type:id", "state": {...}}]``, one entry for one action.
    """
    for reconciler in reconcilers():
        latest: dict[str, tuple[int, int, dict]] = {}
        # Latest state per subject, in ledger order: the subject's own entries and the
        # entries that name it among their other subjects.
        rows = (
            LedgerEntry.objects.filter(
                Q(subject_type=reconciler.subject_type) | Q(payload__contains=ALSO_MARK)
            )
            .order_by("unit_id", "seq")
            .values_list("subject_type", "subject_id", "unit_id", "seq", "payload")
        )
        prefix = reconciler.subject_type + ":"
        for subject_type, subject_id, unit_id, seq, payload in rows.iterator(CHUNK):
            data = json.loads(payload)
            states = []
            if subject_type == reconciler.subject_type and "state" in data:
                states.append((subject_id, data["state"]))
            for other in data.get("also", ()):
                if isinstance(other, dict) and str(other.get("subject", "")).startswith(prefix):
                    states.append((other["subject"][len(prefix) :], other.get("state")))
            for key, state in states:
                if state is None:  # the action removed the row
                    latest.pop(key, None)
                else:
                    latest[key] = (unit_id, seq, state)
        for row in reconciler.model._default_manager.order_by("pk").iterator(CHUNK):
            summary.rows_reconciled += 1
            recorded = latest.pop(str(row.pk), None)
            unit_id = getattr(row, reconciler.unit_field)
            if recorded is None:
                yield Problem(
                    unit_id, None, "unrecorded row",
                    f"{reconciler.subject_type} {row.pk} has no ledger entry",
                )  # fmt: skip
            elif reconciler.state(row) != recorded[2]:
                yield Problem(
                    unit_id, recorded[1], "row changed behind the ledger",
                    f"{reconciler.subject_type} {row.pk} differs from the state its latest "
                    "entry recorded",
                )  # fmt: skip
        for subject_id, (unit_id, seq, _state) in latest.items():
            yield Problem(
                unit_id, seq, "row deleted behind the ledger",
                f"{reconciler.subject_type} {subject_id} is recorded but missing",
            )  # fmt: skip


def verify_all() -> tuple[list[Problem], Summary]:
    summary = Summary()
    problems: list[Problem] = []
    unit_ids = sorted(
        set(LedgerEntry.objects.values_list("unit_id", flat=True).distinct())
        | set(LedgerHead.objects.values_list("unit_id", flat=True))
        | set(Checkpoint.objects.values_list("unit_id", flat=True).distinct())
    )
    for unit_id in unit_ids:
        summary.units += 1
        if problem := verify_unit(unit_id, summary):
            problems.append(problem)
    problems.extend(reconcile(summary))
    return problems, summary


def as_json(problems: list[Problem], summary: Summary) -> str:
    return json.dumps(
        {"ok": not problems, "summary": asdict(summary), "problems": [asdict(p) for p in problems]},
        ensure_ascii=False,
        indent=2,
    )
