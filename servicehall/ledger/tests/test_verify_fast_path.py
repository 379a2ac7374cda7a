"""``verify_unit`` reads entries with a raw cursor and builds their bytes inline; those bytes
must be exactly ``canonical.entry_bytes`` of the entry as the ORM reads it, on SQLite and
PostgreSQL, whatever the entry holds (a time with or without microseconds, a staff member
or a client channel, a correction)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction

from servicehall.ledger import verify
from servicehall.ledger.actions import Subject, append, bytes_of, correct, hasher
from servicehall.ledger.canonical import timestamp
from servicehall.ledger.choices import Channel
from servicehall.ledger.models import Checkpoint, LedgerEntry
from servicehall.ledger.proofs import make_checkpoint
from servicehall.ledger.verify import Summary, entry_pages, fast_entry_bytes, verify_unit

NOTE = Subject("test.note", "7")
MOMENTS = [
    dt.datetime(2026, 3, 2, 1, 30, 0, 0, tzinfo=dt.UTC),  # no fraction: SQLite stores none
    dt.datetime(2026, 3, 2, 1, 30, 5, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 2, 1, 30, 9, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 2, 1, 31, 0, 500000, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 15, 59, 59, 999999, tzinfo=dt.UTC),  # 23:59:59 in Beijing
    dt.datetime(2027, 1, 1, 0, 0, 0, 0, tzinfo=dt.UTC),
]


@pytest.fixture
def attacker(db):
    from servicehall.ledger import triggers

    triggers.remove(connection)
    yield
    triggers.install(connection)


def _note(world, test_event, moment, **extra) -> LedgerEntry:
    with time_machine.travel(moment, tick=False), transaction.atomic():
        return append(unit=world.office, event=test_event, subject=NOTE, **extra)


@pytest.fixture
def mixed(world, test_event) -> list[LedgerEntry]:
    """Entries of every shape, at times with and without microseconds."""
    made = []
    for index, moment in enumerate(MOMENTS):
        if index % 2:
            payload = {"n": index, "名": "王*明"}
            made.append(_note(world, test_event, moment, payload=payload, actor=world.clerk))
        else:
            channel = (Channel.KIOSK, Channel.PAD, Channel.SYSTEM)[index % 3]
            made.append(_note(world, test_event, moment, payload={"n": index}, channel=channel))
    with time_machine.travel(MOMENTS[-1] + dt.timedelta(seconds=1), tick=False):
        made.append(correct(actor=world.head, entry=made[1], corrected={"n": 9}, reason="录错"))
    # A staff member without a staff number (the unit administrator).
    made.append(_note(world, test_event, MOMENTS[0], payload={}, actor=world.unit_admin))
    return made


def _rows(unit_id: int) -> list[tuple]:
    return [row for page in entry_pages(unit_id) for row in page]


def test_fast_bytes_equal_entry_bytes_for_every_kind_of_entry(world, mixed):
    rows = _rows(world.office.pk)

    assert [row[0] for row in rows] == [entry.seq for entry in mixed]
    for row in rows:
        entry = LedgerEntry.objects.get(unit=world.office, seq=row[0])
        assert fast_entry_bytes(world.office.pk, row) == bytes_of(entry)
        assert hasher().hash_leaf(fast_entry_bytes(world.office.pk, row)).hex() == row[-1]
    stamps = [fast_entry_bytes(world.office.pk, row).split(b"\n")[3].decode() for row in rows]
    assert stamps[:6] == [timestamp(moment) for moment in MOMENTS]
    assert stamps[0] == "2026-03-02T01:30:00.000000Z"
    assert str(rows[6][8]) == str(mixed[1].seq) and rows[0][8] == ""  # corrects_seq, or nothing
    assert rows[0][2] == "" and rows[1][2] == "A001" and rows[7][2] == ""  # staff numbers


def test_the_unit_with_every_kind_of_entry_verifies(world, mixed):
    summary = Summary()

    assert verify_unit(world.office.pk, summary) is None
    assert summary.entries == len(mixed)


def test_the_database_keeps_every_microsecond(world, mixed):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CAST(at AS TEXT) FROM ledger_ledgerentry WHERE unit_id = %s ORDER BY seq",
            [world.office.pk],
        )
        stored = [value for (value,) in cursor.fetchall()]

    if connection.vendor == "sqlite":
        # The reason for the fast path's CASE: Django writes str(datetime), which leaves
        # out a zero fraction.
        assert stored[:2] == ["2026-03-02 01:30:00", "2026-03-02 01:30:05.123456"]
    else:
        assert stored[1].startswith("2026-03-02 ") and ":05.123456" in stored[1]
    assert [entry.at for entry in LedgerEntry.objects.filter(unit=world.office)][:6] == MOMENTS


@pytest.mark.parametrize("chunk", [1, 2, 3, 100])
def test_pages_of_any_size_with_checkpoints_inside_verify(world, test_event, monkeypatch, chunk):
    for n in range(5):
        _note(world, test_event, MOMENTS[n % 6], payload={"n": n}, channel=Channel.SYSTEM)
        if n in (1, 2):
            make_checkpoint(world.office)
    monkeypatch.setattr(verify, "CHUNK", chunk)
    summary = Summary()

    assert verify_unit(world.office.pk, summary) is None
    assert (summary.entries, summary.checkpoints) == (5, 2)
    assert [len(page) for page in entry_pages(world.office.pk)][0] == min(chunk, 5)


@pytest.mark.parametrize("chunk", [2, 100])
def test_a_changed_entry_on_a_later_page_is_named(world, test_event, attacker, monkeypatch, chunk):
    for n in range(5):
        _note(world, test_event, MOMENTS[n], payload={"n": n}, channel=Channel.SYSTEM)
    LedgerEntry.objects.filter(unit=world.office, seq=4).update(payload='{"n":40}')
    monkeypatch.setattr(verify, "CHUNK", chunk)
    summary = Summary()

    problem = verify_unit(world.office.pk, summary)

    assert (problem.seq, problem.kind) == (4, "content")
    assert summary.entries == 3


def test_a_time_rewritten_as_the_same_instant_is_judged_as_entry_bytes_judges_it(
    world, mixed, attacker
):
    # SQLite: Django reads '2026-03-02 01:30:05.123456+00:00' as the same time, so the
    # entry is intact though its text is not the form the fast path reads; PostgreSQL
    # keeps the instant, however it is written.
    same_instant = {
        "sqlite": "at || '+00:00'",
        "postgresql": "(at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE ledger_ledgerentry SET at = {same_instant} WHERE unit_id = %s AND seq = 2",
            [world.office.pk],
        )
    row = _rows(world.office.pk)[1]
    entry = LedgerEntry.objects.get(unit=world.office, seq=2)
    assert hasher().hash_leaf(bytes_of(entry)).hex() == entry.entry_hash
    if connection.vendor == "sqlite":
        assert fast_entry_bytes(world.office.pk, row) != bytes_of(entry)  # the fallback's case

    assert verify_unit(world.office.pk, Summary()) is None


def test_a_time_moved_by_a_microsecond_is_named(world, mixed, attacker):
    LedgerEntry.objects.filter(unit=world.office, seq=3).update(
        at=MOMENTS[2] + dt.timedelta(microseconds=1)
    )

    problem = verify_unit(world.office.pk, Summary())

    assert (problem.seq, problem.kind) == (3, "content")


def test_a_newline_planted_in_a_header_value_is_named_not_a_crash(world, mixed, attacker):
    LedgerEntry.objects.filter(unit=world.office, seq=2).update(actor_staff_no="A001\nX")

    problem = verify_unit(world.office.pk, Summary())

    assert (problem.unit_id, problem.seq, problem.kind) == (world.office.pk, 2, "content")


def test_a_time_that_is_no_time_is_named_not_a_crash(world, mixed, attacker):
    no_time = {"sqlite": "'not a time'", "postgresql": "'infinity'"}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE ledger_ledgerentry SET at = {no_time} WHERE unit_id = %s AND seq = 4",
            [world.office.pk],
        )

    problem = verify_unit(world.office.pk, Summary())

    assert (problem.seq, problem.kind) == (4, "content")


def test_sm3_ledgers_verify_through_the_fast_path(world, test_event, settings):
    settings.LEDGER_HASH = "SM3"
    for n, moment in enumerate(MOMENTS[:3]):
        _note(world, test_event, moment, payload={"n": n}, actor=world.clerk)
    make_checkpoint(world.office)
    entry = LedgerEntry.objects.get(unit=world.office, seq=3)
    assert entry.entry_hash == hasher().hash_leaf(bytes_of(entry)).hex()
    assert hasher().name == "sm3"

    assert verify_unit(world.office.pk, Summary()) is None


def test_timestamps_have_four_digit_years_on_every_platform():
    assert timestamp(dt.datetime(999, 1, 2, 3, 4, 5, tzinfo=dt.UTC)) == (
        "0999-01-02T03:04:05.000000Z"
    )
    assert timestamp(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))) == (
        "2026-03-02T01:30:00.000000Z"
    )


# --- a unit shared out among processes --------------------------------------------------


@pytest.fixture
def spans(monkeypatch):
    """Spans of 4 entries, pages of 2, and any unit worth sharing out."""
    monkeypatch.setattr(verify, "PARALLEL_MIN", 1)
    monkeypatch.setattr(verify, "SPAN_MIN_BITS", 2)
    monkeypatch.setattr(verify, "CHUNK", 2)


def _notes(world, test_event, count: int, checkpoints_at=()) -> None:
    for n in range(count):
        _note(world, test_event, MOMENTS[n % 6], payload={"n": n}, channel=Channel.SYSTEM)
        if n + 1 in checkpoints_at:
            make_checkpoint(world.office)


def test_spans_cover_the_unit_in_aligned_powers_of_two(spans):
    assert verify._plan_spans(10, 2) == [(0, 4), (4, 8), (8, 10)]
    assert verify._plan_spans(1_000_000, 2) == [
        (after, min(after + 131072, 1_000_000)) for after in range(0, 1_000_000, 131072)
    ]


@pytest.mark.parametrize("count", [4, 5, 11, 16, 17])
def test_a_unit_verified_in_spans_gives_every_checkpoints_root(world, test_event, spans, count):
    checkpoints_at = {1, 3, 4, 6, 9, 16, count}
    _notes(world, test_event, count, checkpoints_at)
    summary = Summary()

    assert verify_unit(world.office.pk, summary, workers=2) is None
    assert summary.entries == count
    assert summary.checkpoints == len({size for size in checkpoints_at if size <= count})


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("UPDATE ledger_ledgerentry SET payload = '{\"n\":99}' WHERE seq = 7", (7, "content")),
        ("DELETE FROM ledger_ledgerentry WHERE seq = 5", (5, "missing entry")),
        ("DELETE FROM ledger_ledgerentry WHERE seq = 4", (4, "missing entry")),
        ("UPDATE ledger_ledgerentry SET prev_hash = entry_hash WHERE seq = 9", (9, "chain")),
    ],
)
def test_a_span_with_a_bad_entry_is_named_as_one_process_names_it(
    world, test_event, spans, attacker, change, named
):
    _notes(world, test_event, 11, checkpoints_at={6})
    with connection.cursor() as cursor:
        cursor.execute(change + " AND unit_id = %s", [world.office.pk])
    one, shared = Summary(), Summary()

    alone = verify_unit(world.office.pk, one)
    problem = verify_unit(world.office.pk, shared, workers=2)

    assert (problem.seq, problem.kind) == named == (alone.seq, alone.kind)
    assert (shared.entries, shared.checkpoints) == (one.entries, one.checkpoints)


def test_a_forged_checkpoint_inside_a_span_is_named(world, test_event, spans, attacker):
    _notes(world, test_event, 11, checkpoints_at={6})
    Checkpoint.objects.filter(unit=world.office, size=6).update(root_hash="00" * 32)

    problem = verify_unit(world.office.pk, Summary(), workers=2)

    assert (problem.seq, problem.kind) == (6, "checkpoint")


@pytest.mark.django_db(transaction=True)
def test_forked_processes_verify_a_committed_unit(world, test_event, spans):
    _notes(world, test_event, 11, checkpoints_at={3, 11})
    summary = Summary()

    assert verify_unit(world.office.pk, summary, workers=2) is None
    assert (summary.entries, summary.checkpoints) == (11, 2)
    with connection.cursor() as cursor:  # this process reads again after the fork
        cursor.execute("SELECT COUNT(*) FROM ledger_ledgerentry")
        assert cursor.fetchone()[0] == 11


@pytest.mark.django_db(transaction=True)
def test_verify_all_shares_large_units_out_and_names_the_same_problem(
    world, test_event, spans, attacker
):
    _notes(world, test_event, 11, checkpoints_at={6})
    LedgerEntry.objects.filter(unit=world.office, seq=10).update(payload='{"n":1}')

    alone, _summary = verify.verify_all()
    shared, _summary = verify.verify_all(workers=2)

    assert [(p.unit_id, p.seq, p.kind) for p in shared] == [
        (p.unit_id, p.seq, p.kind) for p in alone
    ]
    assert (world.office.pk, 10, "content") in {(p.unit_id, p.seq, p.kind) for p in shared}


# --- PostgreSQL hashes the entries itself -------------------------------------------------


@pytest.fixture
def vouching(monkeypatch):
    """Counts the pages the server's hashes vouched for and those left to Python."""
    seen = {"vouched": 0, "doubtful": 0}
    real = verify._vouched

    def counting(page, after, prev_hash):
        result = real(page, after, prev_hash)
        seen["vouched" if result is not None else "doubtful"] += 1
        return result

    monkeypatch.setattr(verify, "_vouched", counting)
    return seen


