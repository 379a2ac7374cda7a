"""``python -m servicehall.bench [NAME] [--entries N] [--appends K] [--postgres] [--profile]``.

Runs the benchmarks whose name contains NAME (all by default) and prints a table. They run
on a throwaway database: SQLite in a temporary directory or, with ``--postgres``, a
database named servicehall_bench that is created and then dropped on the PostgreSQL server
DATABASE_URL names (postgres://postgres@127.0.0.1:5432 when it names none). The user's
database is never opened; the temporary directory is also the run's SERVICEHALL_VAR_DIR.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from . import Result, format_table, setup_django

BENCH_DATABASE = "servicehall_bench"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def _at_least(minimum: int):
    def parse(text: str) -> int:
        value = int(text.replace("_", ""))
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m servicehall.bench",
        description="ServiceHall benchmarks, each a ratio to a baseline measured in the same run.",
    )
    parser.add_argument("name", nargs="?", default="", help="run the benchmarks named so")
    parser.add_argument(
        "--entries",
        type=_at_least(20_000),
        default=1_000_000,
        help="entries in the ledger that is verified (default 1,000,000)",
    )
    parser.add_argument(
        "--appends",
        type=_at_least(50),
        default=1000,
        help="entries each writer process appends (default 1,000)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"run on a throwaway database {BENCH_DATABASE} on PostgreSQL instead of SQLite",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="add a cProfile summary of verifying the smaller ledger",
    )
    return parser.parse_args(argv)


@contextmanager
def _postgres_database(url: str) -> Iterator[str]:
    """Create the bench database on the server ``url`` names, yield its URL, drop it."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url if url.startswith(("postgres:", "postgresql:")) else DEFAULT_SERVER)
    admin_url = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    bench_url = urlunsplit(("postgresql", parts.netloc, f"/{BENCH_DATABASE}", parts.query, ""))
    name = sql.Identifier(BENCH_DATABASE)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        yield bench_url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(drop)


@contextmanager
def throwaway_database(postgres: bool) -> Iterator[None]:
    """Point this process and its children at a database of their own."""
    directory = tempfile.mkdtemp(prefix="servicehall-bench-")
    os.environ["SERVICEHALL_VAR_DIR"] = directory
    try:
        if postgres:
            with _postgres_database(os.environ.get("DATABASE_URL", "")) as url:
                os.environ["DATABASE_URL"] = url
                yield
        else:
            os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
            yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _describe(options: argparse.Namespace) -> str:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT 'SQLite ' || sqlite_version()")
        else:
            cursor.execute("SELECT split_part(version(), ' on ', 1)")
        database = cursor.fetchone()[0]
    return (
        f"ServiceHall benchmarks: {database} ({connection.settings_dict['NAME']}), "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"ledger hash {settings.LEDGER_HASH}; --entries {options.entries:,} "
        f"--appends {options.appends:,}"
    )


def run_alone(title: str, bench, options) -> int:
    """Run one benchmark module by itself (``python -m servicehall.bench.<module>``): a
    throwaway database, migrated, then ``bench(options)`` and its table; 1 on a failure."""
    started = time.perf_counter()
    with throwaway_database(options.postgres):
        setup_django()
        from django.core.management import call_command
        from django.db import connection, connections

        try:
            call_command("migrate", interactive=False, verbosity=0)
            print(f"ServiceHall {title} on {connection.vendor}, {os.cpu_count()} CPUs", flush=True)
            results = bench(options)
        finally:
            connections.close_all()
    print()
    print(format_table(results))
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")
    return 1 if any(result.failures for result in results) else 0


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.perf_counter()
    results: list[Result] = []
    with throwaway_database(options.postgres):
        setup_django()
        from django.core.management import call_command
        from django.db import connections

        from . import cases, hall, http, instructions, ledger

        BENCHMARKS = {  # noqa: N806
            **ledger.BENCHMARKS, **http.BENCHMARKS, **cases.BENCHMARKS, **hall.BENCHMARKS,
            **instructions.BENCHMARKS,
        }  # fmt: skip
        RUN_ORDER = (  # noqa: N806
            ledger.RUN_ORDER + http.RUN_ORDER + cases.RUN_ORDER + hall.RUN_ORDER
            + instructions.RUN_ORDER
        )  # fmt: skip

        chosen = {name: run for name, run in BENCHMARKS.items() if options.name in name}
        if not chosen:
            print(f"No benchmark is named {options.name!r}; there are: {', '.join(BENCHMARKS)}")
            return 2
        try:
            call_command("migrate", interactive=False, verbosity=0)
            print(_describe(options), flush=True)
            by_name = {}
            for name in RUN_ORDER:
                if name in chosen:
                    print(f"running {name} ...", flush=True)
                    begun = time.perf_counter()
                    by_name[name] = chosen[name](options)
                    print(f"  {name} took {time.perf_counter() - begun:.0f} s", flush=True)
            results = [result for name in chosen for result in by_name[name]]
        finally:
            connections.close_all()
    print()
    print(format_table(results))
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")
    # Slow figures are reported; a broken chain or a wrong count is a failure.
    return 1 if any(result.failures for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
