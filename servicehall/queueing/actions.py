"""The hall's actions: issue, call, recall, skip, start, finish, transfer, call a chosen
ticket, open (三提前), pause, resume, close. Each checks its rules, changes its rows in one
transaction, writes one ledger entry and queues its live event (design.md)."""

from __future__ import annotations

import datetime as dt
import functools

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.choices import ClientType
from servicehall.ledger.actions import Subject, append, append_row
from servicehall.ledger.choices import Channel
from servicehall.ledger.registry import Reconciler, register_event, register_reconciler
from servicehall.lib import rows
from servicehall.org.choices import UNIT_STAFF_ROLES
from servicehall.org.models import DutyAssignment, Window
from servicehall.supervision.flags import raise_flag

from . import events
from .choices import (
    GreenReason,
    PauseReason,
    Priority,
    TicketChannel,
    TicketStatus,
    WindowStatus,
)
from .models import (
    HallSettings,
    OpeningCheck,
    Queue,
    Ticket,
    TicketCounter,
    WindowState,
)

for name, description, clauses in (
    ("hall.ticket_issued", "A ticket is issued.", ("N-1.1", "N-5.4")),
    ("hall.ticket_called", "A ticket is called to a window.", ("N-2.3", "P-W01")),
    ("hall.ticket_chosen", "A chosen ticket is called out of order, with a reason.", ("D-13",)),
    ("hall.ticket_recalled", "A called ticket is called again.", ("N-2.3",)),
    ("hall.ticket_no_show", "A called client did not come.", ("N-2.3",)),
    ("hall.service_started", "The service of a ticket starts.", ("N-2.4",)),
    ("hall.service_finished", "The service of a ticket ends.", ("N-2.4", "P-W26")),
    ("hall.ticket_transferred", "A ticket moves to another queue or window.", ("P-W18",)),
    ("hall.window_opened", "A window's opening checklist is signed.", ("N-5.1",)),
    ("hall.window_paused", "A window pauses, with a reason and a length.", ("D-01",)),
    ("hall.window_resumed", "A paused window resumes.", ("D-01",)),
    ("hall.window_closed", "A window closes.", ("D-01",)),
):
    register_event(name, 1, description, clauses)


def ticket_state(row: Ticket) -> dict:
    return {
        "status": row.status,
        "queue": row.queue_id,
        "window": row.window_id,
        "target_window": row.target_window_id,
        "priority": row.priority,
        "issued_at": row.issued_at.isoformat(),
    }


register_reconciler(Reconciler("queueing.ticket", Ticket, ticket_state))


class HallError(ValidationError):
    """A hall action that the current state does not allow, said in the user's language."""


# --- helpers ------------------------------------------------------------------------------


def _today() -> dt.date:
    # The hall's service day, in the configured time zone, which no request replaces: the
    # current time zone's lookup (a context-local read) cost three times the date itself.
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _check_clerk(clerk, window: Window) -> None:
    if clerk.role not in UNIT_STAFF_ROLES or clerk.unit_id != window.unit_id:
        raise PermissionDenied(_("Only staff of this unit work at its windows."))


@functools.cache
def _state_sql(lock_of: bool) -> str:
    # Every call, start and finish locks its window's state and reads the current ticket
    # with its queue (the answer names it): one statement written once, where the ORM's
    # query cost ten times what it takes to run. PostgreSQL refuses FOR UPDATE on the
    # nullable side of an outer join: the state row alone is locked. SQLite has no FOR
    # UPDATE; its IMMEDIATE transaction holds the write lock already.
    return (
        f"SELECT {rows.columns(WindowState, 's')}, {rows.columns(Ticket, 't')}, "  # noqa: S608
        f"{rows.columns(Queue, 'q')} FROM queueing_windowstate s "
        "LEFT JOIN queueing_ticket t ON t.id = s.current_id "
        "LEFT JOIN queueing_queue q ON q.id = t.queue_id WHERE s.window_id = %s"
        + (" FOR UPDATE OF s" if lock_of else "")
    )


