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

from . import merkle, notes
from .actions import hasher
from .canonical import entry_bytes
from .models import Checkpoint, LedgerEntry, LedgerHead
from .registry import reconcilers

CHUNK = 5000
_FIELDS = (
    "seq", "at", "actor_staff_no", "channel", "event_type", "event_version", "subject_type",
    "subject_id", "corrects_seq", "prev_hash", "payload", "entry_hash",
)  # fmt: skip


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


def _entries(unit_id: int) -> Iterator[tuple]:
    """Entries of a unit in sequence order, read by keyset pages so memory stays flat."""
    last = 0
    while True:
        page = list(
            LedgerEntry.objects.filter(unit_id=unit_id, seq__gt=last)
            .order_by("seq")
            .values_list(*_FIELDS)[:CHUNK]
        )
        if not page:
            return
        yield from page
        last = page[-1][0]


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
    tree = merkle.CompactRange(tree_hasher)
    prev_hash = ""
    expected_seq = 1

    def check_checkpoint(size: int, root_hex: str, signed: str) -> Problem | None:
        summary.checkpoints += 1
        try:
            body = notes.Checkpoint.parse(notes.open_note(signed, [verifier]))
        except notes.NoteError as error:
            return Problem(unit_id, size, "checkpoint signature", str(error))
        if body.size != size or body.root_hash.hex() != root_hex:
            return Problem(unit_id, size, "checkpoint", "the signed text differs from the row")
        if tree.root() != body.root_hash:
            return Problem(
                unit_id, size, "checkpoint root",
                "the entries up to this size do not give the signed root",
            )  # fmt: skip
        return None

    while next_checkpoint is not None and next_checkpoint[0] == 0:
        if problem := check_checkpoint(*next_checkpoint):
            return problem
        next_checkpoint = next(pending, None)

    for row in _entries(unit_id):
        seq = row[0]
        if seq != expected_seq:
            kind = "missing entry" if seq > expected_seq else "sequence"
            return Problem(
                unit_id, expected_seq, kind, f"expected entry {expected_seq}, found {seq}"
            )
        data = entry_bytes(
            unit_id=unit_id, seq=seq, at=row[1], actor_staff_no=row[2], channel=row[3],
            event_type=row[4], event_version=row[5], subject_type=row[6], subject_id=row[7],
            corrects_seq=row[8], prev_hash=row[9], payload=row[10],
        )  # fmt: skip
        leaf = tree_hasher.hash_leaf(data)
        if row[9] != prev_hash:
            return Problem(unit_id, seq, "chain", "the previous-hash link is broken")
        if leaf.hex() != row[11]:
            return Problem(unit_id, seq, "content", "the entry's content does not match its hash")
        tree.append(leaf)
        prev_hash = row[11]
        expected_seq += 1
        summary.entries += 1
        while next_checkpoint is not None and next_checkpoint[0] == seq:
            if problem := check_checkpoint(*next_checkpoint):
                return problem
            next_checkpoint = next(pending, None)

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
    """Every registered business row must equal the state its latest entry recorded."""
    for reconciler in reconcilers():
        latest: dict[str, tuple[int, int, dict]] = {}
        # Latest entry per subject: one pass over this subject type's entries, in order.
        rows = (
            LedgerEntry.objects.filter(subject_type=reconciler.subject_type)
            .order_by("unit_id", "seq")
            .values_list("subject_id", "unit_id", "seq", "payload")
        )
        for subject_id, unit_id, seq, payload in rows.iterator(CHUNK):
            data = json.loads(payload)
            if "state" not in data:
                continue
            if data["state"] is None:  # the action removed the row
                latest.pop(subject_id, None)
            else:
                latest[subject_id] = (unit_id, seq, data["state"])
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
