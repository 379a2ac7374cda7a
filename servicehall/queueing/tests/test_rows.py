"""The hot paths' hand-written statements (lib.rows) give the instances the ORM would."""

from __future__ import annotations

import threading

import pytest
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    connection,
    connections,
    models,
    transaction,
)
from django.db.models import Field
from django.db.transaction import TransactionManagementError
from hypothesis import given
from hypothesis import strategies as st

from servicehall.lib import rows
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import HallEvent, Ticket, WindowState

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


def test_a_row_inserted_from_values_is_the_row_an_instance_would_insert(hall):
    """insert_values prepares each value as insert prepares an instance's: the time and the
    JSON the backend's way, the rest as it is; update_values likewise."""
    data = {"waiting": {"A": 1}, "note": "请稍候"}
    # The instance's time is auto_now_add (the fixture's clock); the values name theirs.
    by_instance = rows.insert(HallEvent(unit=hall.office, kind="queue", data=data))
    by_values = rows.insert_values(HallEvent, [hall.office.pk, by_instance.at, "queue", data])

    stored = HallEvent.objects.get(pk=by_values)
    assert by_values == by_instance.pk + 1
    assert _values(stored)[1:] == _values(HallEvent.objects.get(pk=by_instance.pk))[1:]
    assert stored.at == at(8, 30) and stored.data == data

    rows.update_values(HallEvent, by_values, kind="call", at=at(10))
    stored.refresh_from_db()
    assert (stored.kind, stored.at, stored.data) == ("call", at(10), data)


@pytest.mark.parametrize("logged", [False, True], ids=["driver's cursor", "Django's cursor"])
def test_each_insert_answers_its_own_rows_key(hall, logged, django_assert_num_queries):
    """Inserts into two tables in turn: each answers the key of the row it inserted (on
    SQLite the driver's last rowid, with no RETURNING; see _insert_sql), whether Django
    logs the statements or not."""
    keys = []

    def insert_both() -> None:
        for _ in range(2):
            event = rows.insert_values(HallEvent, [hall.office.pk, at(9), "queue", {}])
            keys.append(("event", event))
            ticket = Ticket(
                unit=hall.office, queue=hall.queue_a, service_day=at(9).date(), number=len(keys),
                code=f"A{len(keys):03d}", channel="kiosk", client_type="resident", issued_at=at(9),
            )  # fmt: skip
            keys.append(("ticket", rows.insert(ticket).pk))

    if logged:
        with django_assert_num_queries(4) as captured:
            insert_both()
        returning = [query["sql"].endswith('RETURNING "id"') for query in captured]
        assert returning == [connection.vendor != "sqlite"] * 4
    else:
        insert_both()

    events = HallEvent.objects.filter(at=at(9)).order_by("id").values_list("id", flat=True)
    assert [key for kind, key in keys if kind == "event"] == list(events)
    tickets = [key for kind, key in keys if kind == "ticket"]
    assert tickets == list(Ticket.objects.order_by("id").values_list("id", flat=True))
    assert [Ticket.objects.get(pk=key).code for key in tickets] == ["A001", "A003"]


def test_a_new_instance_is_the_one_its_keywords_would_build(hall):
    day = at(9).date()
    given = {
        "unit_id": hall.office.pk, "queue_id": hall.queue_a.pk, "service_day": day,
        "channel": "kiosk", "client_type": "resident", "priority": 1,
        "green_reason": "elderly",
    }  # fmt: skip
    built, by_keyword = rows.new(Ticket, **given), Ticket(**given)

    # The follow code is a fresh random default for each ticket.
    assert len(built.follow_token) == len(by_keyword.follow_token) >= 16
    assert built.follow_token != by_keyword.follow_token
    by_keyword.follow_token = built.follow_token
    assert _values(built) == _values(by_keyword)
    assert (built.pk, built.status, built.recalls, built.code) == (None, "waiting", 0, "")
    assert built._state.adding and built._state.db is None
    with pytest.raises(TypeError, match="Ticket has no fields colour, queue"):
        rows.new(Ticket, queue=hall.queue_a, colour="red")


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
            for _index, _col, converters in rows._converters(Ticket, None, rows.connection())
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


# --- statements on the driver's cursor -------------------------------------------------------


