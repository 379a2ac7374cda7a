"""Instructions per request, counted by callgrind: the HTTP figures without the noise.

The HTTP benchmark's ratios move by a tenth from one minute to the next on these machines,
so a change of a few per cent in what an issue costs cannot be seen there. Here the same
requests run through Django's WSGI handler in one process under ``valgrind --tool=callgrind``,
which counts the instructions executed: the same count for the same code and data, however
busy the machine (repeatable to about 0.5 % here; the time of day and the random follow codes
change a little of what is hashed and stored).

Each kind of request runs twice on a fresh copy of one prepared database (the demo data, the
office's windows open, a kiosk's token): ``WARM`` requests, and ``WARM`` + N. The difference
over N is the cost of one request, without the interpreter's start and Django's set-up:

(a) ``GET /api/health``, the trivial JSON view: the baseline;
(b) ``POST /api/tickets`` from the kiosk, ledger entry and live event included: the ratio is
    the baseline's instructions over the issue's, as the HTTP benchmark's ratio is the issue's
    requests per second over the baseline's.

What callgrind does not count: the kernel's part (writes of the log, locks, reads of pages
another process changed) and the gunicorn layer, which the HTTP benchmark includes; and one
process alone never waits for the write lock. The figure has no goal of its own.

``python -m servicehall.bench.instructions [--requests N]`` runs it alone (SQLite only).
This module imports no Django model at its top (see ``servicehall.bench``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import Result
from .http import DEFAULT_CLIENTS, QUEUES

DEFAULT_REQUESTS = 200
WARM = 10
_COLLECTED = re.compile(rb"Collected : (\d+)")


# --- the children -----------------------------------------------------------------------------


def _use_database(path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicehall.settings"


def prepare(path: Path) -> str:
    """Migrate a new database at ``path`` and prepare the hall; the kiosk's token."""
    _use_database(path)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from .http import prepare_hall

    call_command("migrate", interactive=False, verbosity=0)
    # The hall the HTTP benchmark prepares: a window open for each of its clients.
    token = prepare_hall(DEFAULT_CLIENTS).kiosk
    connections.close_all()  # the log copied back into the file: one file to copy
    return token


def _environ(kind: str, index: int, token: str) -> dict:
    if kind == "health":
        body, extra = b"", {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/health"}
    else:
        body = json.dumps({"queue": QUEUES[index % len(QUEUES)], "client_type": "resident"})
        body = body.encode()
        extra = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/api/tickets",
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Bearer {token}",
        }  # fmt: skip
    return {
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
        "SERVER_PROTOCOL": "HTTP/1.1", "SCRIPT_NAME": "", "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        **extra,
    }  # fmt: skip


def serve(kind: str, count: int, path: Path, token: str) -> None:
    """``count`` requests of ``kind`` through the production WSGI application."""
    _use_database(path)
    from servicehall.wsgi import application

    expected = "200" if kind == "health" else "201"
    statuses: list[str] = []

    def start_response(status: str, _headers, *_exc_info) -> None:
        statuses.append(status)

    for index in range(count):
        answer = application(_environ(kind, index, token), start_response)
        b"".join(answer)
        answer.close()
        if not statuses[-1].startswith(expected):
            raise SystemExit(f"{kind} request {index}: {statuses[-1]}")


# --- the benchmark ----------------------------------------------------------------------------


def _counted(kind: str, count: int, prepared: Path, token: str, scratch: Path) -> int:
    """The instructions of a process that serves ``count`` requests of ``kind``."""
    copy = scratch / f"{kind}-{count}.sqlite3"
    shutil.copyfile(prepared, copy)
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, "-m", "servicehall.bench.instructions",
        "--serve", kind, str(count), str(copy), token,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"callgrind of {count} {kind} requests failed:\n{tail}")
    return int(found.group(1))


def bench_instructions(options: argparse.Namespace) -> list[Result]:
    requests = getattr(options, "instruction_requests", None) or DEFAULT_REQUESTS
    if shutil.which("valgrind") is None:
        return [Result("instructions", None, failures=["valgrind is not installed"])]
    with tempfile.TemporaryDirectory(prefix="servicehall-instructions-") as directory:
        scratch = Path(directory)
        prepared = scratch / "prepared.sqlite3"
        token = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "servicehall.bench.instructions", "--prepare", str(prepared)],
            capture_output=True, check=True, text=True,
        ).stdout.strip()  # fmt: skip
        runs = [(kind, count) for kind in ("health", "issue") for count in (WARM, WARM + requests)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            totals = dict(
                zip(
                    runs,
                    pool.map(lambda run: _counted(*run, prepared, token, scratch), runs),
                    strict=True,
                )
            )
    per = {
        kind: (totals[(kind, WARM + requests)] - totals[(kind, WARM)]) / requests
        for kind in ("health", "issue")
    }
    setup = (
        f"valgrind --tool=callgrind, one process, Django's WSGI handler; ({WARM + requests} - "
        f"{WARM} requests) / {requests}, each kind on a fresh copy of the prepared database"
    )
    return [
        Result(
            "instructions: trivial JSON view (baseline)",
            1.0,
            raw=[setup, f"GET /api/health: {per['health'] / 1e6:.3f} million instructions"],
        ),
        Result(
            "instructions: issue a ticket",
            per["health"] / per["issue"],
            raw=[
                f"POST /api/tickets: {per['issue'] / 1e6:.3f} million instructions",
                "ratio: the baseline's instructions over the issue's (no goal: the HTTP "
                "benchmark's ratio is the product's figure)",
            ],
        ),
    ]


BENCHMARKS = {"instructions": bench_instructions}
RUN_ORDER = ("instructions",)


# --- running it ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m servicehall.bench.instructions",
        description="Instructions per request, counted by callgrind.",
    )
    parser.add_argument(
        "--requests", dest="instruction_requests", type=int, default=DEFAULT_REQUESTS,
        help=f"requests counted of each kind, after {WARM} (default {DEFAULT_REQUESTS})",
    )  # fmt: skip
    parser.add_argument("--prepare", metavar="DATABASE", help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=4, metavar="ARG", help=argparse.SUPPRESS)
    parser.add_argument("--postgres", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if options.prepare:
        print(prepare(Path(options.prepare)))
        return 0
    if options.serve:
        kind, count, path, token = options.serve
        serve(kind, int(count), Path(path), token)
        return 0
    if options.postgres:
        print("The instruction counts are measured on SQLite only.")
        return 2
    from .__main__ import run_alone

    return run_alone("instruction counts", bench_instructions, options)


if __name__ == "__main__":
    sys.exit(main())
