"""The hot paths' hand-written statements (lib.rows) give the instances the ORM would."""

from __future__ import annotations

import threading

from django.db import connection
from django.db.models import Field

from servicehall.lib import rows
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import HallEvent, Ticket

from .conftest import at


def _values(obj) -> list:
    return [getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields]


def test_a_row_read_by_hand_is_the_instance_the_orm_reads(hall):
    ticket = hall.issue()
    hall.open(hall.w1, hall.clerk1)

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns(Ticket, 't')} FROM queueing_ticket t WHERE t.id = %s",  # noqa: S608
            [ticket.pk],
        )
        read = rows.instance(Ticket, cursor.fetchone())

    assert _values(read) == _values(Ticket.objects.get(pk=ticket.pk))
    assert read.issued_at == at(8, 30) and read.issued_at.tzinfo is not None
    assert not read._state.adding


def test_an_insert_fills_defaults_and_the_primary_key_as_save_would(hall):
    ticket = rows.insert(
        Ticket(
            unit=hall.office, queue=hall.queue_a, service_day=at(8, 30).date(), number=7,
            code="A007", channel="kiosk", client_type="resident", issued_at=at(8, 30),
        )
    )  # fmt: skip
    event = rows.insert(HallEvent(unit=hall.office, kind="queue", data={"waiting": {"A": 1}}))

    assert ticket.pk and event.pk and not ticket._state.adding
    assert _values(Ticket.objects.get(pk=ticket.pk)) == _values(ticket)
    assert (ticket.status, len(ticket.follow_token) > 0) == (TicketStatus.WAITING, True)
    stored = HallEvent.objects.get(pk=event.pk)
    assert (stored.at, stored.data) == (at(8, 30), {"waiting": {"A": 1}})
    assert event.at == at(8, 30)


def test_a_row_of_some_fields_defers_the_others(hall, django_assert_num_queries):
    ticket = hall.issue()
    names = ("code", "issued_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns(Ticket, 't', names)} FROM queueing_ticket t WHERE t.id = %s",  # noqa: S608
            [ticket.pk],
        )
        read = rows.instance(Ticket, cursor.fetchone(), names)

    with django_assert_num_queries(0):
        assert (read.pk, read.code, read.issued_at) == (ticket.pk, "A001", at(8, 30))
    assert read.get_deferred_fields() >= {"status", "queue_id"}
    with django_assert_num_queries(1):
        assert read.status == TicketStatus.WAITING


def test_each_threads_connection_converts_with_its_own_backend(db):
    def backends() -> set:
        return {
            converter.__self__
            for _index, _col, converters in rows._converters(Ticket, None)
            for converter in converters
            if hasattr(converter, "__self__") and not isinstance(converter.__self__, Field)
        }

    mine = backends()
    theirs: list = []

    def other_thread() -> None:
        theirs.append((backends(), connection.ops))
        connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()

    assert mine <= {connection.ops}
    ((found, ops),) = theirs
    assert found <= {ops} and ops is not connection.ops
