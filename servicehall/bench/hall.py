"""Hall display benchmark: call-to-display latency with 100 displays attached, and what
attaching them costs issuing.

``python -m servicehall.bench.hall [--postgres]`` runs it alone; ``BENCHMARKS`` and
``RUN_ORDER`` follow the convention of the other benchmark modules.

The event stream runs as in production, in a process of its own (``EventStream``, what
``servicehall eventstream`` serves); 100 displays are 100 connections to it from another
process, which notes when each call reaches each of them.

issue cost: processes issue tickets through ``queueing.actions.issue_ticket`` (ledger entry,
outbox event and, with Redis, the publication included) in rounds of two seconds, each in
a hall of its own, alternately with nothing attached and with 100 displays attached to
that hall; the same-run baseline is the round without them next to it (ratio = rate with /
rate without, the median over the pairs; goal at least 0.9: attaching costs at most 10 %).

latency: a clerk process calls tickets at four windows (``call_next``) every 20-80 ms,
first in a quiet hall, then while the issuers run at full speed; each call's latency is
from just before ``call_next`` (the click) until a display receives the frame, over every
display (goal p99 at most 250 ms). Shown beside it, from the same run: the latency from
the commit (``call_next`` returned), and ``call_next``'s own duration, which on SQLite
includes waiting for the database's one write lock while the issuers hold it.

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
import sys
import time
import uuid

from . import SPAWN, Children, Result, run_in_children

DISPLAYS = 100
ISSUERS = max(2, os.cpu_count() or 2)
ROUND_SECONDS = 2.0
# This host's rates swing by a factor of two between rounds seconds apart; with 8 pairs the
# median ratio moved by up to 9 % from run to run while the displays cost 0-3 %.
PAIRS = 16
CALLS = 200
WINDOWS = 4
LATENCY_GOAL = 0.250
COST_GOAL = 0.9
REDIS_URL = "redis://127.0.0.1:6379/0"


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


def _make_hall(code: str) -> dict:
    """A fresh hall for each round: the waiting counts every issue recounts start at zero."""
    from servicehall.org.models import User, Window
    from servicehall.queueing.actions import open_window
    from servicehall.queueing.models import HallSettings, Queue, WindowQueue

    from .entries import make_unit

    unit, staff = make_unit(code, WINDOWS)
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


async def _display(port: int, unit_code: str, receipts: list, connected: list) -> None:
    """One display: when it first received each call, by ticket."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /hall/events/{unit_code} HTTP/1.1\r\nHost: bench\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    connected.append(1)
    seen: dict[str, float] = {}
    receipts.append(seen)
    pending = b""
    try:
        while chunk := await reader.read(65536):
            now = time.monotonic()
            pending += chunk
            *frames, pending = pending.split(b"\n\n")
            for frame in frames:
                if b"\nevent: call\n" in frame:
                    data = json.loads(frame.rsplit(b"\ndata: ", 1)[1])
                    seen.setdefault(data["ticket"], now)
    finally:
        writer.close()


async def _attach(port: int, unit_code: str, count: int, receipts: list) -> list[asyncio.Task]:
    connected: list = []
    tasks = [
        asyncio.create_task(_display(port, unit_code, receipts, connected)) for _ in range(count)
    ]
    while len(connected) < count:
        if any(task.done() for task in tasks):
            await asyncio.gather(*tasks)  # raises the display's error
        await asyncio.sleep(0.01)
    return tasks


