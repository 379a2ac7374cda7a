"""``ledger verify`` finds every kind of tampering and names the unit, the entry and the
kind (invariant 2).

The ledger is built through the roster actions (see ``roster_ledger`` in conftest.py).
The attacker has database access: the ``attacker`` fixture drops the append-only
triggers first, as such a person would, and edits rows with plain SQL through the ORM.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from servicehall.ledger import notes, triggers
from servicehall.ledger.actions import bytes_of, hasher
from servicehall.ledger.models import Checkpoint, LedgerEntry, LedgerHead
from servicehall.ledger.proofs import make_checkpoint, origin_for
from servicehall.ledger.verify import Summary, verify_all, verify_unit
from servicehall.org.models import DutyAssignment, User

from .conftest import DAY2


@pytest.fixture
def attacker(db):
    """Someone with database access, who drops the triggers before editing."""
    triggers.remove(connection)
    yield
    triggers.install(connection)


def _named(problems) -> set[tuple]:
    return {(problem.unit_id, problem.seq, problem.kind) for problem in problems}


def _first_problem(unit) -> tuple | None:
    problem = verify_unit(unit.pk, Summary())
    return None if problem is None else (problem.unit_id, problem.seq, problem.kind)


def _hash(entry: LedgerEntry) -> str:
    return hasher().hash_leaf(bytes_of(entry)).hex()


def _forge_after(last: LedgerEntry, payload: dict) -> LedgerEntry:
    """A plausible next entry: the right seq, a correct link and a correct hash."""
    entry = LedgerEntry(
        unit_id=last.unit_id,
        seq=last.seq + 1,
        at=last.at,
        actor_id=last.actor_id,
        actor_staff_no=last.actor_staff_no,
        channel=last.channel,
        event_type=last.event_type,
        event_version=last.event_version,
        subject_type=last.subject_type,
        subject_id=last.subject_id,
        payload=json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
        prev_hash=last.entry_hash,
    )
    entry.entry_hash = _hash(entry)
    entry.save(force_insert=True)
    return entry


def _rehash_from(unit, seq: int) -> None:
    """Recompute the links and hashes from ``seq`` on, and the head: a careful forger."""
    prev_hash = "" if seq == 1 else LedgerEntry.objects.get(unit=unit, seq=seq - 1).entry_hash
    for entry in LedgerEntry.objects.filter(unit=unit, seq__gte=seq).order_by("seq"):
        entry.prev_hash = prev_hash
        entry.entry_hash = _hash(entry)
        LedgerEntry.objects.filter(pk=entry.pk).update(
            prev_hash=entry.prev_hash, entry_hash=entry.entry_hash
        )
        prev_hash = entry.entry_hash
    LedgerHead.objects.filter(unit=unit).update(
        seq=LedgerEntry.objects.filter(unit=unit).count(), head_hash=prev_hash
    )


def _edit_payload(entry: LedgerEntry, change) -> None:
    data = json.loads(entry.payload)
    change(data)
    LedgerEntry.objects.filter(pk=entry.pk).update(
        payload=json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    )


# --- An untouched ledger ---------------------------------------------------------------------


def test_ledger_built_by_the_roster_actions_verifies(roster_ledger):
    problems, summary = verify_all()

    assert problems == []
    assert (summary.units, summary.entries, summary.checkpoints, summary.rows_reconciled) == (
        2,
        8,
        1,
        6,
    )
    assert roster_ledger.checkpoint.size == 6


def test_verify_command_says_ok_and_exits_normally(roster_ledger):
    out = StringIO()

    call_command("ledger", "verify", stdout=out)

    assert out.getvalue().strip() == ("2 units, 8 entries, 1 checkpoints, 6 rows reconciled: OK")


def test_verify_command_json_for_an_untouched_ledger(roster_ledger):
    out = StringIO()

    call_command("ledger", "verify", "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert report["ok"] is True
    assert report["problems"] == []
    assert report["summary"] == {
        "units": 2,
        "entries": 8,
        "checkpoints": 1,
        "rows_reconciled": 6,
    }


# --- Entries changed, deleted, inserted, reordered ------------------------------------------


def test_changed_payload_is_named(roster_ledger, attacker):
    office = roster_ledger.office
    _edit_payload(roster_ledger.entry(3), lambda data: data["state"].update(window=1))

    assert _first_problem(office) == (office.pk, 3, "content")
    # The business row no longer matches what the (now forged) entry says, either.
    assert _named(verify_all()[0]) == {
        (office.pk, 3, "content"),
        (office.pk, 3, "row changed behind the ledger"),
    }


def test_changed_reason_of_a_removal_is_named(roster_ledger, attacker):
    office = roster_ledger.office
    _edit_payload(roster_ledger.entry(6), lambda data: data.update(reason="本人申请"))

    assert _named(verify_all()[0]) == {(office.pk, 6, "content")}


def test_changed_staff_number_of_an_entry_is_named(roster_ledger, attacker):
    office = roster_ledger.office
    LedgerEntry.objects.filter(unit=office, seq=2).update(actor_staff_no="A999")

    assert _named(verify_all()[0]) == {(office.pk, 2, "content")}


def test_tampering_in_one_unit_names_that_unit_only(roster_ledger, attacker):
    other = roster_ledger.other_office
    _edit_payload(roster_ledger.entry(1, other), lambda data: data.update(note="x"))

    assert _first_problem(roster_ledger.office) is None
    assert _named(verify_all()[0]) == {(other.pk, 1, "content")}


def test_deleted_middle_entry_is_named(roster_ledger, attacker):
    office = roster_ledger.office
    LedgerEntry.objects.filter(unit=office, seq=3).delete()

    assert _first_problem(office) == (office.pk, 3, "missing entry")
    # Entry 3 recorded the reviewer's day-1 assignment, which now has no entry.
    assert _named(verify_all()[0]) == {
        (office.pk, 3, "missing entry"),
        (office.pk, None, "unrecorded row"),
    }


def test_deleted_last_entry_is_named_by_the_head(roster_ledger, attacker):
    office = roster_ledger.office
    LedgerEntry.objects.filter(unit=office, seq=7).delete()

    assert _first_problem(office) == (office.pk, 7, "head")
    assert _named(verify_all()[0]) == {
        (office.pk, 7, "head"),
        (office.pk, None, "unrecorded row"),
    }


def test_deleted_last_entry_under_a_checkpoint_is_named_even_with_the_head_rewound(
    roster_ledger, attacker
):
    office = roster_ledger.office
    make_checkpoint(office)  # size 7
    last = roster_ledger.entry(6)
    LedgerEntry.objects.filter(unit=office, seq=7).delete()
    LedgerHead.objects.filter(unit=office).update(seq=6, head_hash=last.entry_hash)

    assert _first_problem(office) == (office.pk, 7, "missing entries")


def test_deleted_last_entry_with_the_head_rewound_is_found_by_reconciliation(
    roster_ledger, attacker
):
    office = roster_ledger.office
    last = roster_ledger.entry(6)
    LedgerEntry.objects.filter(unit=office, seq=7).delete()
    LedgerHead.objects.filter(unit=office).update(seq=6, head_hash=last.entry_hash)

    # No checkpoint covers entry 7, but the head on duty's day-2 row has lost its entry.
    assert _named(verify_all()[0]) == {(office.pk, None, "unrecorded row")}


def test_inserted_entry_at_the_end_is_found(roster_ledger, attacker):
    office = roster_ledger.office
    _forge_after(roster_ledger.entry(7), {"note": "补录"})

    problem = verify_unit(office.pk, Summary())
    assert (problem.unit_id, problem.kind) == (office.pk, "head")
    assert "ends at 8" in problem.detail


def test_inserted_entry_at_the_end_is_named_by_its_seq(roster_ledger, attacker):
    office = roster_ledger.office
    _forge_after(roster_ledger.entry(7), {"note": "补录"})

    assert _first_problem(office) == (office.pk, 8, "head")


def test_inserted_entry_with_the_head_moved_is_found_when_it_contradicts_a_row(
    roster_ledger, attacker
):
    office = roster_ledger.office
    last = roster_ledger.entry(7)
    state = dict(json.loads(last.payload)["state"], head_on_duty=False)
    forged = _forge_after(last, {"state": state})
    LedgerHead.objects.filter(unit=office).update(seq=8, head_hash=forged.entry_hash)

    assert _first_problem(office) is None
    assert _named(verify_all()[0]) == {(office.pk, 8, "row changed behind the ledger")}


def test_swapped_payloads_are_named(roster_ledger, attacker):
    office = roster_ledger.office
    second, third = roster_ledger.entry(2), roster_ledger.entry(3)
    LedgerEntry.objects.filter(pk=second.pk).update(payload=third.payload)
    LedgerEntry.objects.filter(pk=third.pk).update(payload=second.payload)

    assert _first_problem(office) == (office.pk, 2, "content")
    assert (office.pk, 2, "content") in _named(verify_all()[0])


def test_swapped_sequence_numbers_are_named(roster_ledger, attacker):
    office = roster_ledger.office
    second, third = roster_ledger.entry(2), roster_ledger.entry(3)
    LedgerEntry.objects.filter(pk=second.pk).update(seq=1000)
    LedgerEntry.objects.filter(pk=third.pk).update(seq=2)
    LedgerEntry.objects.filter(pk=second.pk).update(seq=3)

    assert _named(verify_all()[0]) == {(office.pk, 2, "chain")}


def test_rewritten_history_with_recomputed_hashes_is_caught_by_the_checkpoint(
    roster_ledger, attacker
):
    office = roster_ledger.office
    _edit_payload(roster_ledger.entry(6), lambda data: data.update(reason="本人申请"))
    _rehash_from(office, 6)

    # The chain itself is consistent again; only the signed root gives it away.
    assert _named(verify_all()[0]) == {(office.pk, 6, "checkpoint root")}


# --- Business rows changed behind the ledger ---------------------------------------------------


def test_business_row_changed_without_an_entry_is_named(roster_ledger):
    office, row = roster_ledger.office, roster_ledger.rows["reviewer_day1"]
    DutyAssignment.objects.filter(pk=row.pk).update(window=None)

    assert _first_problem(office) is None
    problems = verify_all()[0]
    assert _named(problems) == {(office.pk, 3, "row changed behind the ledger")}
    assert f"org.dutyassignment {row.pk}" in problems[0].detail


def test_business_row_deleted_without_an_entry_is_named(roster_ledger):
    office, row = roster_ledger.office, roster_ledger.rows["clerk_day2"]
    DutyAssignment.objects.filter(pk=row.pk).delete()

    problems = verify_all()[0]
    assert _named(problems) == {(office.pk, 4, "row deleted behind the ledger")}
    assert f"org.dutyassignment {row.pk} is recorded but missing" in problems[0].detail


def test_business_row_added_without_an_entry_is_named(roster_ledger):
    office, world = roster_ledger.office, roster_ledger.world
    row = DutyAssignment.objects.create(
        unit=office, date=DAY2, staff=world.reviewer, window=roster_ledger.window2
    )

    problems = verify_all()[0]
    assert _named(problems) == {(office.pk, None, "unrecorded row")}
    assert f"org.dutyassignment {row.pk} has no ledger entry" in problems[0].detail


def test_removed_row_brought_back_without_an_entry_is_named(roster_ledger):
    office, world = roster_ledger.office, roster_ledger.world
    removed = LedgerEntry.objects.get(unit=office, seq=6)
    DutyAssignment.objects.create(
        pk=int(removed.subject_id),
        unit=office,
        date=DAY2,
        staff=world.reviewer,
        window=roster_ledger.window2,
    )

    assert _named(verify_all()[0]) == {(office.pk, None, "unrecorded row")}


def test_changing_a_staff_number_in_the_admin_is_not_roster_tampering(roster_ledger):
    reviewer = roster_ledger.world.reviewer
    User.objects.filter(pk=reviewer.pk).update(staff_no="A102")

    assert verify_all()[0] == []


# --- Forged checkpoints ------------------------------------------------------------------------


def _other_signer() -> notes.Signer:
    skey, _vkey = notes.generate_signer_key(settings.LEDGER_ORIGIN)
    return notes.Signer.from_key_string(skey)


def test_checkpoint_with_a_changed_root_and_the_old_signature_is_named(roster_ledger, attacker):
    office, checkpoint = roster_ledger.office, roster_ledger.checkpoint
    text, _blank, signature = checkpoint.signed_note.partition("\n\n")
    body = notes.Checkpoint.parse(text + "\n")
    forged_root = hasher().hash_leaf(b"forged")
    forged_text = notes.Checkpoint(body.origin, body.size, forged_root).to_text()
    Checkpoint.objects.filter(pk=checkpoint.pk).update(
        root_hash=forged_root.hex(), signed_note=forged_text + "\n" + signature
    )

    assert _named(verify_all()[0]) == {(office.pk, 6, "checkpoint signature")}


def test_checkpoint_row_whose_root_differs_from_the_signed_text_is_named(roster_ledger, attacker):
    office, checkpoint = roster_ledger.office, roster_ledger.checkpoint
    Checkpoint.objects.filter(pk=checkpoint.pk).update(root_hash="00" * 32)

    assert _named(verify_all()[0]) == {(office.pk, 6, "checkpoint")}


def test_checkpoint_signed_with_another_key_is_named(roster_ledger, attacker):
    office, checkpoint = roster_ledger.office, roster_ledger.checkpoint
    text = notes.Checkpoint(
        origin_for(office), checkpoint.size, bytes.fromhex(checkpoint.root_hash)
    ).to_text()
    Checkpoint.objects.filter(pk=checkpoint.pk).update(
        signed_note=notes.sign_note(text, [_other_signer()])
    )

    assert _named(verify_all()[0]) == {(office.pk, 6, "checkpoint signature")}


def test_forged_checkpoint_added_for_a_rewritten_history_is_named(roster_ledger, attacker):
    office = roster_ledger.office
    _edit_payload(roster_ledger.entry(7), lambda data: data["state"].update(head_on_duty=False))
    _rehash_from(office, 7)
    leaf_hashes = LedgerEntry.objects.filter(unit=office).order_by("seq")
    from servicehall.ledger.merkle import root_from_leaf_hashes

    root = root_from_leaf_hashes(
        [bytes.fromhex(h) for h in leaf_hashes.values_list("entry_hash", flat=True)], hasher()
    )
    text = notes.Checkpoint(origin_for(office), 7, root).to_text()
    Checkpoint.objects.create(
        unit=office,
        size=7,
        root_hash=root.hex(),
        signed_note=notes.sign_note(text, [_other_signer()]),
    )

    assert (office.pk, 7, "checkpoint signature") in _named(verify_all()[0])


# --- The command -------------------------------------------------------------------------------


def test_verify_command_lists_problems_and_exits_with_status_1(roster_ledger, attacker):
    office = roster_ledger.office
    LedgerEntry.objects.filter(unit=office, seq=3).delete()
    out = StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger", "verify", stdout=out)

    assert exit_info.value.code == 1
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == f"BAD unit {office.pk}, entry 3: missing entry: expected entry 3, found 4"
    assert lines[1].startswith(f"BAD unit {office.pk}: unrecorded row: org.dutyassignment ")
    assert lines[-1].endswith(": 2 problem(s)")


def test_verify_command_json_names_unit_seq_and_kind(roster_ledger, attacker):
    office = roster_ledger.office
    _edit_payload(roster_ledger.entry(6), lambda data: data.update(reason="本人申请"))
    out = StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger", "verify", "--json", stdout=out)

    assert exit_info.value.code == 1
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    assert report["problems"] == [
        {
            "unit_id": office.pk,
            "seq": 6,
            "kind": "content",
            "detail": "the entry's content does not match its hash",
        }
    ]
    assert report["summary"]["units"] == 2