def test_statements_on_the_drivers_cursor_read_what_djangos_cursor_reads(hall):
    first, second = hall.issue(), hall.issue()
    sql = "SELECT code, number FROM queueing_ticket WHERE queue_id = %s ORDER BY number"

    with connection.cursor() as cursor:
        cursor.execute(sql, [hall.queue_a.pk])
        expected = cursor.fetchall()

    assert rows.fetchall(sql, [hall.queue_a.pk]) == expected == [("A001", 1), ("A002", 2)]
    assert rows.fetchone(sql, [hall.queue_a.pk]) == ("A001", 1)
    assert rows.fetchone(sql, [-1]) is None
    changed = rows.execute(
        "UPDATE queueing_ticket SET recalls = recalls + 1 WHERE id IN (%s, %s)",
        [first.pk, second.pk],
    )
    assert changed == 2
    assert sorted(Ticket.objects.values_list("recalls", flat=True)) == [1, 1]
    # A literal percent sign is written %% in Django's style, as with its own cursor.
    assert rows.fetchone("SELECT 'a%%b', %s", ["c"]) == ("a%b", "c")


def test_statements_are_counted_where_django_counts_queries(hall, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows.fetchone("SELECT 1")
        rows.fetchall("SELECT id FROM queueing_queue WHERE unit_id = %s", [hall.office.pk])


def test_a_database_error_is_djangos_and_changes_nothing(hall):
    first, second = hall.issue(), hall.issue()

    with pytest.raises(IntegrityError), transaction.atomic():
        rows.execute("UPDATE queueing_ticket SET recalls = 5 WHERE id = %s", [first.pk])
        # The code is unique in the unit and day (ticket_code_unique).
        rows.execute("UPDATE queueing_ticket SET code = %s WHERE id = %s", ["A001", second.pk])

    assert sorted(Ticket.objects.values_list("code", "recalls")) == [("A001", 0), ("A002", 0)]


def test_a_broken_transaction_refuses_further_statements(hall):
    with transaction.atomic():
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError):
            rows.fetchone("SELECT 1")


def test_plain_values_are_saved_as_the_orm_prepares_them(hall):
    ticket = hall.issue()
    hall.open(hall.w1, hall.clerk1)
    state = WindowState.objects.get(window=hall.w1)
    conn = connections[DEFAULT_DB_ALIAS]
    for obj in (ticket, state, HallEvent.objects.first()):
        _sql, fields, _key = rows._insert_sql(type(obj), conn.vendor)
        plain = [(field, attname) for field, attname, kind in fields if kind is not None]
        assert plain, type(obj)
        expected = [field.get_db_prep_save(field.pre_save(obj, False), conn) for field, _a in plain]
        saved = dict(
            zip(
                (field.attname for field, _a, _k in fields),
                rows._saved_values(obj, fields, conn, False),
                strict=True,
            )
        )
        assert [saved[attname] for _field, attname in plain] == expected


def test_every_value_is_saved_as_the_orm_prepares_it(hall):
    """Plain values, moments (aware, and None for those not yet come), days and JSON: each
    as the field's own preparation makes it, whichever way lib.rows takes."""
    waiting = hall.issue()
    finished = hall.issue()
    Ticket.objects.filter(pk=finished.pk).update(
        status=TicketStatus.DONE, called_at=at(9), started_at=at(9, 5), finished_at=at(9, 20)
    )
    finished.refresh_from_db()
    conn = connections[DEFAULT_DB_ALIAS]
    for obj in (waiting, finished, HallEvent.objects.first()):
        _sql, fields, _key = rows._insert_sql(type(obj), conn.vendor)
        expected = [
            field.get_db_prep_save(field.pre_save(obj, False), conn) for field, *_ in fields
        ]
        saved = rows._saved_values(obj, fields, conn, False)
        # PostgreSQL's JSON adapter (Jsonb) has no equality of its own: its object has.
        assert [getattr(v, "obj", v) for v in saved] == [getattr(v, "obj", v) for v in expected]
    assert waiting.called_at is None and finished.called_at is not None


@given(
    text=st.one_of(st.none(), st.text(max_size=20)),
    number=st.one_of(st.none(), st.integers(-(2**40), 2**40)),
    flag=st.one_of(st.none(), st.booleans()),
)
def test_each_plain_field_type_saves_its_values_unchanged(text, number, flag):
    conn = connections[DEFAULT_DB_ALIAS]
    for field, value in (
        (models.CharField(max_length=20), text),
        (models.TextField(), text),
        (models.IntegerField(), number),
        (models.PositiveIntegerField(), number),
        (models.BigIntegerField(), number),
        (models.BooleanField(), flag),
    ):
        assert rows._plain_type(field) in (str, int, bool)
        assert field.get_db_prep_save(value, conn) == value


def test_fields_that_prepare_their_values_take_the_orms_way():
    assert rows._plain_type(models.DateTimeField(auto_now_add=True)) is None
    assert rows._plain_type(models.DateField()) is None
    assert rows._plain_type(models.JSONField()) is None
    assert rows._plain_type(Ticket._meta.get_field("queue")) is int
    assert rows._plain_type(Ticket._meta.get_field("status")) is str
