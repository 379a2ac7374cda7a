"""A receipt made after later checkpoints carries the consistency proof from its own
checkpoint to the latest one, so a client checks that today's published tree still
contains the entry; ``ledger consistency`` prints such a proof between any two sizes."""

from __future__ import annotations

import base64
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from servicehall.ledger import merkle, proofs
from servicehall.ledger.actions import hasher
from servicehall.ledger.models import Checkpoint
from servicehall.ledger.proofs import ReceiptInvalid, check_receipt
from servicehall.org import actions as roster
from servicehall.org.models import Window

from .conftest import DAY2


@pytest.fixture
def key() -> str:
    return proofs.verifier_key()


@pytest.fixture
def later(roster_ledger) -> Checkpoint:
    """The office's latest checkpoint, of size 8: two entries after the one of size 6."""
    world = roster_ledger.world
    roster.assign_duty(
        world.head,
        unit=roster_ledger.office,
        date=DAY2,
        staff=world.reviewer,
        window=Window.objects.get(unit=roster_ledger.office, number=2),
    )
    checkpoint = proofs.make_checkpoint(roster_ledger.office)
    assert checkpoint.size == 8
    return checkpoint


def _b64(nodes: list[bytes]) -> list[str]:
    return [base64.b64encode(node).decode() for node in nodes]