def _read_locked_state(window: Window) -> WindowState | None:
    row = rows.fetchone(_state_sql(connection.features.has_select_for_update_of), [window.pk])
    if row is None:
        return None
    state, current, queue = rows.instances(row, WindowState, Ticket, Queue)
    if current is not None:
        rows.attach(current, "queue", queue)
    rows.attach(state, "current", current)
    rows.attach(state, "window", window)
    return state


def _locked_state(window: Window) -> WindowState:
    state = _read_locked_state(window)
    if state is not None:
        return state
    # The row is made on the window's first action only, not tried on every call.
    WindowState.objects.bulk_create(
        [WindowState(window=window, unit_id=window.unit_id)], ignore_conflicts=True
    )
    return _read_locked_state(window)


def _state_at_work(clerk, window: Window) -> WindowState:
    """The window's state, locked, checked to be open or paused by this clerk."""
    _check_clerk(clerk, window)
    state = _locked_state(window)
    if state.status == WindowStatus.CLOSED:
        raise HallError(_("Open the window first: sign the opening checklist."))
    if state.clerk_id != clerk.pk:
        raise PermissionDenied(_("Another clerk is working at this window."))
    return state


def _current(state: WindowState, *statuses: str) -> Ticket:
    ticket = state.current
    if ticket is None or ticket.status not in statuses:
        raise HallError(_("There is no client at this window for that."))
    return ticket


def _record(ticket: Ticket, event: str, *, actor=None, channel=Channel.STAFF, **extra) -> None:
    append_row(
        unit=ticket.unit_id,
        event=event,
        subject=Subject.of(ticket),
        payload={"state": ticket_state(ticket), "ticket": ticket.code, **extra},
        actor=actor,
        channel=channel,
    )


def _call_event(ticket: Ticket, window: Window, clerk, *, recall: bool = False) -> None:
    events.emit(
        ticket.unit_id,
        "call",
        {
            "ticket": ticket.code,
            "window": window.number,
            "window_name": window.name,
            "staff_no": clerk.staff_no or "",
            "recall": recall,
            "waiting": events.waiting_counts(ticket.unit_id, ticket.service_day),
        },
    )


def _queue_event(unit_id: int, service_day: dt.date, conn=None) -> None:
    conn = conn or rows.connection()
    waiting = events.waiting_counts(unit_id, service_day, conn)
    events.emit(unit_id, "queue", {"waiting": waiting}, conn)


# --- issuing ------------------------------------------------------------------------------

# The queue's next number in one statement: the UPDATE takes the row's lock (PostgreSQL;
# SQLite's IMMEDIATE transaction holds the write lock already) and returns the number, so
# two issues never get the same one (invariant 3). The ORM needs three statements.
_NEXT_NUMBER_SQL = (
    "UPDATE queueing_ticketcounter SET last = last + 1, waiting = waiting + 1 "
    "WHERE unit_id = %s AND queue_id = %s AND service_day = %s RETURNING last"
)

# A ticket joins or leaves the line of its queue and day (call, transfer): the counter the
# events' waiting counts are read from (TicketCounter.waiting).
_WAITING_CHANGE_SQL = (
    "UPDATE queueing_ticketcounter SET waiting = waiting + %s "
    "WHERE unit_id = %s AND queue_id = %s AND service_day = %s RETURNING waiting"
)


def _on_counter(sql: str, unit_id: int, queue_id: int, day: dt.date, *values, conn=None) -> tuple:
    """The row of ``sql``, an UPDATE ... RETURNING of the counter of the queue and day
    (``values``, then the counter's key), made the first time it is needed: the queue's
    first ticket of the day, or a ticket transferred to a queue that issued none that day.
    The key names the unit too, so that the counter's unique index finds the row."""
    conn = conn or rows.connection()
    params = [*values, unit_id, queue_id, conn.ops.adapt_datefield_value(day)]
    row = rows.fetchone(sql, params, conn)
    if row is None:
        TicketCounter.objects.bulk_create(
            [TicketCounter(unit_id=unit_id, queue_id=queue_id, service_day=day)],
            ignore_conflicts=True,
        )
        row = rows.fetchone(sql, params, conn)
    return row


