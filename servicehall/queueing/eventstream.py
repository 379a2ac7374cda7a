"""The hall's live events as Server-Sent Events, from a small asyncio process of its own.

The application stays on WSGI (gunicorn, ``servicehall serve``): measured here, Django
under ASGI serves a seventh of the requests. The displays' long-lived connections are held
by this process instead, ``servicehall eventstream --host 127.0.0.1 --port 8001``, written
on the standard library's asyncio streams:

``GET /hall/events/<unit code>`` streams ``text/event-stream``: each frame has the
``HallEvent`` id as ``id:``, its kind (``call``, ``queue``, ``window``) as ``event:`` and
its data as one line of JSON. A display that reconnects names the last event it has
(the ``Last-Event-ID`` header, as browsers send it, or ``?after=``) and is first sent what
it missed, from the outbox; replayed frames carry ``"replayed": true`` and their ``age``
in seconds, so that a display does not announce a call made long ago. When more than
``REPLAY_LIMIT`` events were missed, a ``reset`` event tells it to reload the state
instead. A comment line every ``KEEPALIVE_SECONDS`` keeps proxies from closing the stream.

Where events come from. Without REDIS_URL, the outbox is polled: every tick (100 ms), one
indexed query per unit that has displays attached, whatever their number. With REDIS_URL,
the process subscribes to the channel ``events.py`` publishes on after each commit, and
pushes each event at once (in batches of 20 ms at most); a slower poll (1 s) still runs and
catches an event whose publication failed. Either way a batch of events is written to each
display in one go, and a waiting count that a later event of the batch supersedes is left
out.

Pacing. A call or a window's change goes to the displays at once. Waiting counts alone go
at most every ``COUNTS_SECONDS``: a busy hall changes them with every ticket issued, many
times a second, faster than anyone reading a TV can follow, and each write costs the
stream one send per display and each display one repaint. Counts held back go out with
the next call, or when their time comes; the displays still receive every event in id
order, so a reconnecting display's last event id stays right.

Late commits. On PostgreSQL a transaction can commit after another that took a higher id,
so the poll keeps looking back over the ids it saw in the last ``LATE_COMMIT_SECONDS``
(reading their ids only) and delivers any that appear. SQLite commits one writer at a
time, in id order, and needs no look-back.

Database reads run in one worker thread of this process, through the ORM except for the
poll, the one query of every tick, which is plain SQL (five to twenty times cheaper).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.db import connection, connections
from django.utils import timezone

from . import events as hall_events

log = logging.getLogger(__name__)

PATH_RE = re.compile(r"/hall/events/([A-Za-z0-9_-]{1,32})")
POLL_SECONDS = 0.1
SAFETY_POLL_SECONDS = 1.0
REDIS_BATCH_SECONDS = 0.02
COUNTS_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0
LATE_COMMIT_SECONDS = 3.0
# How long the ids already sent are remembered, so that an event that comes both from Redis
# and from the poll is sent once.
REMEMBER_SECONDS = 10.0
REPLAY_LIMIT = 500
RETRY_MS = 2000
# A display that stops reading is dropped past this much unsent data; it reconnects and
# catches up from its last event id.
MAX_BUFFERED = 512 * 1024
HEADER_LIMIT = 8192
HEADER_TIMEOUT = 10.0

SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/event-stream; charset=utf-8\r\n"
    b"Cache-Control: no-store\r\n"
    b"Access-Control-Allow-Origin: *\r\n"
    b"X-Accel-Buffering: no\r\n"
    b"Connection: close\r\n\r\n"
)
KEEPALIVE = b": keep-alive\n\n"
RESET = b"event: reset\ndata: {}\n\n"


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the outbox as the stream sends it."""

    id: int
    kind: str
    data: dict
    at: dt.datetime | None = None

    def frame(self, now: dt.datetime | None = None) -> bytes:
        """The SSE frame; with ``now``, marked as replayed, with its age."""
        data = self.data
        if now is not None and self.at is not None:
            age = round((now - self.at).total_seconds(), 1)
            data = {**data, "replayed": True, "age": age}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.kind}\ndata: {text}\n\n".encode()