@pytest.mark.postgresql
def test_postgresql_hashes_every_kind_of_entry_as_entry_bytes(world, mixed, vouching, monkeypatch):
    monkeypatch.setattr(verify, "CHUNK", 3)
    make_checkpoint(world.office)
    summary = Summary()

    assert verify_unit(world.office.pk, summary) is None
    assert summary.entries == len(mixed) and summary.checkpoints == 1
    assert vouching == {"vouched": 3, "doubtful": 0}


@pytest.mark.postgresql
@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("UPDATE ledger_ledgerentry SET payload = '{\"n\":40}' WHERE seq = 5", (5, "content")),
        ("UPDATE ledger_ledgerentry SET prev_hash = entry_hash WHERE seq = 4", (4, "chain")),
        ("DELETE FROM ledger_ledgerentry WHERE seq = 6", (6, "missing entry")),
        ("UPDATE ledger_ledgerentry SET actor_staff_no = 'X' WHERE seq = 2", (2, "content")),
    ],
)
def test_postgresql_leaves_a_doubtful_page_to_python_which_names_it(
    world, mixed, attacker, vouching, monkeypatch, change, named
):
    with connection.cursor() as cursor:
        cursor.execute(change + " AND unit_id = %s", [world.office.pk])
    monkeypatch.setattr(verify, "CHUNK", 3)

    problem = verify_unit(world.office.pk, Summary())
    monkeypatch.setattr(verify, "FAST_PATH", False)
    alone = verify_unit(world.office.pk, Summary())

    assert (problem.seq, problem.kind) == named == (alone.seq, alone.kind)
    # The pages before the bad entry were vouched for; the one holding it went to Python.
    assert vouching["doubtful"] == 1 and vouching["vouched"] >= (named[0] - 1) // 3
