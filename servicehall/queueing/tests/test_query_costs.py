"""What the hall's hot queries cost as the day fills up: a call, the waiting counts and an
estimate must not read the whole line (N-2.4: short waits, whatever the crowd).

Measured in SQLite's own steps (the virtual machine's instructions, counted by a progress
handler), which do not depend on the machine's speed; by the query plans; and by whether
SQLite prepares a statement again each time it is run.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt

import pytest
from django.db import connection

from servicehall.devices import api
from servicehall.devices import auth as device_auth
from servicehall.ledger import actions as ledger_actions
from servicehall.ledger.models import LedgerEntry, LedgerHead
from servicehall.lib import rows
from servicehall.queueing import actions, estimates, events
from servicehall.queueing.choices import TicketStatus
from servicehall.queueing.models import HallEvent, Ticket, WindowState
from servicehall.queueing.views_display import call_events

from .conftest import DAY, at

pytestmark = pytest.mark.sqlite


def _steps(run) -> int:
    """SQLite virtual-machine steps taken by ``run()``."""
    connection.ensure_connection()
    raw = connection.connection
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    raw.set_progress_handler(tick, 1)
    try:
        run()
    finally:
        raw.set_progress_handler(None, 1)
    return count[0]


def _plan(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql.replace("%s", "?"), params)
        return " | ".join(row[-1] for row in cursor.fetchall())


def _crowd(hall, queue, count: int, *, status=TicketStatus.WAITING, start: int = 100) -> None:
    """``count`` more tickets of the day in ``queue``, made in bulk (the line, not the
    actions, is under test here)."""
    issued = at(8, 31)  # after the fixture clock: behind the tickets issued by the actions
    Ticket.objects.bulk_create(
        Ticket(
            unit=hall.office, queue=queue, service_day=DAY, number=start + n,
            code=f"{queue.prefix}{start + n:03d}", channel="kiosk", client_type="resident",
            status=status, issued_at=issued + dt.timedelta(seconds=n),
            called_at=issued + dt.timedelta(seconds=n) if status == TicketStatus.DONE else None,
            finished_at=issued + dt.timedelta(seconds=n + 300)
            if status == TicketStatus.DONE
            else None,
        )
        for n in range(count)
    )  # fmt: skip


def test_calling_the_next_client_costs_the_same_however_long_the_line(hall, clock):
    hall.open_all()
    hall.issue()
    _crowd(hall, hall.queue_a, 20)

    def candidates():
        actions._candidates(hall.w1, DAY, hall.queue_a.pk, True)

    short = _steps(candidates)
    _crowd(hall, hall.queue_a, 600, start=200)
    long = _steps(candidates)

    # Before the index ticket_waiting, the whole line was read and sorted: 30 times more.
    assert long < short * 1.2
    ticket = actions.call_next(hall.clerk1, hall.w1)
    assert ticket.code == "A001"


def test_the_recent_service_times_are_read_without_the_days_finished_tickets(hall, clock):
    _crowd(hall, hall.queue_a, estimates.RECENT + 5, status=TicketStatus.DONE)

    def average():
        estimates.average_service_minutes(hall.queue_a.pk)

    few = _steps(average)
    _crowd(hall, hall.queue_a, 600, status=TicketStatus.DONE, start=300)
    many = _steps(average)

    assert many < few * 1.2
    assert estimates.average_service_minutes(hall.queue_a.pk) == 5


def test_the_waiting_counts_cost_the_same_however_long_the_line(hall, clock):
    hall.issue()
    _crowd(hall, hall.queue_a, 20)

    def counts():
        events.waiting_counts(hall.office.pk, DAY)

    short = _steps(counts)
    _crowd(hall, hall.queue_a, 600, start=200)
    long = _steps(counts)

    assert long == short  # the counters are read; no ticket is
    day = connection.ops.adapt_datefield_value(DAY)
    plan = _plan(events._WAITING_SQL, [day, hall.office.pk, True])
    assert "queueing_ticket " not in plan and "ticketcounter" in plan


def test_the_clients_ahead_of_a_new_ticket_cost_the_same_however_long_the_line(hall, clock):
    _crowd(hall, hall.queue_a, 20)
    _crowd(hall, hall.queue_a, estimates.RECENT + 5, status=TicketStatus.DONE, start=1500)
    clock.move_to(at(9, 0))  # after the crowd: the new ticket is the last in line
    ticket = hall.issue()

    def ahead_and_wait():
        estimates.ahead_and_wait(ticket)

    short = _steps(ahead_and_wait)
    _crowd(hall, hall.queue_a, 600, start=200)
    _crowd(hall, hall.queue_a, 600, status=TicketStatus.DONE, start=900)
    long = _steps(ahead_and_wait)

    # The answer's one query: the line's count and the 20 latest service times, however
    # many clients wait or were served. Counting the clients ahead one by one took a step
    # each: 30 times more here.
    assert long < short * 1.2
    day = connection.ops.adapt_datefield_value(DAY)
    line = [hall.queue_a.pk, day]
    plan = _plan(
        estimates._ahead_and_wait_sql("sqlite"),
        [hall.office.pk, hall.queue_a.pk, day, *line, *line, 2, "2026-03-02 01:00:00",
         hall.queue_a.pk, hall.queue_a.pk, estimates.RECENT],
    )  # fmt: skip
    assert "COVERING INDEX ticket_waiting" in plan and "FOR ORDER BY" not in plan
    # No temporary table on the way (COUNT(DISTINCT ...) and subqueries joined built one).
    assert "TEMP B-TREE" not in plan and "MATERIALIZE" not in plan
    assert "ticket_recent_service" in plan


def test_the_days_calls_are_read_from_the_index_of_calls_alone(hall, clock):
    """hall_event_unit_calls holds the call events only, so the queue event of every issued
    ticket is not written into it; the display's calls are read from it."""
    hall.open_all()
    hall.issue()
    actions.call_next(hall.clerk1, hall.w1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s",
            [HallEvent._meta.db_table],
        )
        definitions = [row[0] for row in cursor.fetchall() if row[0]]
    calls_index = [sql for sql in definitions if "hall_event_unit_calls" in sql]
    assert calls_index and calls_index[0].endswith("""WHERE "kind" = 'call'""")
    assert not any('"kind"' in sql for sql in definitions if sql not in calls_index)

    query = HallEvent.objects.filter(unit=hall.office, kind="call", at__gte=at(0, 0))
    sql, params = query.order_by("-pk").values_list("pk", "at", "data")[:10].query.sql_with_params()
    assert "hall_event_unit_calls" in _plan(sql, list(params))
    assert [event["ticket"] for event in call_events(hall.office, DAY, 10)] == ["A001"]