def coalesce(batch: list[Event]) -> list[Event]:
    """The batch without the waiting counts that a later event of it carries anew.

    A ``queue`` event is a snapshot of every queue's count; calls are never dropped.
    """
    kept: list[Event] = []
    superseded = False
    for event in reversed(batch):
        if event.kind == "queue" and superseded:
            continue
        superseded = superseded or "waiting" in event.data
        kept.append(event)
    kept.reverse()
    return kept


# --- the outbox, read in the database thread ---------------------------------------------


class Outbox:
    """The stream's reads. Each runs in the stream's one database thread, in autocommit
    (no transaction: on SQLite a transaction would take the write lock)."""

    def unit_id(self, code: str) -> int | None:
        from servicehall.org.models import Unit

        return Unit.objects.filter(code=code).values_list("pk", flat=True).first()

    def latest(self, unit_id: int) -> int:
        from .models import HallEvent

        rows = HallEvent.objects.filter(unit_id=unit_id).order_by("-pk")
        return rows.values_list("pk", flat=True).first() or 0

    def replay(self, unit_id: int, after: int) -> tuple[list[Event], bool]:
        """The events after ``after``, oldest first; at most REPLAY_LIMIT, the newest ones,
        and whether there were more."""
        from .models import HallEvent

        rows = list(
            HallEvent.objects.filter(unit_id=unit_id, pk__gt=after)
            .order_by("-pk")
            .values_list("pk", "kind", "data", "at")[: REPLAY_LIMIT + 1]
        )
        return [Event(*row) for row in reversed(rows[:REPLAY_LIMIT])], len(rows) > REPLAY_LIMIT

    def poll(self, cursors: dict[int, tuple[int, int]]) -> dict[int, list[tuple]]:
        """For each unit, (floor, high) → its rows after ``floor``, oldest first, as
        (id, kind, data); the data of rows up to ``high`` (already seen, unless they
        committed late) is not read, and is None.

        The one query of every tick, so written in SQL: through the ORM it cost 250 µs on
        SQLite and 350 µs on PostgreSQL here, in SQL 15 and 65-100 µs.
        """
        from .models import HallEvent

        # Only the model's own table name is put into the text; the values are parameters.
        table = connection.ops.quote_name(HallEvent._meta.db_table)
        sql = (
            f"SELECT id, kind, CASE WHEN id > %s THEN data END FROM {table} "  # noqa: S608
            "WHERE unit_id = %s AND id > %s ORDER BY id"
        )
        found = {}
        with connection.cursor() as cursor:
            for unit_id, (floor, high) in cursors.items():
                cursor.execute(sql, [high, unit_id, floor])
                found[unit_id] = [
                    (pk, kind, json.loads(data) if isinstance(data, str | bytes) else data)
                    for pk, kind, data in cursor.fetchall()
                ]
        return found

    def fetch(self, ids: list[int]) -> list[Event]:
        from .models import HallEvent

        rows = HallEvent.objects.filter(pk__in=ids).order_by("pk")
        return [Event(*row) for row in rows.values_list("pk", "kind", "data", "at")]


def _in_db_thread(function: Callable, args: tuple):
    try:
        return function(*args)
    except Exception:
        # A broken connection is dropped; the next call opens a fresh one.
        connection.close()
        raise


# --- displays and units ----------------------------------------------------------------------


class Client:
    """One display's connection. Until its replay is sent, live events wait in ``backlog``."""

    __slots__ = ("writer", "backlog")

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.backlog: list[Event] | None = []

    def send(self, data: bytes) -> None:
        if not data or self.writer.is_closing():
            return
        self.writer.write(data)
        if self.writer.transport.get_write_buffer_size() > MAX_BUFFERED:
            log.warning("dropping a display that does not read its events")
            self.writer.close()


