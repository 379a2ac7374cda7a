"""Hall display benchmark: call-to-display latency with 100 displays attached, and what
attaching them costs issuing.

The event stream runs as in production, in a process of its own (``EventStream``, what
``servicehall eventstream`` serves); 100 displays are 100 connections to it from another
process, which notes when each call reaches each of them.

issue cost: processes issue tickets through ``queueing.actions.issue_ticket`` (ledger entry,
outbox event and, with Redis, the publication included) for a few seconds, alternately
with no stream and with the stream and its 100 displays attached; the same-run baseline is
the rate without them (ratio = rate with / rate without, goal at least 0.9: attaching
costs at most 10 %).

latency: a clerk process calls tickets at four windows (``call_next``) every 20-80 ms,
first in a quiet hall, then while the issuers run; each call's latency is from just before
``call_next`` until a display receives the frame, over every display (goal p99 at most
250 ms). The duration of ``call_next`` itself is shown as the reference of the same run.

Both run twice: polling the outbox (no REDIS_URL: the default of ``make demo``) and, when a
Redis server answers on 127.0.0.1:6379, through Redis pub/sub on a channel of the run's
own, so that no other ServiceHall listening on that server sees the benchmark's calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import statistics
import time
import uuid

from . import SPAWN, Children, Result, run_in_children
from .entries import make_unit

DISPLAYS = 100
ISSUERS = max(2, os.cpu_count() or 2)
ISSUE_SECONDS = 4.0
ROUNDS = 3
CALLS = 200
WINDOWS = 4
LATENCY_GOAL = 0.250
COST_GOAL = 0.9
REDIS_URL = "redis://127.0.0.1:6379/0"
UNIT_CODE = "BENCH-HALL"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98], "max": max(values)}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _use_channel(redis_url: str, channel: str) -> None:
    """Publish (or not) as a process of this run: its Redis, its channel."""
    from django.conf import settings

    from servicehall.queueing import events

    settings.REDIS_URL = redis_url
    events.REDIS_CHANNEL = channel
    events._redis = None


# --- the hall ------------------------------------------------------------------------------


def _make_hall() -> dict:
    from servicehall.org.models import User, Window
    from servicehall.queueing.actions import open_window
    from servicehall.queueing.models import HallSettings, Queue, WindowQueue

    unit, staff = make_unit(UNIT_CODE, WINDOWS)
    HallSettings.objects.create(unit=unit)
    queues = [
        Queue.objects.create(unit=unit, prefix=prefix, name=f"业务{prefix}") for prefix in "ABCD"
    ]
    windows = []
    for number, clerk in enumerate(staff, 1):
        window = Window.objects.create(unit=unit, number=number, name=f"综合受理{number}")
        # Calls take queue A only; the issuers fill B to D, so each call is a ticket of its own.
        WindowQueue.objects.create(window=window, queue=queues[0], preference=1)
        open_window(
            User.objects.get(pk=clerk.user_id), window,
            systems_checked=True, vouchers_ready=True, at_post=True,
        )  # fmt: skip
        windows.append((window.pk, clerk.user_id))
    return {
        "unit": unit.pk,
        "code": unit.code,
        "call_queue": queues[0].pk,
        "issue_queues": [queue.pk for queue in queues[1:]],
        "windows": windows,
    }


def _issue(queue_id: int, count: int) -> None:
    from servicehall.catalogue.choices import ClientType
    from servicehall.queueing.actions import issue_ticket
    from servicehall.queueing.models import Queue

    queue = Queue.objects.get(pk=queue_id)
    for _ in range(count):
        issue_ticket(queue=queue, channel="kiosk", client_type=ClientType.RESIDENT)


# --- the processes -------------------------------------------------------------------------


def stream_worker(ready, stop, port: int, redis_url: str, channel: str) -> dict:
    """The event stream, as ``servicehall eventstream`` runs it."""
    from servicehall.queueing.eventstream import EventStream

    async def serve() -> dict:
        stream = EventStream(redis_url=redis_url, channel=channel)
        await stream.start("127.0.0.1", port)
        if redis_url:
            await asyncio.wait_for(stream.redis_connected.wait(), 10)
        ready.set()
        cpu_before, started = _cpu_seconds(), time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.05)
        ticks, queries = stream.polled
        await stream.stop()
        elapsed = time.monotonic() - started
        return {"ticks": ticks, "queries": queries, "cpu": (_cpu_seconds() - cpu_before) / elapsed}

    return asyncio.run(serve())


def displays_worker(ready, stop, port: int, unit_code: str, count: int) -> dict:
    """``count`` displays on one unit; when each first received each call."""

    async def display(receipts: dict, connected: list) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET /hall/events/{unit_code} HTTP/1.1\r\nHost: bench\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        await reader.readuntil(b"\r\n\r\n")
        connected.append(1)
        seen: dict[str, float] = {}
        receipts[id(seen)] = seen
        pending = b""
        while chunk := await reader.read(65536):
            now = time.monotonic()
            pending += chunk
            *frames, pending = pending.split(b"\n\n")
            for frame in frames:
                if b"\nevent: call\n" in frame:
                    data = json.loads(frame.rsplit(b"\ndata: ", 1)[1])
                    seen.setdefault(data["ticket"], now)

    async def run() -> dict:
        receipts: dict = {}
        connected: list = []
        tasks = [asyncio.create_task(display(receipts, connected)) for _ in range(count)]
        while len(connected) < count:
            await asyncio.sleep(0.01)
        ready.set()
        cpu_before, started = _cpu_seconds(), time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return {
            "connected": len(connected),
            "receipts": list(receipts.values()),
            "cpu": (_cpu_seconds() - cpu_before) / elapsed,
        }

    return asyncio.run(run())


def issuer_worker(barrier, queue_ids: list[int], seconds: float, redis_url: str, channel: str):
    from django.db import OperationalError

    from servicehall.catalogue.choices import ClientType
    from servicehall.queueing.actions import issue_ticket
    from servicehall.queueing.models import Queue

    _use_channel(redis_url, channel)
    queues = list(Queue.objects.filter(pk__in=queue_ids))
    issued = retries = 0
    barrier.wait()
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            issue_ticket(
                queue=queues[issued % len(queues)], channel="kiosk",
                client_type=ClientType.RESIDENT,
            )  # fmt: skip
        except OperationalError:
            retries += 1
            continue
        issued += 1
    return {"issued": issued, "seconds": time.monotonic() - started, "retries": retries}


def clerk_worker(barrier, windows: list, calls: int, seed: int, redis_url: str, channel: str):
    """Call ``calls`` tickets, turn by turn at each window, 20-80 ms apart."""
    from servicehall.org.models import User, Window
    from servicehall.queueing.actions import call_next, finish_service
    from servicehall.queueing.models import WindowState

    _use_channel(redis_url, channel)
    rng = random.Random(seed)
    desks = [(Window.objects.get(pk=w), User.objects.get(pk=u)) for w, u in windows]
    made = []
    barrier.wait()
    for index in range(calls):
        window, clerk = desks[index % len(desks)]
        if WindowState.objects.filter(window=window, current__isnull=False).exists():
            finish_service(clerk, window)
        started = time.monotonic()
        ticket = call_next(clerk, window)
        made.append((ticket.code, started, time.monotonic() - started))
        time.sleep(rng.uniform(0.02, 0.08))
    return made


# --- a run ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Attached:
    """The stream and its displays, running until the ``with`` block ends."""

    def __init__(self, hall: dict, redis_url: str, channel: str) -> None:
        self.hall, self.redis_url, self.channel = hall, redis_url, channel

    def __enter__(self) -> Attached:
        port = _free_port()
        self.stop = SPAWN.Event()
        stream_ready, displays_ready = SPAWN.Event(), SPAWN.Event()
        self.stream = Children(
            "servicehall.bench.hall:stream_worker",
            [(stream_ready, self.stop, port, self.redis_url, self.channel)],
        ).__enter__()
        if not stream_ready.wait(60):
            raise RuntimeError("the event stream did not start")
        self.displays = Children(
            "servicehall.bench.hall:displays_worker",
            [(displays_ready, self.stop, port, self.hall["code"], DISPLAYS)],
        ).__enter__()
        if not displays_ready.wait(60):
            raise RuntimeError("the displays did not connect")
        return self

    def finish(self) -> tuple[dict, dict]:
        # A last call may still be on its way: the slowest path is one poll tick.
        time.sleep(1.5)
        self.stop.set()
        [displays] = self.displays.results(120)
        [stream] = self.stream.results(120)
        return stream, displays

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.displays.__exit__(*exc_info)
        self.stream.__exit__(*exc_info)


def _issue_rate(hall: dict, redis_url: str, channel: str) -> tuple[float, int]:
    barrier = SPAWN.Barrier(ISSUERS)
    outcomes = run_in_children(
        "servicehall.bench.hall:issuer_worker",
        [(barrier, hall["issue_queues"], ISSUE_SECONDS, redis_url, channel)] * ISSUERS,
    )
    issued = sum(o["issued"] for o in outcomes)
    return issued / max(o["seconds"] for o in outcomes), sum(o["retries"] for o in outcomes)


def _latencies(made: list, displays: dict) -> tuple[list[float], int]:
    latencies, missing = [], 0
    for seen in displays["receipts"]:
        for code, started, _duration in made:
            if code in seen:
                latencies.append(seen[code] - started)
            else:
                missing += 1
    return latencies, missing


def _call_phase(hall: dict, redis_url: str, channel: str, *, under_load: bool, seed: int):
    """Calls with the displays attached, alone or while the issuers run."""
    from django.db import connections

    _issue(hall["call_queue"], CALLS)
    connections.close_all()
    with Attached(hall, redis_url, channel) as attached:
        if under_load:
            seconds = CALLS * 0.07 + 2
            barrier = SPAWN.Barrier(ISSUERS + 1)
            with Children(
                "servicehall.bench.hall:issuer_worker",
                [(barrier, hall["issue_queues"], seconds, redis_url, channel)] * ISSUERS,
            ) as issuers:
                [made] = run_in_children(
                    "servicehall.bench.hall:clerk_worker",
                    [(barrier, hall["windows"], CALLS, seed, redis_url, channel)],
                )
                issuers.results()
        else:
            [made] = run_in_children(
                "servicehall.bench.hall:clerk_worker",
                [(SPAWN.Barrier(1), hall["windows"], CALLS, seed, redis_url, channel)],
            )
        stream, displays = attached.finish()
    return made, stream, displays


def _mode(name: str, hall: dict, redis_url: str, channel: str) -> list[Result]:
    from django.db import connections

    connections.close_all()
    without, with_displays, usage, retries = [], [], [], 0
    for _round in range(ROUNDS):
        rate, lost = _issue_rate(hall, redis_url, channel)
        without.append(rate)
        retries += lost
        with Attached(hall, redis_url, channel) as attached:
            rate, lost = _issue_rate(hall, redis_url, channel)
            with_displays.append(rate)
            retries += lost
            usage.append(attached.finish())
    base, loaded = statistics.median(without), statistics.median(with_displays)
    ratio = loaded / base
    stream_cpu = statistics.median(stream["cpu"] for stream, _displays in usage)
    display_cpu = statistics.median(displays["cpu"] for _stream, displays in usage)
    cost = Result(
        f"issuing with {DISPLAYS} displays attached, {name}",
        ratio,
        f">= {COST_GOAL} (cost <= {1 - COST_GOAL:.0%})",
        ratio >= COST_GOAL,
        [
            f"{ISSUERS} issuer processes, {ISSUE_SECONDS:.0f} s a round, {ROUNDS} rounds each: "
            f"median {loaded:,.0f}/s with the displays vs {base:,.0f}/s without "
            f"(cost {1 - ratio:.1%})",
            "rounds without: "
            + ", ".join(f"{r:,.0f}/s" for r in without)
            + "; with: "
            + ", ".join(f"{r:,.0f}/s" for r in with_displays),
            f"CPU while issuing: event stream {stream_cpu:.0%} of a core, the {DISPLAYS} "
            f"simulated displays {display_cpu:.0%} (on this machine, not on the server's)",
            f"retries after 'database is locked': {retries}",
        ],
    )

    results = [cost]
    for under_load, label in ((False, "a quiet hall"), (True, "while issuing at full speed")):
        made, stream, displays = _call_phase(
            hall, redis_url, channel, under_load=under_load, seed=len(results)
        )
        latencies, missing = _latencies(made, displays)
        failures = []
        if displays["connected"] != DISPLAYS:
            failures.append(f"only {displays['connected']} of {DISPLAYS} displays connected")
        if missing:
            failures.append(f"{missing} of {len(made) * DISPLAYS} call deliveries never arrived")
        if not latencies:
            results.append(Result(f"call to display, {name}, {label}", None, failures=failures))
            continue
        cut = _percentiles(latencies)
        action = _percentiles([duration for _code, _started, duration in made])
        results.append(
            Result(
                f"call to display, {name}, {label}",
                None,
                f"p99 <= {_ms(LATENCY_GOAL)}",
                cut["p99"] <= LATENCY_GOAL,
                [
                    f"{len(made)} calls x {DISPLAYS} displays: p50 {_ms(cut['p50'])}, "
                    f"p90 {_ms(cut['p90'])}, p99 {_ms(cut['p99'])}, max {_ms(cut['max'])}",
                    f"reference, call_next itself (commit included): p50 {_ms(action['p50'])}, "
                    f"p99 {_ms(action['p99'])}",
                    f"stream: {stream['ticks']} poll ticks, {stream['queries']} outbox queries "
                    f"(one per unit and tick), {stream['cpu']:.0%} of a core",
                ],
                failures,
            )
        )
    return results


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def bench_display(options: argparse.Namespace) -> list[Result]:
    from servicehall.queueing import events

    channel = f"servicehall:bench:{uuid.uuid4().hex}"
    saved = events.REDIS_CHANNEL
    # This process issues tickets too (for the calls): never on the production channel.
    _use_channel("", channel)
    try:
        hall = _make_hall()
        results = _mode("polling the outbox", hall, "", channel)
        if _redis_answers():
            results += _mode("through Redis", hall, REDIS_URL, channel)
        else:
            results.append(
                Result("display benchmarks through Redis", None, raw=[f"no Redis at {REDIS_URL}"])
            )
    finally:
        events.REDIS_CHANNEL = saved
    return results


BENCHMARKS = {"display": bench_display}
RUN_ORDER = ("display",)
