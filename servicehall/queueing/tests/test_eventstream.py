"""The event stream: a call made by an action reaches the displays; a display that
reconnects is sent what it missed; one outbox query per unit and tick, whatever the number
of displays; Redis pushes at once; late commits and duplicates are handled."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from servicehall.queueing import events, eventstream
from servicehall.queueing.actions import call_next, recall
from servicehall.queueing.eventstream import Event, Hub, coalesce, serve_in_thread
from servicehall.queueing.models import HallEvent

from .conftest import make_hall

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {"poll_seconds": 0.05}


class Display:
    """A display's connection to the stream, read line by line."""

    def __init__(self, port: int, path: str, headers: dict | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        lines = [f"GET {path} HTTP/1.1", "Host: hall", "Accept: text/event-stream"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.file = self.sock.makefile("rb")
        self.status = int(self.file.readline().split()[1])
        self.headers = {}
        while line := self.file.readline().decode().strip():
            name, _sep, value = line.partition(":")
            self.headers[name.lower()] = value.strip()
        self.comments: list[str] = []

    def next(self, timeout: float = 3.0) -> dict:
        """The next event (id, event, data); comments are kept aside."""
        self.sock.settimeout(timeout)
        frame: dict = {}
        while True:
            line = self.file.readline().decode()
            if line == "":
                raise EOFError("the stream ended")
            line = line.rstrip("\n")
            if line == "":
                if "event" in frame or "data" in frame:
                    return frame
                frame = {}
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            field, _sep, value = line.partition(": ")
            if field == "data":
                frame["data"] = json.loads(value)
            elif field == "id":
                frame["id"] = int(value)
            else:
                frame[field] = value

    def take(self, count: int, timeout: float = 3.0) -> list[dict]:
        return [self.next(timeout) for _ in range(count)]

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def _get(port: int, request: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request.encode())
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks).decode()


@pytest.fixture
def live_hall(world):
    """The office's hall on the real clock (the stream keeps real time), window 1 open."""
    hall = make_hall(world)
    hall.open(hall.w1, hall.clerk1)
    return hall


def _last_id() -> int:
    return HallEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_a_call_reaches_the_display_with_its_outbox_id(live_hall):
    with serve_in_thread(**FAST) as stream:
        display = Display(stream.port, f"/hall/events/O1?after={_last_id()}")
        assert display.status == 200
        assert display.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert display.headers["access-control-allow-origin"] == "*"

        live_hall.issue()
        issued = display.next()
        ticket = call_next(live_hall.clerk1, live_hall.w1)
        called = display.next()
        display.close()

    assert (issued["event"], issued["data"]) == ("queue", {"waiting": {"A": 1, "B": 0}})
    call_event = HallEvent.objects.get(kind="call")
    assert called == {
        "id": call_event.pk,
        "event": "call",
        "data": {
            "ticket": ticket.code,
            "window": 1,
            "window_name": "综合受理",
            "staff_no": "A001",
            "recall": False,
            "waiting": {"A": 0, "B": 0},
        },
    }
    assert issued["id"] < called["id"]


def test_a_display_that_reconnects_is_sent_what_it_missed(live_hall):
    with serve_in_thread(**FAST) as stream:
        first = Display(stream.port, f"/hall/events/O1?after={_last_id()}")
        live_hall.issue()
        seen = first.next()
        first.close()
        # While the display is away: a second ticket, a call, a recall.
        live_hall.issue()
        call_next(live_hall.clerk1, live_hall.w1)
        recall(live_hall.clerk1, live_hall.w1)

        again = Display(
            stream.port, "/hall/events/O1?after=0", headers={"Last-Event-ID": seen["id"]}
        )
        missed = again.take(2)
        again.close()

    # The second ticket's waiting count is superseded by the counts the call carries.
    calls = list(HallEvent.objects.filter(pk__gt=seen["id"], kind="call").order_by("pk"))
    assert [frame["id"] for frame in missed] == [event.pk for event in calls]
    assert [frame["event"] for frame in missed] == ["call", "call"]
    assert [frame["data"]["recall"] for frame in missed] == [False, True]
    assert missed[0]["data"]["waiting"] == {"A": 1, "B": 0}
    assert all(frame["data"]["replayed"] for frame in missed)
    assert all(0 <= frame["data"]["age"] < 30 for frame in missed)


def test_after_in_the_address_replays_for_a_page_that_opens_the_stream(live_hall):
    live_hall.issue()
    before = _last_id()
    live_hall.issue()
    with serve_in_thread(**FAST) as stream:
        display = Display(stream.port, f"/hall/events/O1?after={before}")
        (frame,) = display.take(1)
        display.close()

    assert (frame["id"], frame["data"]["waiting"]) == (_last_id(), {"A": 2, "B": 0})


def test_waiting_counts_superseded_in_a_replay_are_left_out(live_hall):
    before = _last_id()
    for _ in range(3):
        live_hall.issue()
    call_next(live_hall.clerk1, live_hall.w1)
    with serve_in_thread(**FAST) as stream:
        display = Display(stream.port, f"/hall/events/O1?after={before}")
        (frame,) = display.take(1)
        display.close()

    # Three snapshots of the counts, then a call that carries newer ones: only the call.
    assert (frame["event"], frame["data"]["waiting"]) == ("call", {"A": 2, "B": 0})


def test_too_much_missed_asks_the_display_to_reload(live_hall, monkeypatch):
    monkeypatch.setattr(eventstream, "REPLAY_LIMIT", 2)
    for _ in range(4):
        live_hall.issue()
    with serve_in_thread(**FAST) as stream:
        display = Display(stream.port, "/hall/events/O1?after=0")
        reset, newest = display.take(2)
        display.close()

    assert (reset["event"], reset["data"]) == ("reset", {})
    assert newest["id"] == _last_id()


def _after_the_tick_in_flight(stream) -> tuple[int, int]:
    """The poll's counts once the tick that may have begun before now has ended: every
    later tick begins with what is attached now."""
    ticks = stream.polled[0]
    deadline = time.monotonic() + 10
    while stream.polled[0] <= ticks:
        assert time.monotonic() < deadline, "the poll stopped"
        time.sleep(0.01)
    return stream.polled


def test_one_outbox_query_per_unit_and_tick_whatever_the_displays(live_hall):
    with serve_in_thread(**FAST) as stream:
        displays = [Display(stream.port, f"/hall/events/O1?after={_last_id()}") for _ in range(6)]
        other = Display(stream.port, f"/hall/events/O2?after={_last_id()}")
        # The ticks before the last display was attached polled fewer units.
        since = _after_the_tick_in_flight(stream)
        time.sleep(0.5)
        ticks, queries = (now - then for now, then in zip(stream.polled, since, strict=True))
        live_hall.issue()
        frames = [display.next() for display in displays]
        for display in [*displays, other]:
            display.close()

    assert ticks >= 3
    assert queries == 2 * ticks  # two units, six displays on one of them
    assert len({json.dumps(frame, sort_keys=True) for frame in frames}) == 1


def test_a_display_gets_keep_alive_comments(live_hall):
    with serve_in_thread(keepalive_seconds=0.1, **FAST) as stream:
        display = Display(stream.port, f"/hall/events/O1?after={_last_id()}")
        time.sleep(0.35)
        live_hall.issue()
        display.next()
        display.close()

    assert display.comments.count("keep-alive") >= 2


def test_unknown_units_and_paths_are_refused(world):
    with serve_in_thread(**FAST) as stream:
        unknown = _get(stream.port, "GET /hall/events/NOPE HTTP/1.1\r\nHost: x\r\n\r\n")
        elsewhere = _get(stream.port, "GET /hall/other HTTP/1.1\r\nHost: x\r\n\r\n")
        posted = _get(stream.port, "POST /hall/events/O1 HTTP/1.1\r\nHost: x\r\n\r\n")
        garbage = _get(stream.port, "NONSENSE\r\n\r\n")
        preflight = _get(stream.port, "OPTIONS /hall/events/O1 HTTP/1.1\r\nHost: x\r\n\r\n")
        health = _get(stream.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")

    assert unknown.startswith("HTTP/1.1 404 ")
    assert elsewhere.startswith("HTTP/1.1 404 ")
    assert posted.startswith("HTTP/1.1 405 ")
    assert garbage.startswith("HTTP/1.1 400 ")
    assert preflight.startswith("HTTP/1.1 204 ")
    assert "Access-Control-Allow-Headers: Last-Event-ID" in preflight
    assert json.loads(health.split("\r\n\r\n", 1)[1]) == {
        "mode": "polling", "connections": 0, "units": 0,
    }  # fmt: skip


# --- Redis ---------------------------------------------------------------------------------


@pytest.fixture
def redis_channel(settings, monkeypatch):
    """REDIS_URL set, and a channel of this test's own: pub/sub ignores the database number."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    channel = f"servicehall:test:{uuid.uuid4().hex}"
    settings.REDIS_URL = url
    monkeypatch.setattr(events, "REDIS_CHANNEL", channel)
    monkeypatch.setattr(events, "_redis", None)
    return url, channel


def _wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.01)


def test_with_redis_a_call_is_pushed_at_once(live_hall, redis_channel):
    url, channel = redis_channel
    # The outbox poll is made slow: only Redis can bring the call within the second.
    with serve_in_thread(redis_url=url, channel=channel, poll_seconds=30) as stream:
        _wait_for(stream.redis_connected.is_set)
        display = Display(stream.port, f"/hall/events/O1?after={_last_id()}")
        live_hall.issue()
        started = time.monotonic()
        display.next(timeout=1)
        ticket = call_next(live_hall.clerk1, live_hall.w1)
        called = display.next(timeout=1)
        elapsed = time.monotonic() - started
        display.close()

    assert stream.polled == (0, 0)
    assert elapsed < 1
    assert (called["event"], called["data"]["ticket"]) == ("call", ticket.code)
    assert called["id"] == HallEvent.objects.get(kind="call").pk


def test_with_redis_a_reconnecting_display_still_replays_from_the_outbox(live_hall, redis_channel):
    url, channel = redis_channel
    before = _last_id()
    live_hall.issue()
    call_next(live_hall.clerk1, live_hall.w1)
    with serve_in_thread(redis_url=url, channel=channel, poll_seconds=30) as stream:
        display = Display(stream.port, "/hall/events/O1", headers={"Last-Event-ID": before})
        frames = display.take(1)
        display.close()

    assert [(frame["event"], frame["data"]["ticket"]) for frame in frames] == [("call", "A001")]


def test_an_event_redis_lost_is_found_by_the_slow_poll(live_hall, redis_channel, monkeypatch):
    url, channel = redis_channel
    with serve_in_thread(redis_url=url, channel=channel, poll_seconds=0.1) as stream:
        _wait_for(stream.redis_connected.is_set)
        display = Display(stream.port, f"/hall/events/O1?after={_last_id()}")
        monkeypatch.setattr(events, "REDIS_CHANNEL", "servicehall:test:nobody-listens")
        live_hall.issue()
        frame = display.next(timeout=2)
        display.close()

    assert (frame["event"], frame["id"]) == ("queue", _last_id())


# --- what a hub sends ----------------------------------------------------------------------


def test_coalesce_keeps_calls_and_the_last_counts():
    batch = [
        Event(1, "queue", {"waiting": {"A": 1}}),
        Event(2, "queue", {"waiting": {"A": 2}}),
        Event(3, "call", {"ticket": "A001", "waiting": {"A": 1}}),
        Event(4, "window", {"window": 1, "status": "paused"}),
        Event(5, "queue", {"waiting": {"A": 2}}),
    ]

    assert [event.id for event in coalesce(batch)] == [3, 4, 5]


class FakeClient:
    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.backlog = None

    def send(self, data: bytes) -> None:
        self.sent.append(data)


def test_a_hub_sends_each_event_once_and_finds_late_commits(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(eventstream.time, "monotonic", lambda: now[0])
    hub = Hub(unit_id=1, late_commit_seconds=3)
    hub.start_at(9)
    client = FakeClient()
    hub.clients.add(client)

    hub.deliver([Event(10, "queue", {"waiting": {}}), Event(12, "queue", {"waiting": {}})])
    hub.deliver([Event(12, "queue", {"waiting": {}})])  # from Redis and from the poll
    assert (hub.floor, hub.high) == (9, 12)  # 11 may still commit: the poll looks back
    now[0] += 1
    hub.deliver([Event(11, "call", {"ticket": "A002"})])  # committed late
    now[0] += 3
    hub.deliver([])

    assert [frame.count(b"id: ") for frame in client.sent] == [1, 1]
    assert client.sent[0].startswith(b"id: 12\n")  # 10 superseded by 12 in the batch
    assert client.sent[1].startswith(b"id: 11\nevent: call\n")
    assert (hub.floor, hub.high) == (12, 12)


def _paced_hub(*clients: FakeClient) -> Hub:
    """A hub that sends at once what it is given (no late commits), to these clients."""
    hub = Hub(unit_id=1, late_commit_seconds=0)
    hub.clients.update(clients)
    return hub


def _counts(event_id: int, waiting_in_a: int) -> Event:
    return Event(event_id, "queue", {"waiting": {"A": waiting_in_a}})


def _frames(client: FakeClient) -> list[list[int]]:
    """The event ids of each write to the client."""
    return [
        [int(line[4:]) for line in data.decode().split("\n") if line.startswith("id: ")]
        for data in client.sent
    ]


def test_waiting_counts_alone_go_out_at_most_every_quarter_second():
    # Pacing: a busy hall issues many tickets a second; the displays get their counts
    # COUNTS_SECONDS apart, the latest of them, and never fewer than the last.
    async def scenario() -> list[list[int]]:
        client = FakeClient()
        hub = _paced_hub(client)
        hub.deliver([_counts(1, 1)])
        hub.deliver([_counts(2, 2)])
        hub.deliver([_counts(3, 3)])
        at_once = _frames(client)
        await asyncio.sleep(eventstream.COUNTS_SECONDS + 0.15)
        return [at_once, _frames(client)]

    at_once, later = asyncio.run(scenario())

    assert at_once == [[1]]  # the first counts of a quiet hall go at once
    assert later == [[1], [3]]  # 2 was superseded by 3 while held


def test_a_call_goes_at_once_and_takes_the_held_counts_with_it():
    async def scenario() -> tuple[list[list[int]], Hub]:
        client = FakeClient()
        hub = _paced_hub(client)
        hub.deliver([_counts(1, 1)])
        hub.deliver([_counts(2, 2)])
        hub.deliver([Event(3, "window", {"window": 2, "status": "paused"})])
        hub.deliver([_counts(4, 3)])
        hub.deliver([Event(5, "call", {"ticket": "A001", "waiting": {"A": 2}})])
        return _frames(client), hub

    frames, hub = asyncio.run(scenario())

    # In id order, so that a display's last event id is the newest it has: the window's
    # change took the held counts 2; the call took 4, which its own counts supersede.
    assert frames == [[1], [2, 3], [5]]
    assert hub.held == [] and hub._timer is None


def test_a_display_still_in_its_replay_gets_the_held_counts_when_they_go():
    async def scenario() -> tuple[FakeClient, FakeClient]:
        live, replaying = FakeClient(), FakeClient()
        replaying.backlog = []
        hub = _paced_hub(live, replaying)
        hub.deliver([_counts(1, 1)])
        hub.deliver([_counts(2, 2)])
        await asyncio.sleep(eventstream.COUNTS_SECONDS + 0.15)
        return live, replaying

    live, replaying = asyncio.run(scenario())

    assert _frames(live) == [[1], [2]]
    assert [event.id for event in replaying.backlog] == [1, 2] and replaying.sent == []


def test_counts_held_when_a_hub_closes_are_never_sent():
    async def scenario() -> list[list[int]]:
        client = FakeClient()
        hub = _paced_hub(client)
        hub.deliver([_counts(1, 1)])
        hub.deliver([_counts(2, 2)])
        hub.close()  # its last display left
        await asyncio.sleep(eventstream.COUNTS_SECONDS + 0.15)
        return _frames(client)

    assert asyncio.run(scenario()) == [[1]]


def test_a_display_joining_while_counts_are_held_never_gets_older_counts_after(live_hall):
    # Counts 2 are held when a display joins after 1: its replay brings 2 and 3, of which it
    # shows 3. The held 2 must not reach it afterwards, or it would show 2 until the next
    # change (display.js applies the counts of any event it has not handled).
    issued = []
    for _ in range(3):
        live_hall.issue()
        issued.append(_last_id())
    first, second, third = issued

    async def scenario() -> bytes:
        stream = eventstream.EventStream(poll_seconds=30)
        port = await stream.start("127.0.0.1", 0)
        try:
            hub = stream._hub(live_hall.office.pk)
            await hub.ready
            hub.deliver([Event(first, "queue", {"waiting": {"A": 1, "B": 0}})])
            hub.deliver([Event(second, "queue", {"waiting": {"A": 2, "B": 0}})])
            assert [event.id for event in hub.held] == [second]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET /hall/events/O1?after={first} HTTP/1.1\r\n\r\n".encode())
            await reader.readuntil(b"\r\n\r\n")
            received = b""
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(eventstream.COUNTS_SECONDS + 0.3):
                    while chunk := await reader.read(65536):
                        received += chunk
            writer.close()
            return received
        finally:
            await stream.stop()

    received = []
    for block in asyncio.run(scenario()).decode().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
        if "id" in fields:
            data = json.loads(fields["data"])
            received.append((int(fields["id"]), data["waiting"]["A"], data.get("replayed")))

    assert received == [(third, 3, True)]


def test_a_hub_is_ready_only_once_it_knows_where_the_outbox_stands(live_hall):
    # The poll sends what lies above a ready hub's floor: were the hub ready with its floor
    # still at 0, it would send the unit's old calls to the displays as new ones.
    live_hall.issue()
    latest = _last_id()

    async def scenario() -> tuple[int, int]:
        stream = eventstream.EventStream(poll_seconds=30)
        try:
            hub = stream._hub(live_hall.office.pk)
            while not hub.ready.done():  # as the poll loop sees it, between two of its ticks
                await asyncio.sleep(0)
            return hub.floor, hub.high
        finally:
            await stream.stop()

    assert asyncio.run(scenario()) == (latest, latest)


def test_the_poll_reads_only_the_ids_of_what_it_has_seen(live_hall):
    for _ in range(3):
        live_hall.issue()
    first, second, third = HallEvent.objects.order_by("pk").values_list("pk", flat=True)[1:4]

    rows = eventstream.Outbox().poll({live_hall.office.pk: (first, second)})[live_hall.office.pk]

    assert [(pk, data is None) for pk, _kind, data in rows] == [(second, True), (third, False)]
    assert rows[1][2] == {"waiting": {"A": 3, "B": 0}}


# --- the command ---------------------------------------------------------------------------


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_serves_the_stream_until_stopped(live_hall, tmp_path):
    port = _free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SERVICEHALL_VAR_DIR": str(tmp_path),
        "REDIS_URL": "",
    }
    command = [sys.executable, "-m", "servicehall.cli", "eventstream", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--poll-ms", "50"],
        env=environment,
        cwd=Path(settings.BASE_DIR),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        display = Display(port, f"/hall/events/O1?after={_last_id()}")
        ticket = live_hall.issue()
        frame = display.next(timeout=5)
        display.close()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)

    assert f"http://127.0.0.1:{port}/hall/events/<unit code>" in banner
    assert "polling the outbox every 50 ms" in banner
    assert frame["data"]["waiting"] == {"A": 1, "B": 0} and ticket.code == "A001"
    assert process.returncode == 0, err
