"""The C fast path of ``ledger verify`` on SQLite (``_fastverify``, see verify.py): it
rebuilds every kind of entry's bytes exactly, vouches only for pages whose every link,
sequence number and hash holds, and leaves every doubtful page to the Python path, so
that both paths give the same verdict on every kind of tampering.

The scanner reads the database through a connection of its own, so these tests commit
(``transaction=True``); inside a transaction ``verify`` keeps to the Python path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import pytest
import time_machine
from django.db import connection, transaction

from servicehall.ledger import merkle, verify
from servicehall.ledger.actions import Subject, append, bytes_of, correct, hasher
from servicehall.ledger.choices import Channel
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.proofs import make_checkpoint
from servicehall.ledger.verify import Summary, verify_unit

NOTE = Subject("test.note", "7")
MOMENTS = [
    dt.datetime(2026, 3, 2, 1, 30, 0, 0, tzinfo=dt.UTC),  # no fraction: SQLite stores none
    dt.datetime(2026, 3, 2, 1, 30, 5, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 15, 59, 59, 999999, tzinfo=dt.UTC),
]


@pytest.fixture
def fastverify():
    """The extension, which ``make install`` builds; on CI its absence is a failure."""
    if verify._fastverify is None:
        if os.environ.get("CI") == "true":
            pytest.fail("servicehall.ledger._fastverify is not built (see setup.py)")
        pytest.skip("servicehall.ledger._fastverify is not built (see setup.py)")
    return verify._fastverify


# On PostgreSQL these are deselected (the root conftest): it has the Python path only.
pytestmark = pytest.mark.sqlite


@pytest.fixture
def committed(fastverify, transactional_db):
    """Entries are committed, so that the scanner's own connection reads them."""


def _note(world, test_event, moment, **extra) -> LedgerEntry:
    with time_machine.travel(moment, tick=False), transaction.atomic():
        return append(unit=world.office, event=test_event, subject=NOTE, **extra)


def _ledger(world, test_event, count: int = 9) -> list[LedgerEntry]:
    """Entries of every shape: client channels and staff, Chinese text, a correction, a
    staff member without a staff number, times with and without microseconds."""
    made = []
    for index in range(count - 2):
        moment = MOMENTS[index % 3] + dt.timedelta(minutes=index)
        if index % 2:
            payload = {"n": index, "名": "王*明", "text": "一次告知"}
            made.append(_note(world, test_event, moment, payload=payload, actor=world.clerk))
        else:
            channel = (Channel.KIOSK, Channel.PAD, Channel.SYSTEM)[index % 3]
            made.append(_note(world, test_event, moment, payload={"n": index}, channel=channel))
    with time_machine.travel(MOMENTS[2] + dt.timedelta(hours=1), tick=False):
        made.append(correct(actor=world.head, entry=made[1], corrected={"n": 9}, reason="录错"))
    made.append(_note(world, test_event, MOMENTS[0], payload={}, actor=world.unit_admin))
    return made


def _scanner(fastverify):
    return fastverify.Scanner(str(connection.settings_dict["NAME"]))