def _flip(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


# --- The receipt -------------------------------------------------------------------------------


def test_receipt_carries_the_consistency_to_the_latest_checkpoint(roster_ledger, later, key):
    data = proofs.receipt(roster_ledger.entry(3))

    assert (data["tree_size"], data["checkpoint"]) == (6, roster_ledger.checkpoint.signed_note)
    assert data["latest_checkpoint"] == later.signed_note
    assert data["consistency"] == _b64(proofs.consistency_proof(roster_ledger.office.pk, 6, 8))
    assert check_receipt(data, key) == (
        f"entry 3 of {proofs.origin_for(roster_ledger.office)} is in the signed tree of size 6, "
        "which the signed tree of size 8 extends"
    )


def test_receipt_against_the_covering_checkpoint_carries_no_consistency(roster_ledger, later, key):
    data = proofs.receipt(roster_ledger.entry(3), against="covering")

    assert data["tree_size"] == 6
    assert "consistency" not in data and "latest_checkpoint" not in data
    assert check_receipt(data, key).endswith("is in the signed tree of size 6")


def test_receipt_whose_checkpoint_is_the_latest_carries_no_consistency(roster_ledger, key):
    data = proofs.receipt(roster_ledger.entry(3))

    assert data["tree_size"] == 6
    assert "consistency" not in data and "latest_checkpoint" not in data


def test_receipt_is_in_the_smallest_checkpoint_that_covers_it(roster_ledger, later):
    # Entry 7 came after the checkpoint of size 6: the one of size 8 is the first to cover it.
    data = proofs.receipt(roster_ledger.entry(7))

    assert (data["tree_size"], data["checkpoint"]) == (8, later.signed_note)
    assert "consistency" not in data


def test_receipt_refuses_an_unknown_target(roster_ledger):
    with pytest.raises(ValueError, match="latest or the covering"):
        proofs.receipt(roster_ledger.entry(3), against="yesterday")


def _tamper_consistency_node(data):
    data["consistency"][0] = _flip(data["consistency"][0])


def _drop_consistency(data):
    del data["consistency"]


def _forge_latest_root(data):
    text, _blank, signature = data["latest_checkpoint"].partition("\n\n")
    origin, size, root = text.split("\n")
    data["latest_checkpoint"] = "\n".join([origin, size, _flip(root)]) + "\n\n" + signature


def _latest_of_another_unit(data, ledger):
    data["latest_checkpoint"] = proofs.make_checkpoint(ledger.other_office).signed_note


TAMPERINGS = {
    "consistency node": (_tamper_consistency_node, "does not extend"),
    "consistency dropped": (_drop_consistency, "does not extend"),
    "latest checkpoint root": (_forge_latest_root, "published checkpoint is not valid"),
}


@pytest.mark.parametrize("what", TAMPERINGS)
def test_altered_consistency_is_refused(roster_ledger, later, key, what):
    data = proofs.receipt(roster_ledger.entry(3))
    change, message = TAMPERINGS[what]
    change(data)

    with pytest.raises(ReceiptInvalid, match=message):
        check_receipt(data, key)


def test_latest_checkpoint_of_another_unit_is_refused(roster_ledger, later, key):
    data = proofs.receipt(roster_ledger.entry(3))
    _latest_of_another_unit(data, roster_ledger)

    with pytest.raises(ReceiptInvalid, match="does not extend"):
        check_receipt(data, key)


def test_proofs_from_the_stored_tree_equal_those_of_a_tree_in_memory(roster_ledger, later):
    office = roster_ledger.office
    leaves = [bytes.fromhex(roster_ledger.entry(seq).entry_hash) for seq in range(1, 9)]
    memory = merkle.MerkleTree(leaves, hasher=hasher())
    stored = proofs.StoredTree(office.pk)

    for size in range(1, 9):
        for index in range(size):
            assert stored.inclusion_proof(index, size) == memory.inclusion_proof(index, size)
        for size1 in range(1, size + 1):
            assert stored.consistency_proof(size1, size) == memory.consistency_proof(size1, size)


def test_a_proof_over_a_gap_in_the_chain_is_refused(roster_ledger, later):
    from django.db import connection

    from servicehall.ledger import triggers
    from servicehall.ledger.models import LedgerEntry

    triggers.remove(connection)
    try:
        LedgerEntry.objects.filter(unit=roster_ledger.office, seq=2).delete()
    finally:
        triggers.install(connection)

    with pytest.raises(ValueError, match="lacks entries"):
        proofs.consistency_proof(roster_ledger.office.pk, 6, 8)


# --- The commands ------------------------------------------------------------------------------


def _command(*args) -> str:
    out = StringIO()
    call_command("ledger", *args, stdout=out)
    return out.getvalue()


def test_receipt_command_adds_the_consistency_by_default(roster_ledger, later):
    data = json.loads(_command("receipt", "O1", "3"))

    assert data == proofs.receipt(roster_ledger.entry(3))
    assert data["latest_checkpoint"] == later.signed_note


def test_receipt_command_against_the_covering_checkpoint(roster_ledger, later):
    data = json.loads(_command("receipt", "O1", "3", "--against", "covering"))

    assert "consistency" not in data and data["tree_size"] == 6


def test_check_receipt_command_checks_the_carried_consistency(roster_ledger, later, tmp_path):
    data = json.loads(_command("receipt", "O1", "3"))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(data), encoding="utf-8")
    _tamper_consistency_node(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")

    assert (
        _command("check-receipt", str(good))
        .strip()
        .endswith("signed tree of size 6, which the signed tree of size 8 extends")
    )
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger", "check-receipt", str(bad), stdout=out)
    assert exit_info.value.code == 1
    assert out.getvalue().startswith("NO: the published checkpoint does not extend")


def test_consistency_command_prints_the_proof_between_two_sizes(roster_ledger, later):
    data = json.loads(_command("consistency", "O1", "6", "8"))

    assert data == {
        "origin": proofs.origin_for(roster_ledger.office),
        "size1": 6,
        "size2": 8,
        "consistency": _b64(proofs.consistency_proof(roster_ledger.office.pk, 6, 8)),
    }
    nodes = [base64.b64decode(node) for node in data["consistency"]]
    assert merkle.verify_consistency(
        hasher(),
        6,
        8,
        nodes,
        bytes.fromhex(roster_ledger.checkpoint.root_hash),
        bytes.fromhex(later.root_hash),
    )


def test_consistency_command_between_equal_sizes_is_empty(roster_ledger):
    assert json.loads(_command("consistency", "O1", "7", "7"))["consistency"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("O1", "0", "7"), "0 < SIZE1 <= SIZE2"),
        (("O1", "7", "6"), "0 < SIZE1 <= SIZE2"),
        (("O1", "6", "9"), "the unit has no entry 9"),
        (("NOPE", "1", "2"), "no unit with code NOPE"),
    ],
)
def test_consistency_command_refuses_impossible_sizes(roster_ledger, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("ledger", "consistency", *args, stdout=StringIO())
