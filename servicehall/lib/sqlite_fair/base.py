"""Django's SQLite backend with a fair queue for the database's one write lock.

Every write transaction here starts ``BEGIN IMMEDIATE`` (settings: a read-then-write such
as a ledger append must hold the write lock from the start). A writer that finds the lock
taken waits in SQLite's busy handler, which sleeps 1, 2, 5, ... up to 100 ms between tries
and never queues: under a steady stream of ticket issues a clerk's "call next" lost the
race again and again, and waited up to two seconds (``python -m servicehall.bench
display``). So each write transaction first takes an exclusive ``flock`` on a lock file
beside the database, which the kernel hands to a waiting process the moment it is
released, and only then begins; the flock is released when the transaction commits or
rolls back, or the connection closes (or the process dies: the kernel releases it).

Writes outside a transaction (a single UPDATE in autocommit) do not take the flock; they
are short, and SQLite's busy handler still covers them. An in-memory database has no file
and no flock.

Checkpoints. SQLite copies the write-ahead log back into the database file (and syncs it)
inside the commit that takes the log past 1,000 pages, that is while this writer still
holds the lock, and every other writer waits behind the copy. Here SQLite's automatic
checkpoint is off, and each connection checkpoints every ``CHECKPOINT_EVERY`` of its write
transactions, just after giving the lock back. A PASSIVE checkpoint neither waits for nor
blocks a writer: it copies what no reader still needs, and the next one goes on from there.
(``python -m servicehall.bench.http``, four rounds each way: issuing 0.263 against 0.237
on average, the whole visit 0.278 against 0.227; the last rounds, over a larger file, no
longer fell to 0.12-0.18.)
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3

from django.db.backends.sqlite3 import base

log = logging.getLogger(__name__)

# Write transactions of one connection between two of its checkpoints.
CHECKPOINT_EVERY = 32


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lock_fd: int | None = None
        self._lock_held = False
        self._writes_since_checkpoint = 0

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        if self.is_in_memory_db():
            return conn
        conn.execute("PRAGMA wal_autocheckpoint=0")
        if self._lock_fd is None:
            self._lock_fd = os.open(
                f"{self.settings_dict['NAME']}.lock", os.O_RDWR | os.O_CREAT, 0o600
            )
        return conn

    def _start_transaction_under_autocommit(self):
        if self._lock_fd is not None and not self._lock_held:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._lock_held = True
        try:
            self._begin()
        except BaseException:
            self._release_write_lock()
            raise

    def _begin(self) -> None:
        if self.queries_logged or self.execute_wrappers:
            # Shown to whoever watches the queries, as Django's own BEGIN is.
            super()._start_transaction_under_autocommit()
            return
        # Django's BEGIN goes through a cursor wrapper built for the one statement: a
        # fifth of an empty transaction's instructions (callgrind), on every action.
        mode = f"BEGIN {self.transaction_mode}" if self.transaction_mode else "BEGIN"
        with self.wrap_database_errors:
            self.connection.execute(mode)

    def _release_write_lock(self) -> None:
        if self._lock_held:
            self._lock_held = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _commit(self):
        try:
            return super()._commit()
        finally:
            if self.connection is None or self.connection.in_transaction is False:
                wrote = self._lock_held
                self._release_write_lock()
                if wrote:
                    self._count_write()

    def _count_write(self) -> None:
        self._writes_since_checkpoint += 1
        if self._writes_since_checkpoint >= CHECKPOINT_EVERY and self.connection is not None:
            self._writes_since_checkpoint = 0
            self._checkpoint()

    def _checkpoint(self) -> None:
        """Copy the log back into the database file, outside the write lock."""
        try:
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            # The transaction has committed: its caller must not see an error. The log
            # keeps the pages, and the next checkpoint copies them.
            log.warning("checkpoint of %s failed", self.settings_dict["NAME"], exc_info=True)

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
