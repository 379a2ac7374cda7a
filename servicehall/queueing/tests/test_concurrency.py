"""Invariant 3 under load: several processes issue tickets into one queue while several
windows call at the same time. No number is drawn twice (numbers are exactly 1..N), no
ticket is called by two windows, no ticket is lost, and the unit's ledger chain verifies.

The children are separate Python processes with their own database connections, as
several server processes (kiosks, counter desks) would be. They reach the test database
(a file on SQLite, the ``test_`` database on PostgreSQL) through ``DATABASE_URL``, wait
until all are connected, then start together.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.tests.test_concurrency import _database_url
from servicehall.ledger.verify import Summary, verify_all, verify_unit
from servicehall.org.choices import Role
from servicehall.org.models import Window
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import Ticket, TicketCounter, WindowQueue
from servicehall.testing import make_user

from .conftest import make_hall

ISSUERS = 4
TICKETS = 30  # per issuing process
CALLERS = 4

CHILD = """
import json, os, sys, time
import django

django.setup()
from django.db import connection

from servicehall.org.models import User, Window
from servicehall.queueing.actions import call_next, finish_service, issue_ticket
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import Queue, Ticket

queue = Queue.objects.get(pk=int(os.environ["HALL_QUEUE"]))
expected = int(os.environ["HALL_EXPECTED"])
role = os.environ["HALL_ROLE"]
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()  # Everyone starts together.
started = time.perf_counter()
done = []
if role == "issue":
    for _n in range(int(os.environ["HALL_TICKETS"])):
        ticket = issue_ticket(queue=queue, channel="kiosk", client_type="resident")
        done.append([ticket.pk, ticket.number])
else:
    clerk = User.objects.get(username=os.environ["HALL_CLERK"])
    window = Window.objects.get(pk=int(os.environ["HALL_WINDOW"]))
    while True:
        ticket = call_next(clerk, window)
        if ticket is not None:
            finish_service(clerk, window)
            done.append(ticket.pk)
            continue
        issued = Ticket.objects.filter(queue=queue).count()
        if issued == expected and not Ticket.objects.filter(
            queue=queue, status=TicketStatus.WAITING
        ).exists():
            break
        time.sleep(0.02)  # Nobody waits yet: let the issuers in.
print(json.dumps({"done": done, "seconds": time.perf_counter() - started}), flush=True)
"""


def _run(children_env: list[dict]) -> tuple[list[dict], float]:
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD],
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for env in children_env
    ]
    try:
        for child in children:
            line = child.stdout.readline()
            assert line == "ready\n", child.stderr.read()
        started = time.perf_counter()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=300) for child in children]
        elapsed = time.perf_counter() - started
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    outputs = []
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        outputs.append(json.loads(out))
    return outputs, elapsed


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_and_calling_lose_nothing_and_call_once(world, record_property):
    hall = make_hall(world)
    w4 = Window.objects.create(unit=hall.office, number=4, name="综合受理四")
    WindowQueue.objects.create(window=w4, queue=hall.queue_a, preference=1)
    clerk4 = make_user("he", Role.CLERK, hall.office, "A004")
    windows = [(hall.w1, hall.clerk1), (hall.w2, hall.clerk2), (hall.w3, hall.clerk3), (w4, clerk4)]
    for window, clerk in windows[:CALLERS]:
        hall.open(window, clerk)
    total = ISSUERS * TICKETS
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servicehall.settings",
        "DATABASE_URL": _database_url(),
        "HALL_QUEUE": str(hall.queue_a.pk),
        "HALL_EXPECTED": str(total),
        "HALL_TICKETS": str(TICKETS),
    }
    issuers = [{**base, "HALL_ROLE": "issue"} for _n in range(ISSUERS)]
    callers = [
        {**base, "HALL_ROLE": "call", "HALL_WINDOW": str(w.pk), "HALL_CLERK": c.username}
        for w, c in windows[:CALLERS]
    ]

    outputs, elapsed = _run(issuers + callers)

    issued = [row for out in outputs[:ISSUERS] for row in out["done"]]
    called = {w.pk: out["done"] for (w, _c), out in zip(windows, outputs[ISSUERS:], strict=True)}
    # No duplicate number: the numbers are exactly 1..N, and so is the counter.
    numbers = sorted(Ticket.objects.filter(queue=hall.queue_a).values_list("number", flat=True))
    assert numbers == list(range(1, total + 1))
    assert sorted(number for _pk, number in issued) == numbers
    assert TicketCounter.objects.get(queue=hall.queue_a).last == total
    # No ticket called by two windows, none lost: every ticket called once, by its window.
    all_called = [pk for pks in called.values() for pk in pks]
    assert len(all_called) == len(set(all_called)) == total
    assert set(all_called) == {pk for pk, _number in issued}
    for window_pk, pks in called.items():
        assert set(Ticket.objects.filter(pk__in=pks).values_list("window_id", flat=True)) <= {
            window_pk
        }
    assert Ticket.objects.filter(status=TicketStatus.DONE).count() == total
    calls = Counter(
        LedgerEntry.objects.filter(event_type="hall.ticket_called").values_list(
            "subject_id", flat=True
        )
    )
    assert len(calls) == total and set(calls.values()) == {1}
    # The chain is whole, and every ticket row equals what its last entry recorded.
    assert verify_unit(hall.office.pk, Summary()) is None
    assert verify_all()[0] == []

    per_window = {w.number: len(called[w.pk]) for w, _c in windows[:CALLERS]}
    slowest_issuer = max(out["seconds"] for out in outputs[:ISSUERS])
    record_property("elapsed_seconds", round(elapsed, 3))
    print(
        f"\n[{connection.vendor}] {ISSUERS} issuers x {TICKETS} tickets, {CALLERS} windows: "
        f"all issued in {slowest_issuer:.2f} s ({total / slowest_issuer:.0f} tickets/s), "
        f"all called and finished in {elapsed:.2f} s; calls per window {per_window}"
    )
