"""The instruction benchmark's children (bench.instructions): a prepared database, then
requests through the WSGI application, each kind answered as the API answers it. What
callgrind counts of them is the benchmark's; here, that they run and do what they say."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from servicehall.bench.instructions import _COLLECTED


def _child(*args: str, var_dir) -> subprocess.CompletedProcess:
    environ = {**os.environ, "SERVICEHALL_VAR_DIR": str(var_dir)}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "servicehall.bench.instructions", *args],
        capture_output=True, text=True, check=False, env=environ,
    )  # fmt: skip


def test_the_children_prepare_the_hall_and_issue_tickets_through_wsgi(tmp_path):
    database = tmp_path / "prepared.sqlite3"
    prepared = _child("--prepare", str(database), var_dir=tmp_path)
    assert prepared.returncode == 0, prepared.stderr
    token = prepared.stdout.strip()

    served = _child("--serve", "issue", "5", str(database), token, var_dir=tmp_path)
    assert served.returncode == 0, served.stderr
    health = _child("--serve", "health", "3", str(database), token, var_dir=tmp_path)
    assert health.returncode == 0, health.stderr

    with sqlite3.connect(database) as db:
        issued = db.execute("SELECT code FROM queueing_ticket ORDER BY id").fetchall()
    # The queues in turn, as the HTTP benchmark's kiosk takes them.
    assert [code for (code,) in issued] == ["A001", "B001", "C001", "D001", "A002"]
    refused = _child("--serve", "issue", "1", str(database), "not-a-token", var_dir=tmp_path)
    assert refused.returncode != 0 and "401" in refused.stderr


def test_the_count_is_read_from_callgrinds_summary():
    summary = b"==1== Events    : Ir\n==1== Collected : 3437591120\n==1==\n==1== I   refs:"
    assert int(_COLLECTED.search(summary).group(1)) == 3437591120