class _Counting:
    """A scanner that counts the pages it vouched for and those it left to Python."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.vouched = self.doubtful = 0

    def page(self, *args):
        result = self.inner.page(*args)
        if result is None:
            self.doubtful += 1
        elif result[0]:
            self.vouched += 1
        return result

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def counted(monkeypatch):
    made: list[_Counting] = []
    real = verify._scanner

    def counting(tree_hasher):
        inner = real(tree_hasher)
        if inner is None:
            return None
        made.append(_Counting(inner))
        return made[-1]

    monkeypatch.setattr(verify, "_scanner", counting)
    return made


def _both_paths(unit_id: int, monkeypatch, **options):
    fast = verify_unit(unit_id, fast_summary := Summary(), **options)
    monkeypatch.setattr(verify, "FAST_PATH", False)
    slow = verify_unit(unit_id, slow_summary := Summary(), **options)
    monkeypatch.setattr(verify, "FAST_PATH", True)
    return (fast, fast_summary), (slow, slow_summary)


# --- the bytes and the leaves --------------------------------------------------------------


def test_the_scanner_rebuilds_every_kind_of_entry(committed, fastverify, world, test_event):
    made = _ledger(world, test_event)
    entries = list(LedgerEntry.objects.filter(unit=world.office).order_by("seq"))

    leaves, first_prev, last_hash = _scanner(fastverify).page(world.office.pk, 0, 0, 100, "")

    assert leaves == b"".join(hasher().hash_leaf(bytes_of(entry)) for entry in entries)
    assert (first_prev, last_hash) == ("", made[-1].entry_hash)
    assert len(leaves) == 32 * len(made)


def test_pages_bounds_and_links(committed, fastverify, world, test_event):
    made = _ledger(world, test_event)
    scanner = _scanner(fastverify)
    unit = world.office.pk

    leaves, first_prev, last_hash = scanner.page(unit, 2, 5, 100, made[1].entry_hash)
    assert len(leaves) == 3 * 32 and (first_prev, last_hash) == (
        made[1].entry_hash,
        made[4].entry_hash,
    )
    assert scanner.page(unit, 2, 0, 2, None)[2] == made[3].entry_hash  # not known: no link
    assert scanner.page(unit, 2, 0, 2, made[0].entry_hash) is None  # the wrong link
    assert scanner.page(unit, 0, 0, 2, "ab" * 32) is None  # the first entry links to nothing
    assert scanner.page(unit, len(made), 0, 100, made[-1].entry_hash) == (b"", None, None)
    assert scanner.page(unit + 999, 0, 0, 100, "") == (b"", None, None)
    scanner.close()
    with pytest.raises(ValueError, match="closed"):
        scanner.page(unit, 0, 0, 100, "")


def test_a_database_that_cannot_be_opened_is_an_oserror(fastverify, tmp_path):
    with pytest.raises(OSError, match="cannot read the ledger"):
        fastverify.Scanner(str(tmp_path / "missing.sqlite3"))


@pytest.mark.parametrize("count", [1, 2, 4, 8, 64, 1024])
def test_perfect_roots_are_rfc6962_roots(fastverify, count):
    leaves = [hashlib.sha256(b"\x00" + bytes([n % 256, n // 256])).digest() for n in range(count)]

    assert fastverify.perfect_root(b"".join(leaves)) == merkle.root_from_leaf_hashes(leaves)


@pytest.mark.parametrize("size", [0, 31, 3 * 32, 6 * 32])
def test_perfect_root_refuses_anything_but_a_power_of_two_of_hashes(fastverify, size):
    with pytest.raises(ValueError, match="2\\*\\*k"):
        fastverify.perfect_root(b"x" * size)


# --- the same verdicts ---------------------------------------------------------------------


def test_a_good_ledger_verifies_through_the_scanner(
    committed, world, test_event, counted, monkeypatch
):
    made = _ledger(world, test_event)
    make_checkpoint(world.office)
    _note(world, test_event, MOMENTS[1], payload={"after": "checkpoint"}, channel=Channel.KIOSK)
    monkeypatch.setattr(verify, "CHUNK", 4)

    fast, slow = _both_paths(world.office.pk, monkeypatch)

    assert fast[0] is None and slow[0] is None
    assert fast[1] == slow[1] and fast[1].entries == len(made) + 1
    assert fast[1].checkpoints == 1
    assert counted[0].vouched == 3 and counted[0].doubtful == 0


@pytest.fixture
def attacker(committed):
    from servicehall.ledger import triggers

    triggers.remove(connection)
    yield
    triggers.install(connection)


TAMPERING = {
    "changed payload": ("UPDATE ledger_ledgerentry SET payload = '{\"n\":40}' WHERE seq = 6", 6),
    "deleted row": ("DELETE FROM ledger_ledgerentry WHERE seq = 5", 5),
    "broken link": ("UPDATE ledger_ledgerentry SET prev_hash = entry_hash WHERE seq = 3", 3),
    "changed staff number": ("UPDATE ledger_ledgerentry SET actor_staff_no = 'X' WHERE seq = 2", 2),
    "newline in a header": (
        "UPDATE ledger_ledgerentry SET channel = 'kiosk' || char(10) WHERE seq = 7",
        7,
    ),
    "time moved": (
        "UPDATE ledger_ledgerentry SET at = '2026-03-02 01:31:00.000001' WHERE seq = 1",
        1,
    ),
    "time that is no time": ("UPDATE ledger_ledgerentry SET at = 'never' WHERE seq = 4", 4),
    "hash in capitals": (
        "UPDATE ledger_ledgerentry SET entry_hash = upper(entry_hash) WHERE seq = 9",
        9,
    ),  # fmt: skip
    "renumbered": ("UPDATE ledger_ledgerentry SET seq = 100 WHERE seq = 9", 9),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_tampering_gets_the_python_paths_verdict(
    attacker, world, test_event, counted, monkeypatch, kind
):
    _ledger(world, test_event)
    sql, seq = TAMPERING[kind]
    with connection.cursor() as cursor:
        cursor.execute(sql + " AND unit_id = %s", [world.office.pk])
    monkeypatch.setattr(verify, "CHUNK", 4)

    fast, slow = _both_paths(world.office.pk, monkeypatch)

    assert fast[0] is not None and fast[0].seq == seq
    assert (fast[0].seq, fast[0].kind, fast[0].detail) == (
        slow[0].seq,
        slow[0].kind,
        slow[0].detail,
    )
    assert fast[1] == slow[1]
    assert counted[0].doubtful == 1  # the bad page went to Python, the pages before did not
    assert counted[0].vouched == (seq - 1) // 4


def test_an_inserted_row_gets_the_python_paths_verdict(attacker, world, test_event, monkeypatch):
    made = _ledger(world, test_event)
    forged = LedgerEntry(
        unit=world.office, seq=len(made) + 1, at=MOMENTS[0], channel=Channel.SYSTEM,
        event_type=test_event, event_version=1, subject_type="test.note", subject_id="7",
        payload="{}", prev_hash=made[-1].entry_hash, entry_hash="00" * 32,
    )  # fmt: skip
    forged.save()

    fast, slow = _both_paths(world.office.pk, monkeypatch)

    assert (fast[0].seq, fast[0].kind) == (slow[0].seq, slow[0].kind) == (len(made) + 1, "content")


def test_two_rows_swapped_get_the_python_paths_verdict(attacker, world, test_event, monkeypatch):
    _ledger(world, test_event)
    with connection.cursor() as cursor:
        for old, new in ((3, 1000), (4, 3), (1000, 4)):
            cursor.execute(
                "UPDATE ledger_ledgerentry SET seq = %s WHERE unit_id = %s AND seq = %s",
                [new, world.office.pk, old],
            )

    fast, slow = _both_paths(world.office.pk, monkeypatch)

    assert (fast[0].seq, fast[0].kind) == (slow[0].seq, slow[0].kind)
    assert fast[0].seq == 3


def test_a_time_in_another_form_of_the_same_instant_is_accepted_by_python(
    attacker, world, test_event, counted, monkeypatch
):
    _ledger(world, test_event)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_ledgerentry SET at = at || '+00:00' WHERE unit_id = %s AND seq = 2",
            [world.office.pk],
        )

    fast, slow = _both_paths(world.office.pk, monkeypatch)

    assert fast[0] is None and slow[0] is None and fast[1] == slow[1]
    assert counted[0].doubtful == 1


def test_units_shared_out_among_processes_get_the_same_verdict(
    committed, world, test_event, monkeypatch
):
    monkeypatch.setattr(verify, "PARALLEL_MIN", 1)
    monkeypatch.setattr(verify, "SPAN_MIN_BITS", 2)
    monkeypatch.setattr(verify, "CHUNK", 2)
    made = _ledger(world, test_event, count=13)
    make_checkpoint(world.office)

    fast, slow = _both_paths(world.office.pk, monkeypatch, workers=2)

    assert fast[0] is None and slow[0] is None
    assert fast[1] == slow[1] and (fast[1].entries, fast[1].checkpoints) == (len(made), 1)


def test_inside_a_transaction_verify_keeps_to_python(fastverify, world, test_event):
    _note(world, test_event, MOMENTS[0], payload={}, channel=Channel.KIOSK)

    assert connection.in_atomic_block
    assert verify._scanner(hasher()) is None
    assert verify_unit(world.office.pk, Summary()) is None


def test_sm3_keeps_to_python(committed, settings):
    settings.LEDGER_HASH = "SM3"

    assert verify._scanner(hasher()) is None
    assert verify._Tree(hasher()).fast_root is None