def test_a_ticket_number_is_drawn_through_the_counters_unique_index(hall, clock):
    plan = _plan(actions._NEXT_NUMBER_SQL, [hall.office.pk, hall.queue_a.pk, "2026-03-02"])

    assert "unit_id=? AND queue_id=? AND service_day=?" in plan


# --- prepared once ---------------------------------------------------------------------------
#
# SQLite plans a statement when it is prepared. Where a partial index could serve it if a
# bound value matched the index's condition (ticket_recent_service: status = 'done'), it
# checks the value while planning and marks the statement to be prepared again whenever
# that parameter is bound anew: every run. The ahead-and-windows query cost three times
# what it takes to run that way. sqlite3_expired() says, once the parameters are bound,
# whether the next step will prepare the statement again; Python's sqlite3 does not expose
# it, so the statements are prepared here through the same library with ctypes.

_SQLITE_OPEN_READONLY = 1
_SQLITE_TRANSIENT = ctypes.c_void_p(-1)


@pytest.fixture
def sqlite_library():
    library = ctypes.CDLL(ctypes.util.find_library("sqlite3"))
    library.sqlite3_bind_int64.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int64]
    library.sqlite3_bind_text.argtypes = [
        ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p,
    ]  # fmt: skip
    library.sqlite3_bind_null.argtypes = [ctypes.c_void_p, ctypes.c_int]
    library.sqlite3_expired.argtypes = [ctypes.c_void_p]
    library.sqlite3_finalize.argtypes = [ctypes.c_void_p]
    library.sqlite3_close.argtypes = [ctypes.c_void_p]
    handle = ctypes.c_void_p()
    opened = library.sqlite3_open_v2(
        connection.settings_dict["NAME"].encode(), ctypes.byref(handle), _SQLITE_OPEN_READONLY, None
    )
    assert opened == 0
    yield library, handle
    library.sqlite3_close(handle)