class Hub:
    """The displays of one unit, and which of its events they have been sent.

    Ids up to ``floor`` are settled: the poll looks only above it. ``floor`` follows the
    ids seen ``late_commit_seconds`` ago, so an id that commits after a higher one is still
    found; ``remembered`` holds the ids sent lately, so none is sent twice. Events that only
    carry waiting counts wait in ``held`` until ``counts_due`` (see Pacing above).
    """

    def __init__(self, unit_id: int, late_commit_seconds: float) -> None:
        self.unit_id = unit_id
        self.clients: set[Client] = set()
        self.ready: asyncio.Future | None = None
        self.floor = self.high = 0
        self.late = late_commit_seconds
        self.held: list[Event] = []
        self.counts_due = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._settling: deque[tuple[int, float]] = deque()
        self._remembered: deque[tuple[int, float]] = deque()
        self._sent: set[int] = set()

    def start_at(self, latest: int) -> None:
        self.floor = self.high = latest

    def seen(self, event_id: int) -> bool:
        return event_id in self._sent

    def deliver(self, batch: list[Event]) -> None:
        now = time.monotonic()
        fresh = [event for event in batch if event.id not in self._sent]
        for event in fresh:
            self._sent.add(event.id)
            self._settling.append((event.id, now))
            self._remembered.append((event.id, now))
            self.high = max(self.high, event.id)
        while self._settling and self._settling[0][1] <= now - self.late:
            self.floor = max(self.floor, self._settling.popleft()[0])
        while self._remembered and self._remembered[0][1] <= now - REMEMBER_SECONDS:
            self._sent.discard(self._remembered.popleft()[0])
        if not fresh:
            return
        self.held.extend(fresh)
        if now >= self.counts_due or any(event.kind != "queue" for event in fresh):
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.counts_due - now, self.flush)

    def flush(self) -> None:
        """Send what is held, in id order, the superseded counts left out."""
        self.close()
        held, self.held = coalesce(sorted(self.held, key=lambda event: event.id)), []
        if not held:
            return
        if any("waiting" in event.data for event in held):
            self.counts_due = time.monotonic() + COUNTS_SECONDS
        data = b"".join(event.frame() for event in held)
        for client in list(self.clients):
            if client.backlog is not None:
                client.backlog.extend(held)
            else:
                client.send(data)

    def close(self) -> None:
        """Forget the timer of held counts (the hub is flushing, or going away)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


# --- the server ------------------------------------------------------------------------------


class BadRequest(ValueError):
    pass


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict, dict]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ")
    except ValueError:
        raise BadRequest(lines[0][:80]) from None
    if not version.startswith("HTTP/1."):
        raise BadRequest(version[:20])
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    parts = urlsplit(target)
    return method, parts.path, parse_qs(parts.query), headers


def _respond(writer: asyncio.StreamWriter, status: str, body: bytes = b"", **headers) -> None:
    lines = [f"HTTP/1.1 {status}", "Access-Control-Allow-Origin: *", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def _after(query: dict, headers: dict) -> int | None:
    """The last event id the display has: the browser's Last-Event-ID on its own reconnects,
    else ``?after=`` from the page."""
    for value in (headers.get("last-event-id"), *query.get("after", [])[-1:]):
        if value is not None and value.isdigit() and len(value) < 19:
            return int(value)
    return None


class EventStream:
    """The event-stream server; ``await start(host, port)``, later ``await stop()``."""

    def __init__(
        self,
        *,
        redis_url: str = "",
        channel: str | None = None,
        poll_seconds: float | None = None,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
        late_commit_seconds: float | None = None,
    ) -> None:
        self.redis_url = redis_url
        self.channel = channel or hall_events.REDIS_CHANNEL
        self.poll_seconds = poll_seconds or (SAFETY_POLL_SECONDS if redis_url else POLL_SECONDS)
        self.keepalive_seconds = keepalive_seconds
        if late_commit_seconds is None:
            late_commit_seconds = LATE_COMMIT_SECONDS if connection.vendor != "sqlite" else 0.0
        if redis_url:
            # Publications reach Redis in the order the processes send them, not in id order.
            late_commit_seconds = max(late_commit_seconds, SAFETY_POLL_SECONDS * 2)
        self.late_commit_seconds = late_commit_seconds
        self.outbox = Outbox()
        self.hubs: dict[int, Hub] = {}
        self.units: dict[str, int] = {}
        # (ticks, queries) of the poll so far, swapped as one: one query per unit per tick.
        self.polled = (0, 0)
        self.redis_connected = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eventstream-db")
        self._server: asyncio.Server | None = None
        self._tasks: list[asyncio.Task] = []
        self._arrived: dict[Hub, list[Event]] = {}

    @property
    def mode(self) -> str:
        return "redis" if self.redis_url else "polling"

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (useful with port 0)."""
        self._server = await asyncio.start_server(self._handle, host, port, limit=HEADER_LIMIT)
        self._tasks = [
            asyncio.create_task(self._poll_loop(), name="eventstream-poll"),
            asyncio.create_task(self._keepalive_loop(), name="eventstream-keepalive"),
        ]
        if self.redis_url:
            self._tasks.append(asyncio.create_task(self._redis_loop(), name="eventstream-redis"))
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for hub in list(self.hubs.values()):
            hub.close()
            for client in list(hub.clients):
                client.writer.close()
        await asyncio.get_running_loop().run_in_executor(self._executor, connections.close_all)
        self._executor.shutdown(wait=True)

    def connections(self) -> int:
        return sum(len(hub.clients) for hub in self.hubs.values())

    async def _db(self, function: Callable, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _in_db_thread, function, args)

    # --- requests -------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            method, path, query, headers = await asyncio.wait_for(
                _read_request(reader), HEADER_TIMEOUT
            )
            if method == "OPTIONS":
                _respond(
                    writer, "204 No Content", Access_Control_Allow_Methods="GET",
                    Access_Control_Allow_Headers="Last-Event-ID, Cache-Control",
                    Access_Control_Max_Age="86400",
                )  # fmt: skip
            elif method != "GET":
                _respond(writer, "405 Method Not Allowed", Allow="GET, OPTIONS")
            elif path == "/healthz":
                body = json.dumps(
                    {"mode": self.mode, "connections": self.connections(), "units": len(self.hubs)}
                ).encode()
                _respond(writer, "200 OK", body, Content_Type="application/json")
            elif match := PATH_RE.fullmatch(path):
                await self._stream(match[1], _after(query, headers), reader, writer)
            else:
                _respond(writer, "404 Not Found", b"not found\n", Content_Type="text/plain")
        except (TimeoutError, BadRequest, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            _respond(writer, "400 Bad Request")
        except ConnectionError:
            pass
        except Exception:
            log.exception("event stream request failed")
            with contextlib.suppress(Exception):
                _respond(writer, "503 Service Unavailable", Retry_After="5")
        finally:
            writer.close()

    async def _unit_id(self, code: str) -> int | None:
        unit_id = self.units.get(code)
        if unit_id is None:
            unit_id = await self._db(self.outbox.unit_id, code)
            if unit_id is not None:
                self.units[code] = unit_id
        return unit_id

    def _hub(self, unit_id: int) -> Hub:
        hub = self.hubs.get(unit_id)
        if hub is None or (hub.ready.done() and hub.ready.exception() is not None):
            hub = self.hubs[unit_id] = Hub(unit_id, self.late_commit_seconds)
            hub.ready = asyncio.ensure_future(self._start(hub))
        return hub

    async def _start(self, hub: Hub) -> None:
        # The hub is ready only once it knows where its unit's outbox stands: a poll that
        # saw it ready before then would read the outbox from the start, and send old calls
        # as new ones.
        hub.start_at(await self._db(self.outbox.latest, hub.unit_id))

    async def _stream(
        self,
        code: str,
        after: int | None,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        unit_id = await self._unit_id(code)
        if unit_id is None:
            _respond(writer, "404 Not Found", b"no such unit\n", Content_Type="text/plain")
            return
        hub = self._hub(unit_id)
        client = Client(writer)
        hub.clients.add(client)
        try:
            await asyncio.shield(hub.ready)
            missed, truncated = [], False
            if after is not None:
                missed, truncated = await self._db(self.outbox.replay, unit_id, after)
            # The response starts once the display is caught up: what it missed, then what
            # came meanwhile, then live events.
            writer.write(SSE_HEAD + f"retry: {RETRY_MS}\n\n".encode())
            if truncated:
                client.send(RESET)
            replayed = {event.id for event in missed}
            now = timezone.now()
            client.send(b"".join(event.frame(now) for event in coalesce(missed)))
            # Counts held back may be older than the replay's own; sent now, they pass
            # through this display's backlog, where what it was replayed is left out.
            hub.flush()
            backlog, client.backlog = client.backlog or [], None
            client.send(b"".join(event.frame() for event in backlog if event.id not in replayed))
            # The display only listens; the stream ends when it goes away.
            while await reader.read(4096):
                pass
        finally:
            hub.clients.discard(client)
            if not hub.clients and self.hubs.get(unit_id) is hub:
                hub.close()
                del self.hubs[unit_id]

    # --- sources ------------------------------------------------------------------------------

    def _live_hubs(self) -> list[Hub]:
        return [
            hub
            for hub in self.hubs.values()
            if hub.clients and hub.ready.done() and hub.ready.exception() is None
        ]

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            hubs = self._live_hubs()
            if not hubs:
                continue
            try:
                found = await self._db(
                    self.outbox.poll, {hub.unit_id: (hub.floor, hub.high) for hub in hubs}
                )
                self.polled = (self.polled[0] + 1, self.polled[1] + len(hubs))
                for hub in hubs:
                    rows = found.get(hub.unit_id, [])
                    batch = [Event(*row) for row in rows if row[2] is not None]
                    late = [row[0] for row in rows if row[2] is None and not hub.seen(row[0])]
                    if late:
                        batch += await self._db(self.outbox.fetch, late)
                    hub.deliver(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("polling the hall event outbox failed; retrying")
                await asyncio.sleep(1)

    async def _keepalive_loop(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive_seconds)
            for hub in list(self.hubs.values()):
                for client in list(hub.clients):
                    if client.backlog is None:
                        client.send(KEEPALIVE)

    def _on_message(self, raw: bytes) -> None:
        try:
            message = json.loads(raw)
            event = Event(int(message["id"]), str(message["kind"]), dict(message["data"]))
            unit_id = int(message["unit"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed hall event from Redis: %r", raw[:200])
            return
        hub = self.hubs.get(unit_id)
        if hub is not None and hub.ready.done() and hub.ready.exception() is None:
            # Messages go out in batches, one write per display every REDIS_BATCH_SECONDS
            # at most: a busy hall issues hundreds of tickets a second.
            if not self._arrived:
                asyncio.get_running_loop().call_later(REDIS_BATCH_SECONDS, self._deliver_arrived)
            self._arrived.setdefault(hub, []).append(event)

    def _deliver_arrived(self) -> None:
        arrived, self._arrived = self._arrived, {}
        for hub, batch in arrived.items():
            hub.deliver(batch)

    async def _redis_loop(self) -> None:
        import redis.asyncio as aioredis

        while True:
            client = aioredis.from_url(self.redis_url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.redis_connected.set()
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._on_message(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("Redis subscription lost; the outbox poll carries on", exc_info=True)
                await asyncio.sleep(1)
            finally:
                self.redis_connected.clear()
                await client.aclose()


@contextlib.contextmanager
def serve_in_thread(host: str = "127.0.0.1", port: int = 0, **options) -> Iterator[EventStream]:
    """An event stream on its own event loop in a background thread (tests, the benchmark);
    its ``port`` attribute says where it listens."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="eventstream", daemon=True)
    thread.start()

    async def make() -> EventStream:
        stream = EventStream(**options)
        stream.port = await stream.start(host, port)
        return stream

    stream = asyncio.run_coroutine_threadsafe(make(), loop).result(10)
    try:
        yield stream
    finally:
        asyncio.run_coroutine_threadsafe(stream.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