def _count_waiting(ticket: Ticket, change: int) -> None:
    """Add ``change`` to the waiting count of the ticket's queue and day."""
    _on_counter(_WAITING_CHANGE_SQL, ticket.unit_id, ticket.queue_id, ticket.service_day, change)


def _next_number(queue: Queue, day: dt.date, conn=None) -> int:
    """The next ticket number of the queue and day; inside the issuing transaction."""
    return _on_counter(_NEXT_NUMBER_SQL, queue.unit_id, queue.pk, day, conn=conn)[0]


# Checked on every issue: the choices' ``values`` makes a new list on each call.
_CHANNELS = frozenset(TicketChannel.values)
_CLIENT_TYPES = frozenset(ClientType.values)
_GREEN_REASONS = frozenset(GreenReason.values)


def issue_ticket(
    *,
    queue: Queue,
    channel: str,
    client_type: str,
    item=None,
    green_reason: str = "",
    actor=None,
    record: bool = True,
) -> Ticket:
    """A new ticket, numbered per unit, queue and day (A001, A002, ...).

    ``record=False`` is for an action that issues a ticket as part of its own change
    (appointment check-in) and writes the one ledger entry itself.

    The priority class comes from the published rules only: the green channel with its
    reason (N-5.4), then appointments, then everyone else (N-2.3).
    """
    if channel not in _CHANNELS:
        raise HallError(_("Unknown ticket channel."))
    if client_type not in _CLIENT_TYPES:
        raise HallError(_("Choose the kind of client."))
    if green_reason and green_reason not in _GREEN_REASONS:
        raise HallError(_("Choose a reason for the green channel."))
    if channel == TicketChannel.GUIDE_DESK and actor is None:
        raise HallError(_("A ticket from the guidance desk names the staff member."))
    if green_reason and actor is None:
        # The green channel is granted by staff who saw the need, never claimed at a kiosk.
        raise HallError(_("The green channel is granted by staff at the guidance desk."))
    if actor is not None and (actor.unit_id != queue.unit_id or actor.role not in UNIT_STAFF_ROLES):
        raise PermissionDenied(_("Only staff of this unit issue its tickets."))
    if not queue.active:
        raise HallError(_("This queue is not in service."))
    if item is not None and queue.items.exists() and not queue.items.filter(pk=item.pk).exists():
        raise HallError(_("This queue does not serve that item."))
    if green_reason:
        priority = Priority.GREEN
    elif channel == TicketChannel.APPOINTMENT:
        priority = Priority.APPOINTMENT
    else:
        priority = Priority.NORMAL
    day = _today()
    # Built before the write lock is taken, numbered under it: only the statements wait
    # for the lock, not the building of the instance.
    ticket = rows.new(
        Ticket, unit_id=queue.unit_id, queue_id=queue.pk, service_day=day, channel=channel,
        client_type=client_type, item_id=item.pk if item is not None else None,
        priority=priority, green_reason=green_reason,
    )  # fmt: skip
    rows.attach(ticket, "queue", queue)
    if item is not None:
        rows.attach(ticket, "item", item)
    conn = rows.connection()
    with transaction.atomic():
        ticket.number = number = _next_number(queue, day, conn)
        ticket.code = f"{queue.prefix}{number:03d}"
        # Issued when numbered: the line's order (N-2.3) follows the numbers.
        ticket.issued_at = timezone.now()
        rows.insert(ticket, conn)
        ledger_channel = {
            TicketChannel.KIOSK: Channel.KIOSK,
            TicketChannel.APPOINTMENT: Channel.KIOSK,
            TicketChannel.PHONE: Channel.PHONE,
        }.get(channel, Channel.STAFF)
        if record:
            _record(
                ticket, "hall.ticket_issued", actor=actor,
                channel=Channel.STAFF if actor else ledger_channel,
                client_type=client_type, green_reason=green_reason,
            )  # fmt: skip
        _queue_event(ticket.unit_id, day, conn)
    return ticket


# --- calling ------------------------------------------------------------------------------


