"""Signed checkpoints, inclusion proofs for receipts, and consistency proofs."""

from __future__ import annotations

import base64
import json

from django.conf import settings

from . import merkle, notes
from .actions import hasher
from .models import Checkpoint, LedgerEntry


def origin_for(unit) -> str:
    return f"{settings.LEDGER_ORIGIN}/{unit.code}"


def signer() -> notes.Signer:
    return notes.Signer.from_key_string(settings.LEDGER_SIGNER_KEY)


def verifier_key() -> str:
    """The public key string that offices publish so that anyone can check checkpoints."""
    return signer().verifier().key_string()


def leaf_hashes(unit_id: int, size: int | None = None) -> list[bytes]:
    rows = LedgerEntry.objects.filter(unit_id=unit_id).order_by("seq")
    if size is not None:
        rows = rows.filter(seq__lte=size)
    return [bytes.fromhex(h) for h in rows.values_list("entry_hash", flat=True).iterator(5000)]


def make_checkpoint(unit) -> Checkpoint:
    """Sign the unit's tree as it stands; idempotent for an unchanged tree."""
    tree = merkle.MerkleTree(leaf_hashes(unit.pk), hasher=hasher())
    existing = Checkpoint.objects.filter(unit=unit, size=tree.size).first()
    if existing:
        return existing
    root = tree.root()
    body = notes.Checkpoint(origin_for(unit), tree.size, root).to_text()
    return Checkpoint.objects.create(
        unit=unit,
        size=tree.size,
        root_hash=root.hex(),
        signed_note=notes.sign_note(body, [signer()]),
    )


def receipt(entry: LedgerEntry) -> dict:
    """What a client's receipt carries: the entry's leaf hash, its inclusion proof in the
    latest checkpoint that covers it, and that signed checkpoint."""
    checkpoint = (
        Checkpoint.objects.filter(unit_id=entry.unit_id, size__gte=entry.seq)
        .order_by("size")
        .first()
    )
    if checkpoint is None:
        checkpoint = make_checkpoint(entry.unit)
    tree = merkle.MerkleTree(leaf_hashes(entry.unit_id, checkpoint.size), hasher=hasher())
    proof = tree.inclusion_proof(entry.seq - 1, checkpoint.size)
    return {
        "format": "servicehall-receipt/1",
        "unit": entry.unit.code,
        "seq": entry.seq,
        "leaf_hash": base64.b64encode(bytes.fromhex(entry.entry_hash)).decode(),
        "tree_size": checkpoint.size,
        "proof": [base64.b64encode(node).decode() for node in proof],
        "checkpoint": checkpoint.signed_note,
    }


class ReceiptInvalid(ValueError):
    pass


def check_receipt(data: dict, verifier: str, published: str | None = None) -> str:
    """Check a receipt offline; return a one-line explanation or raise ReceiptInvalid.

    ``published`` is a later signed checkpoint; the receipt's own checkpoint is then
    checked against it with the consistency proof the receipt carries.
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
    if published is not None:
        try:
            later = notes.Checkpoint.parse(
                notes.open_note(published, [notes.Verifier.from_key_string(verifier)])
            )
            consistency = [base64.b64decode(node) for node in data.get("consistency", [])]
        except (ValueError, notes.NoteError) as error:
            raise ReceiptInvalid(f"the published checkpoint is not valid: {error}") from error
        if later.origin != checkpoint.origin or not merkle.verify_consistency(
            tree_hasher, size, later.size, consistency, checkpoint.root_hash, later.root_hash
        ):
            raise ReceiptInvalid("the published checkpoint does not extend the receipt's tree")
    return f"entry {data['seq']} of {checkpoint.origin} is in the signed tree of size {size}"


def consistency_proof(unit_id: int, size1: int, size2: int) -> list[bytes]:
    tree = merkle.MerkleTree(leaf_hashes(unit_id, size2), hasher=hasher())
    return tree.consistency_proof(size1, size2)


def dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
