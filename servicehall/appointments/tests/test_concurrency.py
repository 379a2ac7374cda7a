"""Concurrent bookings: never more than the capacity, never two active bookings of one ID
number for one item and day, every booking in the ledger.

Each thread has its own database connection, as each server process would; they wait
at a barrier and book at once. Run on SQLite (IMMEDIATE transactions) and PostgreSQL
(READ COMMITTED, compare-and-set on the slot, partial unique index on the bookings).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from servicehall.appointments.actions import BookingError
from servicehall.appointments.models import Appointment, Slot
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import verify_all

from .factories import book, make_items, make_queues, make_slot

THREADS = 8


def _run_at_once(jobs) -> tuple[list, list]:
    """Run each job in its own thread, all released together; their results and errors."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [], []
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait(timeout=30)
            result = job()
            with lock:
                results.append(result)
        except BookingError as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def _future_slots(world, *, capacity: int, count: int = 1) -> list[Slot]:
    items = make_items(world)
    make_queues(world.office, items)
    start = timezone.localtime(timezone.now(), timezone.get_default_timezone()).replace(
        hour=9, minute=0, second=0, microsecond=0
    ) + dt.timedelta(days=7)
    return [
        make_slot(world.office, items["benefit"], start + dt.timedelta(hours=n), capacity=capacity)
        for n in range(count)
    ]


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_last_places_go_to_as_many_clients_as_there_are_places(world):
    (slot,) = _future_slots(world, capacity=5)
    book(slot, 100)
    book(slot, 101)  # three places are left
    results, errors = _run_at_once([lambda n=n: book(slot, n) for n in range(1, THREADS + 1)])
    assert len(results) == 3 and len(errors) == THREADS - 3
    assert all("fully booked" in " ".join(e.messages) or "约满" in " ".join(e.messages)
               for e in errors)  # fmt: skip
    assert Slot.objects.get(pk=slot.pk).booked == 5
    assert Appointment.objects.filter(slot=slot).count() == 5
    assert LedgerEntry.objects.filter(event_type="appointments.booked").count() == 5
    assert verify_all()[0] == []


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_one_id_number_booking_several_times_at_once_gets_one_booking(world):
    slots = _future_slots(world, capacity=5, count=4)
    chosen = [slots[n % len(slots)] for n in range(THREADS)]
    jobs = [lambda s=slot: book(s, 7) for slot in chosen]
    results, errors = _run_at_once(jobs)
    assert len(results) == 1 and len(errors) == THREADS - 1
    assert all("id_number" in e.message_dict for e in errors)
    assert Appointment.objects.count() == 1
    assert sum(Slot.objects.values_list("booked", flat=True)) == 1
    assert LedgerEntry.objects.filter(event_type="appointments.booked").count() == 1