async def _detach(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def displays_worker(ready, stop, port: int, unit_code: str, count: int) -> dict:
    """``count`` displays on one unit, until ``stop``; when each received each call."""

    async def run() -> dict:
        receipts: list = []
        tasks = await _attach(port, unit_code, count, receipts)
        ready.set()
        cpu_before, started = _cpu_seconds(), time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        await _detach(tasks)
        return {
            "connected": len(tasks),
            "receipts": receipts,
            "cpu": (_cpu_seconds() - cpu_before) / elapsed,
        }

    return asyncio.run(run())


def switched_displays_worker(orders, replies, port: int, count: int) -> dict:
    """``count`` displays that attach to a unit and leave it on order (the cost rounds)."""

    async def run() -> dict:
        loop = asyncio.get_running_loop()
        cpu = seconds = 0.0
        tasks: list[asyncio.Task] = []
        while True:
            order = await loop.run_in_executor(None, orders.get)
            if order[0] == "attach":
                tasks = await _attach(port, order[1], count, [])
                cpu_before, started = _cpu_seconds(), time.monotonic()
            elif order[0] == "detach":
                cpu += _cpu_seconds() - cpu_before
                seconds += time.monotonic() - started
                await _detach(tasks)
            else:
                return {"cpu": cpu / seconds if seconds else 0.0}
            replies.put(order[0])

    return asyncio.run(run())


def _issue_for(queues: list, seconds: float) -> dict:
    from django.db import OperationalError

    from servicehall.catalogue.choices import ClientType
    from servicehall.queueing.actions import issue_ticket

    issued = retries = 0
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


def issuer_worker(barrier, queue_ids: list[int], seconds: float, redis_url: str, channel: str):
    from servicehall.queueing.models import Queue

    _use_channel(redis_url, channel)
    queues = list(Queue.objects.filter(pk__in=queue_ids))
    barrier.wait()
    return _issue_for(queues, seconds)


def phased_issuer_worker(barrier, phases: list, seconds: float, redis_url: str, channel: str):
    """Issue in each phase's hall for ``seconds``, phases started and ended together."""
    from servicehall.queueing.models import Queue

    _use_channel(redis_url, channel)
    outcomes = []
    for queue_ids in phases:
        queues = list(Queue.objects.filter(pk__in=queue_ids))
        barrier.wait()
        outcomes.append(_issue_for(queues, seconds))
        barrier.wait()
    return outcomes


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
        if ticket is None:
            # Nobody waiting: the service day changed at midnight during the run.
            raise RuntimeError("call_next found nobody waiting; run the benchmark again")
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


def _cost_rounds(tag: str, redis_url: str, channel: str) -> tuple[list, list, dict, dict]:
    """Issuing rates without and with the displays, in pairs of rounds next to each other.

    The same processes run every round (issuers, the stream, the displays that attach and
    leave), each round in a hall of its own, the order alternating within the pairs.
    """
    attach_order = [
        attach for pair in range(PAIRS) for attach in ((False, True), (True, False))[pair % 2]
    ]
    halls = [
        _make_hall(f"BH-{tag}{index:02d}{'D' if attach else 'N'}")
        for index, attach in enumerate(attach_order)
    ]
    port = _free_port()
    stop, stream_ready = SPAWN.Event(), SPAWN.Event()
    orders, replies = SPAWN.Queue(), SPAWN.Queue()
    barrier = SPAWN.Barrier(ISSUERS + 1)
    phases = [hall["issue_queues"] for hall in halls]
    with Children(
        "servicehall.bench.hall:stream_worker", [(stream_ready, stop, port, redis_url, channel)]
    ) as stream:
        if not stream_ready.wait(60):
            raise RuntimeError("the event stream did not start")
        with (
            Children(
                "servicehall.bench.hall:switched_displays_worker",
                [(orders, replies, port, DISPLAYS)],
            ) as displays,
            Children(
                "servicehall.bench.hall:phased_issuer_worker",
                [(barrier, phases, ROUND_SECONDS, redis_url, channel)] * ISSUERS,
            ) as issuers,
        ):
            for hall, attach in zip(halls, attach_order, strict=True):
                if attach:
                    orders.put(("attach", hall["code"]))
                    replies.get(timeout=60)
                barrier.wait(timeout=120)
                barrier.wait(timeout=120)
                if attach:
                    orders.put(("detach",))
                    replies.get(timeout=60)
            outcomes = issuers.results(120)
            orders.put(("stop",))
            [display_use] = displays.results(60)
        stop.set()
        [stream_use] = stream.results(60)
    rates: dict[bool, list[float]] = {False: [], True: []}
    retries = 0
    for index, attach in enumerate(attach_order):
        phase = [outcome[index] for outcome in outcomes]
        rates[attach].append(sum(p["issued"] for p in phase) / max(p["seconds"] for p in phase))
        retries += sum(p["retries"] for p in phase)
    # Pairs in time order: rounds 0-1, 2-3, ...
    return rates[False], rates[True], {**stream_use, "retries": retries}, display_use


def _mode(name: str, tag: str, redis_url: str, channel: str) -> list[Result]:
    without, with_displays, stream_use, display_use = _cost_rounds(tag, redis_url, channel)
    retries = stream_use["retries"]
    # Each round's two halves ran next to each other: their ratio is the least disturbed by
    # whatever else the machine does; the figure is the median of the rounds' ratios.
    ratios = [loaded / base for base, loaded in zip(without, with_displays, strict=True)]
    ratio = statistics.median(ratios)
    stream_cpu, display_cpu = stream_use["cpu"], display_use["cpu"]
    cost = Result(
        f"issuing with {DISPLAYS} displays attached, {name}",
        ratio,
        f">= {COST_GOAL} (cost <= {1 - COST_GOAL:.0%})",
        ratio >= COST_GOAL,
        [
            f"{ISSUERS} issuer processes, {PAIRS} pairs of {ROUND_SECONDS:.0f} s rounds without "
            f"and with the displays: median {statistics.median(without):,.0f}/s without, "
            f"{statistics.median(with_displays):,.0f}/s with (cost {1 - ratio:.1%})",
            "rounds, without -> with: "
            + ", ".join(
                f"{base:,.0f} -> {loaded:,.0f}"
                for base, loaded in zip(without, with_displays, strict=True)
            ),
            f"CPU: event stream {stream_cpu:.0%} of a core over all rounds (idle without "
            f"displays), the {DISPLAYS} simulated displays {display_cpu:.0%} while attached "
            "(on this machine, not on the server's)",
            f"retries after 'database is locked': {retries}",
        ],
    )

    results = [cost]
    for under_load, label in ((False, "a quiet hall"), (True, "while issuing at full speed")):
        hall = _make_hall(f"BH-{tag}{'L' if under_load else 'Q'}")
        made, stream, displays = _call_phase(
            hall, redis_url, channel, under_load=under_load, seed=len(results)
        )
        results.append(_latency_result(f"{name}, {label}", made, stream, displays))
    return results


def _latency_result(label: str, made: list, stream: dict, displays: dict) -> Result:
    failures = []
    if displays["connected"] != DISPLAYS:
        failures.append(f"only {displays['connected']} of {DISPLAYS} displays connected")
    from_click, from_commit, missing = [], [], 0
    for seen in displays["receipts"]:
        for code, started, duration in made:
            if code in seen:
                from_click.append(seen[code] - started)
                from_commit.append(seen[code] - started - duration)
            else:
                missing += 1
    if missing:
        failures.append(f"{missing} of {len(made) * DISPLAYS} call deliveries never arrived")
    name = f"call to display, {label}"
    if not from_click:
        return Result(name, None, failures=failures)
    click, commit = _percentiles(from_click), _percentiles(from_commit)
    action = _percentiles([duration for _code, _started, duration in made])

    def line(cut: dict) -> str:
        return ", ".join(f"{key} {_ms(value)}" for key, value in cut.items())

    return Result(
        name,
        None,
        f"p99 <= {_ms(LATENCY_GOAL)}",
        click["p99"] <= LATENCY_GOAL,
        [
            f"{len(made)} calls x {DISPLAYS} displays, from the click: {line(click)}",
            f"from the commit (call_next returned): {line(commit)}",
            f"reference, call_next itself (locks, ledger, commit): {line(action)}",
            f"stream: {stream['ticks']} poll ticks, {stream['queries']} outbox queries "
            f"(one per unit and tick), {stream['cpu']:.0%} of a core",
        ],
        failures,
    )


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
        results = _mode("polling the outbox", "P", "", channel)
        if _redis_answers():
            results += _mode("through Redis", "R", REDIS_URL, channel)
        else:
            results.append(
                Result("display benchmarks through Redis", None, raw=[f"no Redis at {REDIS_URL}"])
            )
    finally:
        events.REDIS_CHANNEL = saved
    return results


BENCHMARKS = {"display": bench_display}
RUN_ORDER = ("display",)


# --- running it alone ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m servicehall.bench.hall [--postgres]``."""
    from .__main__ import run_alone

    parser = argparse.ArgumentParser(
        prog="python -m servicehall.bench.hall",
        description="Call-to-display latency with 100 displays, and what they cost issuing.",
    )
    parser.add_argument(
        "--postgres", action="store_true", help="use a throwaway PostgreSQL database"
    )
    options = parser.parse_args(argv)
    return run_alone("display benchmark", bench_display, options)


if __name__ == "__main__":
    sys.exit(main())