@functools.cache
def _window_queues_sql() -> str:
    return (
        f"SELECT {rows.columns(Queue, 'q')} FROM queueing_windowqueue wq "  # noqa: S608
        "JOIN queueing_queue q ON q.id = wq.queue_id WHERE wq.window_id = %s AND q.active = %s "
        "ORDER BY wq.preference, q.prefix"
    )


def _window_queues(window: Window) -> list[Queue]:
    """The active queues the window serves, first preference first."""
    return [
        rows.instance(Queue, row) for row in rows.fetchall(_window_queues_sql(), [window.pk, True])
    ]


def _pool_keys(queues: list[Queue]) -> list[tuple[int | None, bool]]:
    """The window's pools in the order it takes them, each as (queue id, whether tickets
    transferred to this window belong to it): the transferred tickets together with the
    first-preference queue, then each further queue; without queues, the transferred
    tickets alone. :func:`_pools` and :func:`call_next` both read them."""
    keys = [(queue.pk, index == 0) for index, queue in enumerate(queues)]
    return keys or [(None, True)]


def _pools(window: Window, day: dt.date) -> list:
    """Candidate querysets in the order the window takes them (the counter desk shows them)."""
    waiting = Ticket.objects.filter(service_day=day, status=TicketStatus.WAITING)
    pools = []
    for queue_id, transferred in _pool_keys(_window_queues(window)):
        if queue_id is None:
            condition = Q(target_window=window)
        else:
            condition = Q(queue_id=queue_id, target_window__isnull=True)
            if transferred:
                condition |= Q(target_window=window)
        pools.append(waiting.filter(condition).order_by("priority", "issued_at", "id"))
    return pools


# call_next's candidates, pool by pool, as :func:`_pools` orders them: one statement
# written once, where the ORM's query cost ten times what it takes to run. The queue's
# own tickets are read in calling order off the index ticket_waiting (no sort, however
# long the line), those transferred to the window off ticket_target_window; the two
# short lists are merged. The status is written out, not bound (see estimates.py:
# SQLite prepares a statement again each time a bound status is compared where the
# partial index ticket_recent_service could apply).
_CANDIDATES_SQL = (
    "SELECT id FROM ("  # noqa: S608 - the status is a constant
    "SELECT * FROM (SELECT id, priority, issued_at FROM queueing_ticket WHERE queue_id = %s "
    f"AND service_day = %s AND status = '{TicketStatus.WAITING.value}' "
    "AND target_window_id IS NULL ORDER BY priority, issued_at, id LIMIT 20) own "
    "UNION ALL SELECT id, priority, issued_at FROM queueing_ticket WHERE %s "
    f"AND target_window_id = %s AND status = '{TicketStatus.WAITING.value}' "
    "AND service_day = %s) pool ORDER BY priority, issued_at, id LIMIT 20"
)


def _candidates(window: Window, day: dt.date, queue_id: int | None, transferred: bool) -> list:
    day = connection.ops.adapt_datefield_value(day)
    params = [queue_id, day, transferred, window.pk, day]
    return [row[0] for row in rows.fetchall(_CANDIDATES_SQL, params)]


@functools.cache
def _claim_sql() -> str:
    return (
        "UPDATE queueing_ticket SET status = %s, window_id = %s, clerk_id = %s, "  # noqa: S608
        "called_at = %s, target_window_id = NULL, recalls = 0 "
        f"WHERE id = %s AND status = %s RETURNING {rows.columns(Ticket)}"
    )


def _claim(ticket_id: int, window: Window, clerk, now) -> Ticket | None:
    """Compare-and-set: a waiting ticket goes to one window only. The called ticket, or
    None if another window called it first."""
    params = [
        TicketStatus.CALLED.value, window.pk, clerk.pk,
        connection.ops.adapt_datetimefield_value(now), ticket_id, TicketStatus.WAITING.value,
    ]  # fmt: skip
    row = rows.fetchone(_claim_sql(), params)
    if row is None:
        return None
    ticket = rows.instance(Ticket, row)
    _count_waiting(ticket, -1)
    return ticket


