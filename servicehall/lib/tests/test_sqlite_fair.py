"""The SQLite backend's fair queue for the write lock (``lib/sqlite_fair``): a write
transaction holds an exclusive flock on the lock file beside the database from its BEGIN
to its COMMIT or ROLLBACK, so a writer of another connection waits in the kernel's queue
and starts as soon as it is released, not after SQLite's busy handler's next sleep."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db(transaction=True)]


def _lock_is_free() -> bool:
    fd = os.open(f"{connection.settings_dict['NAME']}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_a_write_transaction_holds_the_lock_until_it_commits():
    assert _lock_is_free()
    with transaction.atomic():
        assert not _lock_is_free()
        with transaction.atomic():  # a savepoint neither takes nor gives it back
            pass
        assert not _lock_is_free()
    assert _lock_is_free()


def test_a_rolled_back_transaction_gives_it_back():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert not _lock_is_free()
        1 / 0  # noqa: B018
    assert _lock_is_free()


def test_a_closed_connection_gives_it_back():
    with transaction.atomic():
        connection.close()  # as a dying worker's would be
        assert _lock_is_free()
    connection.connect()


def test_autocommit_statements_do_not_take_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert _lock_is_free() and not connection.in_atomic_block


def test_a_writer_of_another_connection_waits_then_goes():
    entered, done = threading.Event(), threading.Event()

    def other_writer() -> None:
        try:
            with transaction.atomic():
                entered.set()
        finally:
            connections["default"].close()
            done.set()

    with transaction.atomic():
        thread = threading.Thread(target=other_writer)
        thread.start()
        # Waiting on the flock: not inside its transaction while this one is open.
        assert not entered.wait(0.3)
    assert entered.wait(10) and done.wait(10)
    thread.join(10)


def _another_writer_is_refused() -> bool:
    """Whether SQLite refuses another connection its write lock now (no waiting)."""
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


def test_a_transaction_holds_sqlites_write_lock_from_its_begin():
    """The BEGIN that bypasses Django's cursor is still IMMEDIATE: before any statement."""
    assert not connection.queries_logged
    assert not _another_writer_is_refused()
    with transaction.atomic():
        assert _another_writer_is_refused()
    assert not _another_writer_is_refused()


def test_the_begin_is_shown_to_whoever_watches_the_queries():
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        assert _another_writer_is_refused()
        connection.cursor().execute("SELECT 1")
    assert [query["sql"] for query in captured][:2] == ["BEGIN IMMEDIATE", "SELECT 1"]


# --- checkpoints ------------------------------------------------------------------------------


def _write(rows: int = 1) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for _ in range(rows):
            cursor.execute("INSERT INTO fair_test (blob) VALUES (randomblob(3000))")


@pytest.fixture
def scratch_table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE fair_test (id INTEGER PRIMARY KEY, blob BLOB)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE fair_test")


def test_sqlite_does_not_checkpoint_inside_a_commit():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 0


def test_a_connection_checkpoints_after_giving_the_lock_back(monkeypatch, scratch_table):
    from servicehall.lib.sqlite_fair import base

    seen = []
    checkpoint = base.DatabaseWrapper._checkpoint

    def watched(self) -> None:
        seen.append(_lock_is_free())
        checkpoint(self)

    monkeypatch.setattr(base.DatabaseWrapper, "_checkpoint", watched)
    for _ in range(base.CHECKPOINT_EVERY * 3):
        _write()

    assert seen == [True, True, True]


def test_the_log_stays_short_however_many_writes(monkeypatch, scratch_table):
    """Without the checkpoints (CHECKPOINT_EVERY past the writes), the log would hold every
    page written: about 300 pages here, against the few of a checkpoint's interval."""
    from servicehall.lib.sqlite_fair import base

    monkeypatch.setattr(base, "CHECKPOINT_EVERY", 8)
    for _ in range(100):
        _write(rows=3)

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        _busy, pages_in_log, _copied = cursor.fetchone()
    assert pages_in_log < 100


def test_a_failed_checkpoint_does_not_undo_or_fail_the_commit(monkeypatch, scratch_table):
    from servicehall.lib.sqlite_fair import base

    class Refusing:
        """The SQLite connection, except that a checkpoint fails."""

        def __init__(self, real) -> None:
            self.real = real

        def execute(self, sql, *args):
            if "wal_checkpoint" in sql:
                raise sqlite3.OperationalError("disk I/O error")
            return self.real.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.real, name)

    monkeypatch.setattr(base, "CHECKPOINT_EVERY", 1)
    wrapper = connections["default"]
    real = wrapper.connection
    wrapper.connection = Refusing(real)
    try:
        _write()
    finally:
        wrapper.connection = real

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM fair_test")
        assert cursor.fetchone()[0] == 1
