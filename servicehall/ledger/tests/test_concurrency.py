"""Several processes append to the same chains at once: no entry lost, no fork, no gap.

The children are separate Python processes with their own database connections, as
several server processes would be. They reach the test database (a file on SQLite, the
``test_`` database on PostgreSQL) through ``DATABASE_URL``, wait until all are
connected, then append in turns to two units.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from servicehall.ledger.models import LedgerEntry, LedgerHead
from servicehall.ledger.verify import Summary, verify_all, verify_unit

PROCESSES = 4
APPENDS = 50  # per process and unit
ROOT = Path(settings.BASE_DIR)

CHILD = """
import os, sys
import django

django.setup()
from django.db import connection, transaction

from servicehall.ledger.actions import Subject, append
from servicehall.ledger.choices import Channel
from servicehall.ledger.registry import register_event

register_event("test.concurrent", 1, "An append by a concurrency test.")
units = [int(pk) for pk in os.environ["LEDGER_TEST_UNITS"].split(",")]
worker = os.environ["LEDGER_TEST_WORKER"]
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()  # Everyone starts together.
for n in range(int(os.environ["LEDGER_TEST_APPENDS"])):
    for unit in units:
        with transaction.atomic():
            append(
                unit=unit,
                event="test.concurrent",
                subject=Subject("test.worker", worker),
                payload={"worker": worker, "n": n},
                channel=Channel.SYSTEM,
            )
print("done", flush=True)
"""


def _database_url() -> str:
    """The test database, as the children's settings read it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        path = Path(db["NAME"])
        assert path.is_absolute() and path.exists(), "the SQLite test database must be a file"
        return f"sqlite:///{path}"
    credentials = quote(db["USER"])
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_every_chain_whole(world):
    units = [world.office, world.other_office]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servicehall.settings",
        "DATABASE_URL": _database_url(),
        "LEDGER_TEST_UNITS": ",".join(str(unit.pk) for unit in units),
        "LEDGER_TEST_APPENDS": str(APPENDS),
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD],
            cwd=ROOT,
            env={**env, "LEDGER_TEST_WORKER": str(worker)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(PROCESSES)
    ]
    try:
        for child in children:
            line = child.stdout.readline()
            assert line == "ready\n", child.stderr.read()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=300) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert out == "done\n"

    total = PROCESSES * APPENDS
    for unit in units:
        seqs = list(
            LedgerEntry.objects.filter(unit=unit).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, total + 1))
        assert verify_unit(unit.pk, Summary()) is None
        assert LedgerHead.objects.get(unit=unit).seq == total
        per_worker = {
            str(worker): LedgerEntry.objects.filter(unit=unit, subject_id=str(worker)).count()
            for worker in range(PROCESSES)
        }
        assert per_worker == {str(worker): APPENDS for worker in range(PROCESSES)}
    assert LedgerEntry.objects.count() == 2 * total
    assert verify_all()[0] == []
