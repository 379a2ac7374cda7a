"""HTTP benchmarks of the device API on the production server.

``servicehall serve`` (gunicorn over WSGI, its default workers and threads, access log
included) runs on a free loopback port against the bench's throwaway database, filled with
the demo data (three offices, queues A-D, the roster); the office's windows are opened by
their rostered clerks, and a kiosk and one counter terminal per client get device tokens.
A bounded load generator (a few threads, each with one keep-alive connection, a fixed
number of requests and a time limit) then measures, in several short rounds of:

(a) ``GET /api/health``, a trivial JSON view of the same server: the baseline, measured
    before and after each round's other phases; the mean of the two is used;
(b) ``POST /api/tickets`` from the kiosk: issuing a ticket, ledger entry and live event
    included (ratio = issues/s / baseline requests/s, goal at least 0.35);
(c) the whole visit: issue, call next, start, finish, each by HTTP (ratio = the visit's
    requests/s / baseline requests/s, goal at least 0.3).

Each figure is the median of the rounds' ratios: this machine's speed drifts within a
minute, and a ratio is only fair between phases measured at the same speed. Fifteen
rounds: one round's issuing ratio ranged from 0.23 to 0.48 here (a standard deviation of
0.045 over 40 rounds), and the median of five rounds moved by 0.03 from one run to the
next.

Every answer must have the expected status; afterwards the tickets are counted and the
office's ledger chain is verified.

``python -m servicehall.bench.http [--requests N] [--rounds R] [--clients C] [--seconds S]
[--postgres]``
runs them alone; ``BENCHMARKS`` and ``RUN_ORDER`` follow the convention of the other
benchmark modules.

This module imports no Django model at its top (see ``servicehall.bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import Result

ISSUE_GOAL = 0.35
VISIT_GOAL = 0.3
DEFAULT_REQUESTS = 9000
DEFAULT_CLIENTS = 4
DEFAULT_SECONDS = 30.0
DEFAULT_ROUNDS = 15
HOST = "127.0.0.1"
OFFICE = "OFF-LJ-SS"
# Issued tickets go to the demo queues in turn, so no queue grows past what a hall sees.
QUEUES = ("A", "B", "C", "D")
STARTUP_SECONDS = 60


# --- a lean HTTP/1.1 client ----------------------------------------------------------------


class HttpError(RuntimeError):
    pass


class Connection:
    """One keep-alive connection that sends prepared requests and reads whole answers.

    Deliberately minimal (no header parsing beyond the status and the body's length), so
    that the generator's own cost per request stays small beside the server's.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((HOST, self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.sock is None:
                self.sock = self._connect()
            try:
                self.sock.sendall(raw)
                return self._read()
            except (ConnectionError, HttpError):
                # The server may close an idle keep-alive connection between requests.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _recv(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise HttpError("connection closed by the server")
        self.buffer += chunk

    def _read(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._recv()
        head, _sep, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        start = lower.find(b"\r\ncontent-length:")
        if start < 0:
            raise HttpError(f"no Content-Length in an answer with status {status}")
        end = lower.find(b"\r\n", start + 2)
        length = int(lower[start + 17 : end if end > 0 else None])
        while len(self.buffer) < length:
            self._recv()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if b"\r\nconnection: close" in lower:
            self.close()
        return status, body


def get(path: str, port: int, token: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{auth}\r\n".encode()


def post(path: str, port: int, token: str, data: dict | None = None) -> bytes:
    body = json.dumps(data).encode() if data is not None else b""
    return (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


# --- the load generator --------------------------------------------------------------------


@dataclass
class Phase:
    """What one phase of load did: operations, their latencies, unexpected answers."""

    name: str
    operations: int = 0
    requests_per_operation: int = 1
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    unexpected: Counter = field(default_factory=Counter)
    stopped_by_time: bool = False

    @property
    def requests_per_second(self) -> float:
        return self.operations * self.requests_per_operation / self.seconds

    def describe(self) -> str:
        quantiles = statistics.quantiles(self.latencies, n=100)
        unit = "request" if self.requests_per_operation == 1 else "visit"
        text = (
            f"{self.name}: {self.operations:,} {unit}s in {self.seconds:.2f} s = "
            f"{self.operations / self.seconds:,.0f} {unit}s/s"
        )
        if self.requests_per_operation > 1:
            text += f" ({self.requests_per_second:,.0f} requests/s)"
        text += f"; per {unit} p50 {quantiles[49] * 1000:.1f} ms, p99 {quantiles[98] * 1000:.1f} ms"
        if self.stopped_by_time:
            text += "; stopped by the time limit"
        return text


# An operation sends its requests on the client's connection and returns the unexpected
# answers it met, as "METHOD path -> status" strings.
Operation = Callable[[Connection, int], list[str]]


def run_phase(
    name: str,
    port: int,
    operations: list[Operation],
    count: int,
    seconds: float,
    requests_per_operation: int = 1,
    connection_class: type[Connection] = Connection,
) -> Phase:
    """``count`` operations shared by ``len(operations)`` client threads (client ``i`` runs
    ``operations[i]`` on its own ``connection_class`` connection), stopping early after
    ``seconds``."""
    phase = Phase(name, requests_per_operation=requests_per_operation)
    clients = len(operations)
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    deadline: list[float] = []
    done = [0] * clients

    def client(index: int) -> None:
        connection = connection_class(port)
        latencies, unexpected = [], Counter()
        share = count // clients + (1 if index < count % clients else 0)
        barrier.wait()
        try:
            for _ in range(share):
                if time.perf_counter() > deadline[0]:
                    phase.stopped_by_time = True
                    break
                began = time.perf_counter()
                unexpected.update(operations[index](connection, index))
                latencies.append(time.perf_counter() - began)
                done[index] += 1
        finally:
            connection.close()
            with lock:
                phase.latencies.extend(latencies)
                phase.unexpected.update(unexpected)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline.append(started + seconds)
    barrier.wait()
    for thread in threads:
        thread.join(seconds + 60)
        if thread.is_alive():
            raise RuntimeError(f"{name}: a client thread did not finish")
    phase.seconds = time.perf_counter() - started
    phase.operations = sum(done)
    return phase


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def production_server(port: int, log: Path, workers: int | None = None) -> Iterator[str]:
    """``servicehall serve`` on ``port``, with this process's environment (and so the
    throwaway database); stopped (SIGTERM, then SIGKILL) when the block ends."""
    command = [
        sys.executable,
        "-m",
        "servicehall.cli",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    if workers:
        command += ["--workers", str(workers)]
    with log.open("wb") as output:
        # The serve command replaces itself with gunicorn: this pid is gunicorn's master.
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        _wait_until_up(process, port, log)
        yield " ".join(command[1:])
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped at start:\n{log.read_text()[-3000:]}")
        connection = Connection(port)
        try:
            if connection.request(get("/api/health", port))[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise RuntimeError(f"the server did not answer within {STARTUP_SECONDS} s")


# --- the hall ------------------------------------------------------------------------------


@dataclass
class Hall:
    office_id: int
    kiosk: str
    terminals: list[str]


def prepare_hall(clients: int) -> Hall:
    """The demo data, the office's first ``clients`` windows opened by their rostered clerk
    (or another clerk of the office on a day without roster), and device tokens."""
    from django.utils import timezone

    from servicehall.devices.actions import issue_device
    from servicehall.devices.choices import DeviceKind
    from servicehall.org.choices import Role
    from servicehall.org.models import DutyAssignment, Unit, User, Window
    from servicehall.portal.demo import load_demo_data
    from servicehall.queueing.actions import open_window

    load_demo_data()
    office = Unit.objects.get(code=OFFICE)
    admin = User.objects.get(username="sysadmin")
    windows = list(Window.objects.filter(unit=office).order_by("number")[:clients])
    if len(windows) < clients:
        raise ValueError(f"the demo office has {len(windows)} windows, fewer than {clients}")
    rostered = dict(
        DutyAssignment.objects.filter(window__in=windows, date=timezone.localdate()).values_list(
            "window_id", "staff_id"
        )
    )
    spare = iter(
        User.objects.filter(unit=office, role=Role.CLERK)
        .exclude(pk__in=rostered.values())
        .order_by("staff_no")
    )
    terminals = []
    for window in windows:
        clerk = User.objects.get(pk=rostered[window.pk]) if window.pk in rostered else next(spare)
        open_window(clerk, window, systems_checked=True, vouchers_ready=True, at_post=True)
        terminals.append(
            issue_device(
                admin, unit=office, kind=DeviceKind.COUNTER_TERMINAL,
                name=f"bench terminal {window.number}", window=window,
            )[1]
        )  # fmt: skip
    kiosk = issue_device(admin, unit=office, kind=DeviceKind.KIOSK, name="bench kiosk")[1]
    return Hall(office.pk, kiosk, terminals)


# --- the operations ------------------------------------------------------------------------


def _expect(
    connection: Connection, raw: bytes, status: int, label: str
) -> tuple[str | None, bytes]:
    got, body = connection.request(raw)
    return (None if got == status else f"{label} -> {got}"), body


def health_operation(port: int) -> Operation:
    raw = get("/api/health", port)

    def operation(connection: Connection, _index: int) -> list[str]:
        problem, _body = _expect(connection, raw, 200, "GET /api/health")
        return [problem] if problem else []

    return operation


def issue_operation(port: int, kiosk: str) -> Operation:
    raws = [
        post("/api/tickets", port, kiosk, {"queue": q, "client_type": "resident"}) for q in QUEUES
    ]
    turn = iter(range(10**9))

    def operation(connection: Connection, _index: int) -> list[str]:
        problem, _body = _expect(connection, raws[next(turn) % len(raws)], 201, "POST /api/tickets")
        return [problem] if problem else []

    return operation


def visit_operation(port: int, kiosk: str, terminal: str) -> Operation:
    """Issue a ticket, call the next client at this terminal's window, start, finish."""
    issue = post("/api/tickets", port, kiosk, {"queue": "A", "client_type": "resident"})
    steps = [
        (post("/api/window/call-next", port, terminal), "POST /api/window/call-next"),
        (post("/api/window/start", port, terminal), "POST /api/window/start"),
        (post("/api/window/finish", port, terminal), "POST /api/window/finish"),
    ]

    def operation(connection: Connection, _index: int) -> list[str]:
        problems = []
        problem, _body = _expect(connection, issue, 201, "POST /api/tickets")
        if problem:
            return [problem]
        for raw, label in steps:
            problem, body = _expect(connection, raw, 200, label)
            if problem:
                return [*problems, problem]
            if label.endswith("call-next") and json.loads(body)["ticket"] is None:
                return [f"{label} -> nobody waiting"]
        return problems

    return operation


# --- the benchmark -------------------------------------------------------------------------


def _settings(options: argparse.Namespace) -> tuple[int, int, float]:
    requests = getattr(options, "http_requests", None) or DEFAULT_REQUESTS
    clients = getattr(options, "http_clients", None) or DEFAULT_CLIENTS
    seconds = getattr(options, "http_seconds", None) or DEFAULT_SECONDS
    return requests, clients, seconds


def _check_hall(hall: Hall, issued: int, visits: int) -> list[str]:
    """The tickets the server answered for are all there, and the chain verifies."""
    from servicehall.ledger.verify import Summary, verify_unit
    from servicehall.queueing.models import Ticket

    failures = []
    tickets = Ticket.objects.filter(unit_id=hall.office_id)
    if tickets.count() != issued + visits:
        failures.append(f"{tickets.count()} tickets in the database, {issued + visits} issued")
    done = tickets.filter(status="done").count()
    if done != visits:
        failures.append(f"{done} tickets done, {visits} visits finished")
    if problem := verify_unit(hall.office_id, Summary()):
        failures.append(f"verify_unit: {problem}")
    return failures


def _unexpected(*phases: Phase) -> list[str]:
    return [
        f"{phase.name}: {n} x {answer}"
        for phase in phases
        for answer, n in phase.unexpected.items()
    ]


@dataclass
class Round:
    """One round of load: the baseline, then issuing, then whole visits; the baseline of
    the next round (or the last one) closes it."""

    health: Phase
    issued: Phase
    visits: Phase


def _ratios(rounds: list[Round], closing: Phase) -> list[tuple[float, float, float]]:
    """Per round: the baseline (the mean of the two around it, requests/s) and the issue
    and visit ratios against it."""
    found = []
    for index, round_ in enumerate(rounds):
        after = rounds[index + 1].health if index + 1 < len(rounds) else closing
        base = (round_.health.requests_per_second + after.requests_per_second) / 2
        found.append(
            (
                base,
                round_.issued.requests_per_second / base,
                round_.visits.requests_per_second / base,
            )
        )
    return found


def _database_size() -> str:
    """The database the server starts on (the earlier benchmarks of ``make bench`` leave
    theirs in it), and on SQLite its write-ahead log."""
    from django.db import connection

    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return f"database {cursor.fetchone()[0] / 2**20:,.0f} MiB"
    name = connection.settings_dict["NAME"]
    log = f"{name}-wal"
    log_size = os.path.getsize(log) if os.path.exists(log) else 0
    return f"database {os.path.getsize(name) / 2**20:,.0f} MiB, log {log_size / 2**20:,.1f} MiB"


def _round_lines(rounds: list[Round], ratios: list, pick: Callable[[Round], Phase], at: int):
    return [
        f"round {n}: {pick(round_).describe()}; ratio {ratio[at]:.3f}"
        for n, (round_, ratio) in enumerate(zip(rounds, ratios, strict=True), start=1)
    ]


def bench_http(options: argparse.Namespace) -> list[Result]:
    from django.db import connections

    requests, clients, seconds = _settings(options)
    rounds_count = getattr(options, "http_rounds", None) or DEFAULT_ROUNDS
    per_round = max(requests // rounds_count, clients)
    hall = prepare_hall(clients)
    database = _database_size()
    connections.close_all()  # the server's processes open their own
    port = free_port()
    # The throwaway database's directory (see __main__) also keeps the server's log.
    log = Path(os.environ["SERVICEHALL_VAR_DIR"]) / "bench-http-server.log"
    with production_server(port, log, getattr(options, "http_workers", None)) as command:
        health = [health_operation(port)] * clients
        issue = [issue_operation(port, hall.kiosk)] * clients
        visit = [visit_operation(port, hall.kiosk, token) for token in hall.terminals]
        # Every worker process warms up: imports, the first queries, the URL resolver.
        warm = [
            run_phase("warm-up", port, health, 200 * clients, seconds),
            run_phase("warm-up", port, issue, 20 * clients, seconds),
            run_phase("warm-up", port, visit, 5 * clients, seconds, 4),
        ]
        # Short rounds, each ratio against the baseline measured just around it: this
        # machine's speed drifts by a third within a minute, so one long phase of each
        # would compare the two at different speeds.
        rounds = [
            Round(
                run_phase("(a) GET /api/health", port, health, per_round, seconds),
                run_phase("(b) POST /api/tickets", port, issue, per_round, seconds),
                run_phase("(c) visit", port, visit, max(per_round // 4, clients), seconds, 4),
            )
            for _round in range(rounds_count)
        ]
        closing = run_phase("(a) GET /api/health", port, health, per_round, seconds)
    issued = warm[1].operations + sum(round_.issued.operations for round_ in rounds)
    visited = warm[2].operations + sum(round_.visits.operations for round_ in rounds)
    hall_failures = _check_hall(hall, issued=issued, visits=visited)
    ratios = _ratios(rounds, closing)
    issue_ratio = statistics.median(ratio[1] for ratio in ratios)
    visit_ratio = statistics.median(ratio[2] for ratio in ratios)
    setup = (
        f"server: {command} ({os.cpu_count()} CPUs); {clients} client threads, one "
        f"connection each (kept alive where the server allows); {rounds_count} rounds of at "
        f"most {per_round:,} requests a phase and {seconds:.0f} s; each ratio is the median of "
        "the rounds', each against the mean of the baselines just before and after it; "
        f"{database}"
    )
    baseline_lines = [
        f"round {n}: {round_.health.describe()}; baseline {ratio[0]:,.0f} requests/s"
        for n, (round_, ratio) in enumerate(zip(rounds, ratios, strict=True), start=1)
    ] + [f"closing: {closing.describe()}"]
    healths = [round_.health for round_ in rounds] + [closing]
    return [
        Result(
            "http: trivial JSON view (baseline)",
            1.0,
            raw=[setup, *baseline_lines],
            failures=_unexpected(warm[0], *healths),
        ),
        Result(
            "http: issue a ticket",
            issue_ratio,
            f">= {ISSUE_GOAL}",
            issue_ratio >= ISSUE_GOAL,
            [
                *_round_lines(rounds, ratios, lambda round_: round_.issued, 1),
                "ledger entry and live event in each request's transaction",
            ],
            _unexpected(warm[1], *(round_.issued for round_ in rounds)),
        ),
        Result(
            "http: visit (issue, call, start, finish)",
            visit_ratio,
            f">= {VISIT_GOAL}",
            visit_ratio >= VISIT_GOAL,
            [
                *_round_lines(rounds, ratios, lambda round_: round_.visits, 2),
                "ratio: the visit's requests/s over the baseline's requests/s",
            ],
            _unexpected(warm[2], *(round_.visits for round_ in rounds)) + hall_failures,
        ),
    ]


BENCHMARKS = {"http": bench_http}
RUN_ORDER = ("http",)


# --- running it alone ----------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m servicehall.bench.http",
        description="HTTP benchmarks of the device API on the production server.",
    )
    parser.add_argument(
        "--requests", dest="http_requests", type=int, default=DEFAULT_REQUESTS,
        help=f"requests per phase at most (default {DEFAULT_REQUESTS:,}; a visit counts 4)",
    )  # fmt: skip
    parser.add_argument(
        "--clients", dest="http_clients", type=int, default=DEFAULT_CLIENTS,
        help=f"client threads, each with one connection (default {DEFAULT_CLIENTS})",
    )  # fmt: skip
    parser.add_argument(
        "--seconds", dest="http_seconds", type=float, default=DEFAULT_SECONDS,
        help=f"time limit of each phase (default {DEFAULT_SECONDS:.0f})",
    )  # fmt: skip
    parser.add_argument(
        "--rounds", dest="http_rounds", type=int, default=DEFAULT_ROUNDS,
        help=f"rounds the requests are shared among (default {DEFAULT_ROUNDS})",
    )  # fmt: skip
    parser.add_argument(
        "--workers", dest="http_workers", type=int, default=None,
        help="gunicorn worker processes (default: as `servicehall serve`, one per CPU)",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", action="store_true", help="use a throwaway PostgreSQL database"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from .__main__ import run_alone

    return run_alone("HTTP benchmark", bench_http, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
