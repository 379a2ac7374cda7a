"""Signed checkpoints, inclusion proofs for receipts, and consistency proofs."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Max

from . import merkle, notes
from .actions import hasher
from .models import Checkpoint, LedgerEntry, LedgerHead


def origin_for(unit) -> str:
    return f"{settings.LEDGER_ORIGIN}/{unit.code}"


def signer() -> notes.Signer:
    return notes.Signer.from_key_string(settings.LEDGER_SIGNER_KEY)


def verifier_key() -> str:
    """The public key string that offices publish so that anyone can check checkpoints."""
    return signer().verifier().key_string()


def _leaf_hash_stream(unit_id: int, size: int | None = None, after: int = 0) -> Iterator[bytes]:
    """The leaf hashes of entries ``after + 1`` to ``size`` (default: the last)."""
    rows = LedgerEntry.objects.filter(unit_id=unit_id, seq__gt=after).order_by("seq")
    if size is not None:
        rows = rows.filter(seq__lte=size)
    for entry_hash in rows.values_list("entry_hash", flat=True).iterator(5000):
        yield bytes.fromhex(entry_hash)


class StoredTree:
    """A unit's tree as the proofs need it, hashed from the stored leaf hashes one node at
    a time: a proof reads O(size) leaf hashes but never holds more than O(log size)."""

    def __init__(self, unit_id: int) -> None:
        self.unit_id = unit_id
        self.hasher = hasher()

    def leaf_hash(self, index: int) -> bytes:
        entry_hash = (
            LedgerEntry.objects.filter(unit_id=self.unit_id, seq=index + 1)
            .values_list("entry_hash", flat=True)
            .first()
        )
        if entry_hash is None:
            raise ValueError(f"the unit has no entry {index + 1}")
        return bytes.fromhex(entry_hash)

    def subtree_root(self, start: int, end: int) -> bytes:
        node = merkle.CompactRange(self.hasher)
        node.extend(_leaf_hash_stream(self.unit_id, end, after=start))
        if node.size != end - start:
            raise ValueError(f"the unit lacks entries between {start + 1} and {end}")
        return node.root()

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return merkle.inclusion_proof(
            index, size, self.leaf_hash, hasher=self.hasher, get_subtree_root=self.subtree_root
        )

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        # The newest leaf must exist: a proof "to" a size the unit never reached is none.
        self.leaf_hash(size2 - 1)
        return merkle.consistency_proof(
            size1, size2, self.leaf_hash, hasher=self.hasher, get_subtree_root=self.subtree_root
        )


def make_checkpoint(unit) -> Checkpoint:
    """Sign the unit's tree as it stands; idempotent for an unchanged tree.

    The root is computed streaming (O(log n) memory); two processes signing the same
    tree at once end with the one row (the signature is deterministic).
    """
    tree = merkle.CompactRange(hasher())
    tree.extend(_leaf_hash_stream(unit.pk))
    existing = Checkpoint.objects.filter(unit=unit, size=tree.size).first()
    if existing:
        return existing
    root = tree.root()
    body = notes.Checkpoint(origin_for(unit), tree.size, root).to_text()
    checkpoint, _created = Checkpoint.objects.get_or_create(
        unit=unit,
        size=tree.size,
        defaults={"root_hash": root.hex(), "signed_note": notes.sign_note(body, [signer()])},
    )
    return checkpoint


def checkpoint_grown_units(units=None) -> list[Checkpoint]:
    """One turn of ``ledger checkpoint --every``: sign a checkpoint for each unit (of
    ``units``, default all) whose chain has grown past its latest checkpoint."""
    rows = LedgerHead.objects.filter(seq__gt=0).select_related("unit").order_by("unit_id")
    heads = list(rows if units is None else rows.filter(unit__in=units))
    signed = dict(
        Checkpoint.objects.filter(unit_id__in=[head.unit_id for head in heads])
        .values("unit_id")
        .annotate(size=Max("size"))
        .values_list("unit_id", "size")
    )
    return [make_checkpoint(head.unit) for head in heads if head.seq > signed.get(head.unit_id, 0)]


def b64_nodes(nodes: list[bytes]) -> list[str]:
    return [base64.b64encode(node).decode() for node in nodes]


def receipt(entry: LedgerEntry, against: str = "latest") -> dict:
    """What a client's receipt carries: the entry's leaf hash, its inclusion proof in the
    smallest checkpoint that covers it (the first one signed after it; one is signed now
    if none covers it yet), and that signed checkpoint.

    ``against="latest"``: when the unit's latest checkpoint is larger than the covering
    one, the receipt also carries that ``latest_checkpoint`` and the ``consistency`` proof
    from the covering tree to it, so a client can check that today's published tree still
    contains the entry. ``against="covering"`` leaves them out.
    """
    if against not in ("latest", "covering"):
        raise ValueError(
            f"a receipt is made against the latest or the covering checkpoint, not {against!r}"
        )
    covering = (
        Checkpoint.objects.filter(unit_id=entry.unit_id, size__gte=entry.seq)
        .order_by("size")
        .first()
    )
    if covering is None:
        covering = make_checkpoint(entry.unit)
    latest = None
    if against == "latest":
        latest = Checkpoint.objects.filter(unit_id=entry.unit_id).order_by("-size").first()
        if latest is not None and latest.size <= covering.size:
            latest = None
    tree = StoredTree(entry.unit_id)
    data = {
        "format": "servicehall-receipt/1",
        "unit": entry.unit.code,
        "seq": entry.seq,
        "leaf_hash": base64.b64encode(bytes.fromhex(entry.entry_hash)).decode(),
        "tree_size": covering.size,
        "proof": b64_nodes(tree.inclusion_proof(entry.seq - 1, covering.size)),
        "checkpoint": covering.signed_note,
    }
    if latest is not None:
        data["consistency"] = b64_nodes(tree.consistency_proof(covering.size, latest.size))
        data["latest_checkpoint"] = latest.signed_note
    return data


class ReceiptInvalid(ValueError):
    pass


def check_receipt(data: dict, verifier: str, published: str | None = None) -> str:
    """Check a receipt offline; return a one-line explanation or raise ReceiptInvalid.

    ``published`` is a later signed checkpoint (by default the ``latest_checkpoint`` the
    receipt carries, if any); the receipt's own checkpoint is then checked against it
    with the consistency proof the receipt carries.
    """
    try:
        text = notes.open_note(data["checkpoint"], [notes.Verifier.from_key_string(verifier)])
        checkpoint = notes.Checkpoint.parse(text)
        leaf = base64.b64decode(data["leaf_hash"])
        proof = [base64.b64decode(node) for node in data["proof"]]
        index, size = int(data["seq"]) - 1, int(data["tree_size"])
    except (KeyError, ValueError, TypeError, notes.NoteError) as error:
        raise ReceiptInvalid(f"the receipt or its checkpoint is not valid: {error}") from error
    if checkpoint.size != size:
        raise ReceiptInvalid("the receipt's proof is for another tree size than its checkpoint")
    tree_hasher = merkle.Hasher("sm3" if settings.LEDGER_HASH == "SM3" else "sha256")
    if not merkle.verify_inclusion(tree_hasher, index, size, leaf, proof, checkpoint.root_hash):
        raise ReceiptInvalid("the entry is not in the signed tree: the proof does not match")
    message = f"entry {data['seq']} of {checkpoint.origin} is in the signed tree of size {size}"
    if published is None:
        published = data.get("latest_checkpoint")
    if published is not None:
        try:
            later = notes.Checkpoint.parse(
                notes.open_note(published, [notes.Verifier.from_key_string(verifier)])
            )
            consistency = [base64.b64decode(node) for node in data.get("consistency", [])]
        except (ValueError, TypeError, notes.NoteError) as error:
            raise ReceiptInvalid(f"the published checkpoint is not valid: {error}") from error
        if later.origin != checkpoint.origin or not merkle.verify_consistency(
            tree_hasher, size, later.size, consistency, checkpoint.root_hash, later.root_hash
        ):
            raise ReceiptInvalid("the published checkpoint does not extend the receipt's tree")
        if later.size != size:
            message += f", which the signed tree of size {later.size} extends"
    return message


def consistency_proof(unit_id: int, size1: int, size2: int) -> list[bytes]:
    """The RFC 9162 proof that the unit's tree of ``size2`` entries extends that of ``size1``."""
    return StoredTree(unit_id).consistency_proof(size1, size2)


def dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