def call_next(clerk, window: Window) -> Ticket | None:
    """Call the next client: priority class, then issue time (N-2.3). None when nobody waits."""
    with transaction.atomic():
        state = _state_at_work(clerk, window)
        if state.status != WindowStatus.OPEN:
            raise HallError(_("Resume the window before calling."))
        if state.current is not None and state.current.status in (
            TicketStatus.CALLED, TicketStatus.SERVING,
        ):  # fmt: skip
            raise HallError(_("Finish, transfer or skip the current client first."))
        now, day = timezone.now(), _today()
        queues = _window_queues(window)
        for queue_id, transferred in _pool_keys(queues):
            for ticket_id in _candidates(window, day, queue_id, transferred):
                ticket = _claim(ticket_id, window, clerk, now)
                if ticket is not None:
                    # Its queue, when the window serves it (a ticket transferred to the
                    # window from another queue reads its own when asked).
                    for queue in queues:
                        if queue.pk == ticket.queue_id:
                            rows.attach(ticket, "queue", queue)
                    rows.attach(ticket, "window", window)
                    state.current, state.since = ticket, now
                    rows.update(state, "current", "since")
                    _record(ticket, "hall.ticket_called", actor=clerk, window=window.number)
                    _call_event(ticket, window, clerk)
                    return ticket
        return None


def call_chosen(clerk, window: Window, ticket: Ticket, *, reason: str) -> Ticket:
    """Call a particular ticket out of order: only with a reason, recorded and flagged (D-13)."""
    reason = reason.strip()
    if not reason:
        raise HallError(_("Calling a chosen client needs a reason."))
    with transaction.atomic():
        state = _state_at_work(clerk, window)
        if state.status != WindowStatus.OPEN:
            raise HallError(_("Resume the window before calling."))
        if state.current is not None and state.current.status in (
            TicketStatus.CALLED, TicketStatus.SERVING,
        ):  # fmt: skip
            raise HallError(_("Finish, transfer or skip the current client first."))
        if ticket.unit_id != window.unit_id or ticket.service_day != _today():
            raise HallError(_("That ticket is not waiting here today."))
        now = timezone.now()
        ticket = _claim(ticket.pk, window, clerk, now)
        if ticket is None:
            raise HallError(_("That ticket is no longer waiting."))
        state.current, state.since = ticket, now
        rows.update(state, "current", "since")
        _record(ticket, "hall.ticket_chosen", actor=clerk, window=window.number, reason=reason)
        raise_flag(
            unit_id=ticket.unit_id, clause="D-13", key=f"D-13:ticket:{ticket.pk}",
            subject_type="queueing.ticket", subject_id=ticket.pk, staff=clerk,
            detail=f"{ticket.code} called out of order at window {window.number}: {reason}",
        )  # fmt: skip
        _call_event(ticket, window, clerk)
    return ticket


def recall(clerk, window: Window) -> Ticket:
    """Call the current client again (重呼)."""
    with transaction.atomic():
        state = _state_at_work(clerk, window)
        ticket = _current(state, TicketStatus.CALLED)
        ticket.recalls += 1
        rows.update(ticket, "recalls")
        _record(ticket, "hall.ticket_recalled", actor=clerk, recalls=ticket.recalls)
        _call_event(ticket, window, clerk, recall=True)
    return ticket


def skip_no_show(clerk, window: Window) -> Ticket:
    """Record that the called client did not come, after the unit's number of recalls."""
    with transaction.atomic():
        state = _state_at_work(clerk, window)
        ticket = _current(state, TicketStatus.CALLED)
        needed = HallSettings.for_unit(window.unit_id).recalls_before_no_show
        if ticket.recalls < needed:
            raise HallError(
                _("Call the client again first: {needed} recalls before a no-show.").format(
                    needed=needed
                )
            )
        ticket.status, ticket.finished_at = TicketStatus.NO_SHOW, timezone.now()
        rows.update(ticket, "status", "finished_at")
        state.current, state.since = None, ticket.finished_at
        rows.update(state, "current", "since")
        _record(ticket, "hall.ticket_no_show", actor=clerk)
        _queue_event(ticket.unit_id, ticket.service_day)
    return ticket


