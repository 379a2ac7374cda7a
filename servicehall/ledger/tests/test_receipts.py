"""A client's receipt proves its entry is in the unit's signed tree, offline: yes for a
true receipt, no for any altered part of it."""

from __future__ import annotations

import base64
import copy
import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from servicehall.ledger import notes, proofs
from servicehall.ledger.models import Checkpoint, LedgerEntry
from servicehall.ledger.proofs import ReceiptInvalid, check_receipt
from servicehall.org import actions as roster
from servicehall.org.models import Window

from .conftest import DAY2


@pytest.fixture
def key() -> str:
    return proofs.verifier_key()


def _receipt(ledger, seq: int) -> dict:
    return proofs.receipt(ledger.entry(seq))


def _flip(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[0] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _other_key() -> str:
    _skey, vkey = notes.generate_signer_key(settings.LEDGER_ORIGIN)
    return vkey


@pytest.mark.parametrize("seq", [1, 2, 3, 4, 5, 6])
def test_receipt_of_each_entry_checks_yes(roster_ledger, key, seq):
    data = _receipt(roster_ledger, seq)

    message = check_receipt(data, key)

    assert message == (
        f"entry {seq} of {proofs.origin_for(roster_ledger.office)} is in the signed tree of size 6"
    )
    assert data["tree_size"] == 6
    assert data["checkpoint"] == roster_ledger.checkpoint.signed_note
    assert base64.b64decode(data["leaf_hash"]).hex() == roster_ledger.entry(seq).entry_hash


def test_receipt_for_an_entry_past_the_last_checkpoint_signs_a_new_one(roster_ledger, key):
    data = _receipt(roster_ledger, 7)

    assert data["tree_size"] == 7
    assert Checkpoint.objects.filter(unit=roster_ledger.office, size=7).exists()
    assert check_receipt(data, key).endswith("is in the signed tree of size 7")


def test_receipt_of_a_one_entry_tree_checks_yes(roster_ledger, key):
    data = proofs.receipt(roster_ledger.entry(1, roster_ledger.other_office))

    assert data["proof"] == []
    assert check_receipt(data, key).endswith("is in the signed tree of size 1")


def _tamper_leaf(data):
    data["leaf_hash"] = _flip(data["leaf_hash"])


def _tamper_proof_node(data):
    data["proof"][1] = _flip(data["proof"][1])


def _drop_proof_node(data):
    data["proof"].pop()


def _tamper_checkpoint_root(data):
    text, _blank, signature = data["checkpoint"].partition("\n\n")
    origin, size, root = text.split("\n")
    data["checkpoint"] = "\n".join([origin, size, _flip(root)]) + "\n\n" + signature


def _tamper_checkpoint_size(data):
    data["checkpoint"] = data["checkpoint"].replace("\n6\n", "\n7\n", 1)
    data["tree_size"] = 7


def _tamper_signature(data):
    text, _blank, signature = data["checkpoint"].partition("\n\n")
    prefix, _space, blob = signature.rstrip("\n").rpartition(" ")
    data["checkpoint"] = text + "\n\n" + prefix + " " + _flip(blob[:8]) + blob[8:] + "\n"


def _tamper_seq(data):
    data["seq"] = 4


def _tamper_tree_size(data):
    data["tree_size"] = 5


def _missing_leaf(data):
    del data["leaf_hash"]


def _garbage_proof(data):
    data["proof"] = ["not base64!"]


TAMPERINGS = {
    "leaf hash": _tamper_leaf,
    "proof node": _tamper_proof_node,
    "proof node dropped": _drop_proof_node,
    "checkpoint root": _tamper_checkpoint_root,
    "checkpoint size": _tamper_checkpoint_size,
    "checkpoint signature": _tamper_signature,
    "entry number": _tamper_seq,
    "tree size": _tamper_tree_size,
    "leaf hash missing": _missing_leaf,
    "proof not base64": _garbage_proof,
}


@pytest.mark.parametrize("what", TAMPERINGS)
def test_altered_receipt_is_invalid(roster_ledger, key, what):
    data = _receipt(roster_ledger, 3)
    assert len(data["proof"]) == 3
    TAMPERINGS[what](data)

    with pytest.raises(ReceiptInvalid):
        check_receipt(data, key)


def test_receipt_checked_with_another_key_is_invalid(roster_ledger):
    data = _receipt(roster_ledger, 3)

    with pytest.raises(ReceiptInvalid, match="not valid"):
        check_receipt(data, _other_key())


def test_receipt_from_another_units_tree_is_invalid(roster_ledger, key):
    data = _receipt(roster_ledger, 1)
    other = proofs.receipt(roster_ledger.entry(1, roster_ledger.other_office))
    data["checkpoint"], data["tree_size"] = other["checkpoint"], other["tree_size"]

    with pytest.raises(ReceiptInvalid):
        check_receipt(data, key)


def _later_checkpoint(ledger) -> Checkpoint:
    world = ledger.world
    roster.assign_duty(
        world.head,
        unit=ledger.office,
        date=DAY2,
        staff=world.reviewer,
        window=Window.objects.get(unit=ledger.office, number=2),
    )
    return proofs.make_checkpoint(ledger.office)


def test_receipt_is_consistent_with_a_later_published_checkpoint(roster_ledger, key):
    data = _receipt(roster_ledger, 3)
    later = _later_checkpoint(roster_ledger)
    assert later.size == 8
    data["consistency"] = [
        base64.b64encode(node).decode()
        for node in proofs.consistency_proof(roster_ledger.office.pk, 6, 8)
    ]

    assert check_receipt(data, key, later.signed_note).endswith(
        "is in the signed tree of size 6, which the signed tree of size 8 extends"
    )


def test_later_checkpoint_without_a_consistency_proof_is_refused(roster_ledger, key):
    data = _receipt(roster_ledger, 3)
    later = _later_checkpoint(roster_ledger)

    with pytest.raises(ReceiptInvalid, match="does not extend"):
        check_receipt(data, key, later.signed_note)


def test_later_checkpoint_of_another_unit_is_refused(roster_ledger, key):
    data = _receipt(roster_ledger, 3)
    other = proofs.make_checkpoint(roster_ledger.other_office)

    with pytest.raises(ReceiptInvalid, match="does not extend"):
        check_receipt(data, key, other.signed_note)


def test_receipt_stays_valid_when_the_stored_entry_is_later_altered(roster_ledger, key):
    """The receipt is checked offline against the signature, not against the database:
    the client's copy keeps proving what was recorded."""
    from django.db import connection

    from servicehall.ledger import triggers

    data = _receipt(roster_ledger, 3)
    triggers.remove(connection)
    LedgerEntry.objects.filter(unit=roster_ledger.office, seq=3).update(payload="{}")
    triggers.install(connection)

    assert check_receipt(copy.deepcopy(data), key)


# --- The commands ------------------------------------------------------------------------------


def _without_consistency(data):
    del data["consistency"], data["latest_checkpoint"]


def _receipt_file(tmp_path, office, seq: int, change=None):
    out = StringIO()
    call_command("ledger", "receipt", office.code, str(seq), stdout=out)
    data = json.loads(out.getvalue())
    if change:
        change(data)
    path = tmp_path / f"receipt-{seq}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_receipt_command_prints_the_receipt(roster_ledger):
    out = StringIO()

    call_command("ledger", "receipt", roster_ledger.office.code, "3", stdout=out)

    data = json.loads(out.getvalue())
    assert data == proofs.receipt(roster_ledger.entry(3))
    assert data["format"] == "servicehall-receipt/1"
    assert (data["unit"], data["seq"]) == ("O1", 3)


def test_check_receipt_command_says_yes(roster_ledger, tmp_path):
    path = _receipt_file(tmp_path, roster_ledger.office, 3)
    out = StringIO()

    call_command("ledger", "check-receipt", str(path), stdout=out)

    origin = proofs.origin_for(roster_ledger.office)
    assert out.getvalue().strip() == f"YES: entry 3 of {origin} is in the signed tree of size 6"


@pytest.mark.parametrize("what", ["leaf hash", "proof node", "checkpoint root"])
def test_check_receipt_command_says_no_for_an_altered_receipt(roster_ledger, tmp_path, what):
    path = _receipt_file(tmp_path, roster_ledger.office, 3, TAMPERINGS[what])
    out = StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger", "check-receipt", str(path), stdout=out)

    assert exit_info.value.code == 1
    assert out.getvalue().startswith("NO: ")


def test_check_receipt_command_says_no_with_another_key(roster_ledger, tmp_path):
    path = _receipt_file(tmp_path, roster_ledger.office, 3)
    out = StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger", "check-receipt", str(path), "--key", _other_key(), stdout=out)

    assert exit_info.value.code == 1
    assert out.getvalue().startswith("NO: the receipt or its checkpoint is not valid")


def test_check_receipt_command_reads_standard_input(roster_ledger, tmp_path, monkeypatch):
    path = _receipt_file(tmp_path, roster_ledger.office, 2)
    monkeypatch.setattr("sys.stdin", StringIO(path.read_text(encoding="utf-8")))
    out = StringIO()

    call_command("ledger", "check-receipt", "-", stdout=out)

    assert out.getvalue().startswith("YES: entry 2 of ")


def test_check_receipt_command_with_a_later_checkpoint(roster_ledger, tmp_path):
    later = _later_checkpoint(roster_ledger)
    published = tmp_path / "checkpoint.txt"
    published.write_text(later.signed_note, encoding="utf-8")

    def add_consistency(data):
        data["consistency"] = [
            base64.b64encode(node).decode()
            for node in proofs.consistency_proof(roster_ledger.office.pk, 6, 8)
        ]

    good = _receipt_file(tmp_path, roster_ledger.office, 3, add_consistency)
    out = StringIO()
    call_command("ledger", "check-receipt", str(good), "--checkpoint", str(published), stdout=out)
    assert out.getvalue().startswith("YES: ")

    bare = _receipt_file(tmp_path, roster_ledger.office, 4, _without_consistency)
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "ledger", "check-receipt", str(bare), "--checkpoint", str(published), stdout=out
        )
    assert out.getvalue().startswith("NO: the published checkpoint does not extend")