def _prepared_again_when_bound(sqlite_library, sql: str, params: list) -> bool:
    library, handle = sqlite_library
    statement = ctypes.c_void_p()
    assert library.sqlite3_prepare_v2(
        handle, rows._qmark(sql).encode(), -1, ctypes.byref(statement), None
    ) == 0, sql  # fmt: skip
    try:
        for index, value in enumerate(params, start=1):
            if value is None:
                library.sqlite3_bind_null(statement, index)
            elif isinstance(value, bool | int):
                library.sqlite3_bind_int64(statement, index, int(value))
            else:
                library.sqlite3_bind_text(
                    statement, index, str(value).encode(), -1, _SQLITE_TRANSIENT
                )
        return bool(library.sqlite3_expired(statement))
    finally:
        library.sqlite3_finalize(statement)


def test_a_bound_status_where_the_partial_index_could_apply_is_prepared_again(hall, sqlite_library):
    """The detector itself: the trap the hall's statements avoid."""
    bound = "SELECT COUNT(*) FROM queueing_ticket WHERE queue_id = %s AND status = %s"
    written_out = "SELECT COUNT(*) FROM queueing_ticket WHERE queue_id = %s AND status = 'done'"

    assert _prepared_again_when_bound(sqlite_library, bound, [hall.queue_a.pk, "done"])
    assert not _prepared_again_when_bound(sqlite_library, written_out, [hall.queue_a.pk])


def test_the_statements_of_every_issue_and_call_are_prepared_once(hall, sqlite_library):
    queue, window, day = hall.queue_a.pk, hall.w1.pk, "2026-03-02"
    moment = "2026-03-02 01:00:00"
    statements = {
        "the device": (device_auth._device_sql(), ["0" * 64]),
        "the queue": (api._queue_sql(), [hall.office.pk, "A"]),
        "the next number": (actions._NEXT_NUMBER_SQL, [hall.office.pk, queue, day]),
        "a waiting count": (actions._WAITING_CHANGE_SQL, [-1, hall.office.pk, queue, day]),
        "the waiting counts": (events._WAITING_SQL, [day, hall.office.pk, True]),
        "the ledger's head": (ledger_actions._HEAD_SQL, [hall.office.pk]),
        "the clients ahead and the wait": (
            estimates._ahead_and_wait_sql("sqlite"),
            [hall.office.pk, queue, day, queue, day, queue, day, 2, moment, queue, queue, 20],
        ),
        "the service times": (estimates._recent_sql("sqlite"), [queue, estimates.RECENT]),
        "the window's state": (actions._state_sql(False), [window]),
        "the window's queues": (actions._window_queues_sql(), [window, True]),
        "the candidates": (actions._CANDIDATES_SQL, [queue, day, True, window, day]),
        "the claim": (
            actions._claim_sql(),
            [
                TicketStatus.CALLED.value,
                window,
                hall.clerk1.pk,
                moment,
                1,
                TicketStatus.WAITING.value,
            ],
        ),
        "the window shown": (api._window_state_sql(), [window]),
        "the clerk at the window": (api._clerk_sql(), [window]),
    }
    for model in (Ticket, HallEvent, LedgerEntry):
        sql, fields, _key = rows._insert_sql(model, "sqlite")
        statements[f"a new {model.__name__}"] = (sql, [None] * len(fields))
    for model, names in (
        (Ticket, ("status", "finished_at")),
        (Ticket, ("status", "started_at")),
        (WindowState, ("current", "since")),
        (LedgerHead, ("seq", "head_hash")),
    ):
        sql, fields = rows._update_sql(model, names, "sqlite")
        statements[f"{model.__name__} {names}"] = (sql, [None] * len(fields) + [1])

    again = [
        name
        for name, (sql, params) in statements.items()
        if _prepared_again_when_bound(sqlite_library, sql, params)
    ]
    assert again == []