def start_service(clerk, window: Window) -> Ticket:
    with transaction.atomic():
        state = _state_at_work(clerk, window)
        ticket = _current(state, TicketStatus.CALLED)
        ticket.status, ticket.started_at = TicketStatus.SERVING, timezone.now()
        rows.update(ticket, "status", "started_at")
        _record(ticket, "hall.service_started", actor=clerk)
    return ticket


def finish_service(clerk, window: Window) -> Ticket:
    with transaction.atomic():
        state = _state_at_work(clerk, window)
        ticket = _current(state, TicketStatus.CALLED, TicketStatus.SERVING)
        now = timezone.now()
        ticket.status, ticket.finished_at = TicketStatus.DONE, now
        ticket.started_at = ticket.started_at or now
        rows.update(ticket, "status", "finished_at", "started_at")
        state.current, state.since = None, now
        rows.update(state, "current", "since")
        _record(ticket, "hall.service_finished", actor=clerk)
        _queue_event(ticket.unit_id, ticket.service_day)
    return ticket


def transfer(
    clerk, window: Window, *, reason: str, to_queue: Queue | None = None,
    to_window: Window | None = None,
) -> Ticket:  # fmt: skip
    """Send the current client to another queue or window; they keep their place (P-W18)."""
    reason = reason.strip()
    if not reason:
        raise HallError(_("Say why the client is transferred."))
    if (to_queue is None) == (to_window is None):
        raise HallError(_("Transfer to one queue or one window."))
    target_unit = (to_queue or to_window).unit_id
    if target_unit != window.unit_id or (to_window is not None and to_window.pk == window.pk):
        raise HallError(_("Transfer within this hall, to another queue or window."))
    if (to_queue is not None and not to_queue.active) or (
        to_window is not None and not to_window.active
    ):
        # No window calls an inactive queue: the client would be lost (invariant 3).
        raise HallError(_("That queue or window is not in service."))
    with transaction.atomic():
        state = _state_at_work(clerk, window)
        ticket = _current(state, TicketStatus.CALLED, TicketStatus.SERVING)
        ticket.status = TicketStatus.WAITING
        ticket.window = ticket.clerk = ticket.called_at = ticket.started_at = None
        ticket.queue = to_queue or ticket.queue
        ticket.target_window = to_window
        ticket.transfers += 1
        rows.update(
            ticket, "status", "window", "clerk", "called_at", "started_at", "queue",
            "target_window", "transfers",
        )  # fmt: skip
        _count_waiting(ticket, +1)
        state.current, state.since = None, timezone.now()
        rows.update(state, "current", "since")
        _record(
            ticket, "hall.ticket_transferred", actor=clerk, reason=reason, from_window=window.number
        )
        # A window event, not only new waiting counts: the ticket leaves the window, and a
        # display reads its state again on a window event, so the ticket leaves the "now
        # calling" line at once instead of at the next refresh.
        events.emit(
            ticket.unit_id,
            "window",
            {
                "window": window.number,
                "status": state.status,
                "waiting": events.waiting_counts(ticket.unit_id, ticket.service_day),
            },
        )
    return ticket


# --- windows ------------------------------------------------------------------------------


def open_window(
    clerk, window: Window, *, systems_checked: bool, vouchers_ready: bool, at_post: bool
) -> OpeningCheck:
    """三提前 (N-5.1): the clerk signs the opening checklist and the window opens.

    Signed after opening time, the check is marked late and flagged to the head on duty.
    """
    _check_clerk(clerk, window)
    if not (systems_checked and vouchers_ready and at_post):
        raise HallError(_("Every item of the opening checklist must be done before opening."))
    day = _today()
    rostered = (
        DutyAssignment.objects.filter(window=window, date=day)
        .values_list("staff_id", flat=True)
        .first()
    )
    if rostered is not None and rostered != clerk.pk:
        raise PermissionDenied(_("Another clerk is on the roster at this window today."))
    now = timezone.now()
    opening = dt.datetime.combine(
        day, window.unit.opening_time, tzinfo=timezone.get_current_timezone()
    )
    with transaction.atomic():
        state = _locked_state(window)
        if state.status != WindowStatus.CLOSED:
            raise HallError(_("The window is already open."))
        check, created = OpeningCheck.objects.get_or_create(
            window=window, service_day=day,
            defaults={"unit_id": window.unit_id, "clerk": clerk, "signed_at": now,
                      "systems_checked": True, "vouchers_ready": True, "at_post": True,
                      "late": now > opening},
        )  # fmt: skip
        state.status, state.clerk, state.since = WindowStatus.OPEN, clerk, now
        state.pause_reason, state.paused_until, state.current = "", None, None
        rows.update(state, "status", "clerk", "since", "pause_reason", "paused_until", "current")
        append(
            unit=window.unit_id, event="hall.window_opened", subject=Subject.of(window),
            payload={"window": window.number, "late": check.late, "first_today": created},
            actor=clerk,
        )  # fmt: skip
        if check.late and created:
            raise_flag(
                unit_id=window.unit_id, clause="N-5.1", key=f"N-5.1:window:{window.pk}:{day}",
                subject_type="org.window", subject_id=window.pk, staff=clerk,
                detail=f"window {window.number} opened at {timezone.localtime(now):%H:%M}, "
                f"after opening time {window.unit.opening_time:%H:%M}",
            )  # fmt: skip
        events.emit(window.unit_id, "window", {"window": window.number, "status": "open"})
    return check


def pause_window(clerk, window: Window, *, reason: str, minutes: int) -> WindowState:
    """A pause always has a reason and a length (D-01)."""
    if reason not in PauseReason.values:
        raise HallError(_("Choose why the window pauses."))
    if not 1 <= minutes <= 120:
        raise HallError(_("A pause lasts between 1 and 120 minutes."))
    with transaction.atomic():
        state = _state_at_work(clerk, window)
        if state.status != WindowStatus.OPEN:
            raise HallError(_("Only an open window can pause."))
        if state.current is not None and state.current.status in (
            TicketStatus.CALLED, TicketStatus.SERVING,
        ):  # fmt: skip
            raise HallError(_("Finish, transfer or skip the current client first."))
        now = timezone.now()
        state.status, state.pause_reason, state.since = WindowStatus.PAUSED, reason, now
        state.paused_until = now + dt.timedelta(minutes=minutes)
        rows.update(state, "status", "pause_reason", "since", "paused_until")
        append(
            unit=window.unit_id, event="hall.window_paused", subject=Subject.of(window),
            payload={"window": window.number, "reason": reason, "minutes": minutes}, actor=clerk,
        )  # fmt: skip
        events.emit(window.unit_id, "window", {"window": window.number, "status": "paused"})
    return state


def resume_window(clerk, window: Window) -> WindowState:
    with transaction.atomic():
        state = _state_at_work(clerk, window)
        if state.status != WindowStatus.PAUSED:
            raise HallError(_("The window is not paused."))
        now = timezone.now()
        overran = state.paused_until is not None and now > state.paused_until
        state.status, state.pause_reason, state.paused_until, state.since = (
            WindowStatus.OPEN, "", None, now,
        )  # fmt: skip
        rows.update(state, "status", "pause_reason", "paused_until", "since")
        append(
            unit=window.unit_id, event="hall.window_resumed", subject=Subject.of(window),
            payload={"window": window.number, "overran": overran}, actor=clerk,
        )  # fmt: skip
        events.emit(window.unit_id, "window", {"window": window.number, "status": "open"})
    return state


def close_window(clerk, window: Window) -> WindowState:
    with transaction.atomic():
        state = _state_at_work(clerk, window)
        if state.current is not None and state.current.status in (
            TicketStatus.CALLED, TicketStatus.SERVING,
        ):  # fmt: skip
            raise HallError(_("Finish, transfer or skip the current client first."))
        state.status, state.clerk, state.current, state.since = (
            WindowStatus.CLOSED, None, None, timezone.now(),
        )  # fmt: skip
        rows.update(state, "status", "clerk", "current", "since")
        append(
            unit=window.unit_id, event="hall.window_closed", subject=Subject.of(window),
            payload={"window": window.number}, actor=clerk,
        )  # fmt: skip
        events.emit(window.unit_id, "window", {"window": window.number, "status": "closed"})
    return state
