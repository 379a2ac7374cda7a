"""Ledger benchmarks: verification speed and memory, and append throughput.

verify: the ledger of one unit is filled with realistic entries, then
``verify.verify_unit`` is timed against hashing the very same entry bytes with
``hashlib.sha256`` in a plain loop (ratio = loop seconds / verify seconds, goal at least
0.5, for the verifier as ``servicehall ledger verify`` runs it: one process per CPU; one
process is shown for comparison), in one process and shared out among one process per CPU
(``workers``), in rounds
that alternate the baseline and the verifications, so that the other load of a shared
machine weighs on both sides of each ratio (the median over the rounds). It measures
what ``verify_unit`` does (on SQLite through the C scanner where it is built, see
``ledger.verify``): read every entry, rebuild its bytes, recompute its leaf hash
and compare it with the stored one, check every link and sequence number, grow the
Merkle tree and check each checkpoint and the head; not the reconciliation of the
business tables, which ``ledger verify`` runs after it. Its peak memory (tracemalloc,
and growth of the peak RSS) is compared with that of a ledger ten times smaller:
streaming verification stays flat.

append: 1, 2 and 4 writer processes append through ``ledger.actions.append``, one entry
per transaction, to one shared unit and to a unit each; the baseline is one process
inserting as many rows of the same size into a plain table, one per transaction
(ratio = appends/s / inserts/s). Afterwards every chain must verify and hold exactly the
entries written.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import os
import pstats
import random
import resource
import statistics
import time
import tracemalloc
from collections import Counter

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from servicehall.ledger.actions import Subject, append, hasher
from servicehall.ledger.canonical import canonical_json
from servicehall.ledger.choices import Channel
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.registry import register_event
from servicehall.ledger.verify import CHUNK, PARALLEL_MIN, Summary, verify_unit
from servicehall.org.models import User

from . import (
    SPAWN,
    Children,
    Result,
    max_rss_mib,
    peak_rss_mib,
    reset_peak_rss,
    run_in_children,
)
from .entries import START, event, fill, make_unit

VERIFY_GOAL = 0.5
# Processes of the parallel verification: one per CPU.
WORKERS = os.cpu_count() or 1
# Peak memory of the large verification over that of the small one: flat means close to 1.
FLAT_MEMORY_LIMIT = 1.5
WRITERS = (1, 2, 4)
BENCH_EVENT = "bench.append"
VERIFY_ROUNDS = 3
WARM_UP_INSERTS = 20


def _mib(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


def _growth(before_after: tuple[float, float]) -> str:
    before, after = before_after
    return f"{before:.1f} -> {after:.1f} MiB (+{after - before:.1f})"


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "-"


# --- verify --------------------------------------------------------------------------------


def hash_loop(data: list[bytes]) -> float:
    """The baseline: hash every entry's bytes once, in the plainest loop."""
    started = time.perf_counter()
    for b in data:
        hashlib.sha256(b).digest()
    return time.perf_counter() - started


def _verify_path() -> str:
    """Which path read the entries: the C scanner on SQLite, or Python."""
    from servicehall.ledger import verify

    if connection.vendor == "sqlite" and verify._fastverify is not None:
        return "C scanner (servicehall.ledger._fastverify) reading SQLite, subtrees hashed in C"
    if connection.vendor == "postgresql":
        subtrees = "in C" if verify._fastverify is not None else "in Python"
        return (
            "PostgreSQL hashing the entries (sha256()), Python checking them, "
            f"subtrees hashed {subtrees}"
        )
    return "Python (the C extension is not built: see setup.py)"


def children_max_rss_mib() -> float:
    """The largest peak resident set of this process's finished children (getrusage)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _timed_verify(unit_id: int, workers: int) -> dict:
    gc.collect()
    summary = Summary()
    started = time.perf_counter()
    problem = verify_unit(unit_id, summary, workers=workers)
    return {
        "seconds": time.perf_counter() - started,
        "problem": None if problem is None else str(problem),
        "entries": summary.entries,
    }


def verify_worker(
    ready, commands, replies, warm_unit: int, small_unit: int, big_unit: int, profile: bool
) -> dict:
    """Verify the filled ledgers once ``ready`` is set: first for memory, then timed, in
    one process or in ``WORKERS`` (``verify_unit(..., workers=WORKERS)``, forked from
    this one), as the parent asks on ``commands`` ((unit, workers), None to stop) between
    its runs of the baseline; each time goes back on ``replies``.

    A process of its own, started before the parent filled anything, so that its peak RSS
    is the verification's: a spawned process starts with its parent's peak, and the parent
    keeps every entry's bytes for the baseline.
    """
    ready.wait()
    connection.ensure_connection()
    # The first verification pays for imports, query compilation and the signer key.
    verify_unit(warm_unit, Summary())
    measured: dict = {}
    for name, unit_id in (("small", small_unit), ("big", big_unit)):
        gc.collect()
        measured["rss_reset"] = reset_peak_rss()
        maxrss_before, peak_before = max_rss_mib(), peak_rss_mib()
        measured[name] = _timed_verify(unit_id, 1)
        measured[name]["maxrss"] = (maxrss_before, max_rss_mib())
        measured[name]["peak"] = (peak_before, peak_rss_mib())
    for name, unit_id in (("small", small_unit), ("big", big_unit)):
        gc.collect()
        tracemalloc.start()
        verify_unit(unit_id, Summary())
        measured[name]["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(verify_unit, small_unit, Summary())
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(18)
        measured["profile"] = text.getvalue()
    replies.put("measured")
    while (command := commands.get()) is not None:
        unit_id, workers = command
        # The forked processes read with connections of their own; this one's is closed
        # before they fork.
        replies.put(_timed_verify(unit_id, workers))
    measured["children_maxrss"] = children_max_rss_mib()
    return measured


def _timing_rounds(filled: dict, units: dict, commands, replies) -> dict:
    """``VERIFY_ROUNDS`` rounds, each: the baseline, verify in one process, the baseline,
    verify in ``WORKERS``, the baseline; a verification's ratio is the mean of the two
    baselines around it over its time, so that other load on the machine weighs on both."""
    rounds: dict = {(name, workers): [] for name in ("big", "small") for workers in (1, WORKERS)}
    for _round in range(VERIFY_ROUNDS):
        for name in ("big", "small"):
            before = hash_loop(filled[name].data)
            for workers in (1, WORKERS):
                commands.put((units[name][0].pk, workers))
                verified = replies.get(timeout=900)
                after = hash_loop(filled[name].data)
                rounds[name, workers].append({**verified, "baseline": (before + after) / 2})
                before = after
    commands.put(None)
    return rounds


def bench_verify(options: argparse.Namespace) -> list[Result]:
    big_count = options.entries
    # The smaller ledger still spans several of verify's read chunks.
    small_count = min(big_count, max(big_count // 10, 2 * CHUNK))
    sizes = {"warm": (1000, 3), "small": (small_count, 2), "big": (big_count, 1)}
    units = {name: make_unit(f"BENCH-V-{name.upper()}", 20) for name in sizes}
    ready, commands, replies = SPAWN.Event(), SPAWN.Queue(), SPAWN.Queue()
    with Children(
        "servicehall.bench.ledger:verify_worker",
        [(ready, commands, replies, *(units[name][0].pk for name in sizes), options.profile)],
    ) as verifier:
        filled = {}
        for name, (count, seed) in sizes.items():
            unit, staff = units[name]
            filled[name] = fill(unit.pk, count, staff, seed=seed, keep_bytes=name != "warm")
        if connection.vendor == "postgresql":
            # Loading a million rows at once outruns autovacuum; without statistics the
            # planner reads each of verify's chunks with a bitmap scan and a sort of all the
            # remaining rows. A ledger that grows entry by entry is analysed as it grows.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE ledger_ledgerentry")
        for name in ("small", "big"):
            # The bytes kept for the baseline are those the chain in the database ends with.
            last = filled[name]
            assert hasher().hash_leaf(last.data[-1]).hex() == last.head_hash
        connection.close()
        ready.set()
        try:
            assert replies.get(timeout=1800) == "measured"
            rounds = _timing_rounds(filled, units, commands, replies)
        except BaseException:
            commands.put(None)
            raise
        [measured] = verifier.results()

    results = []
    for name, workers in rounds:
        fills, runs = filled[name], rounds[name, workers]
        ratios = [run["baseline"] / run["seconds"] for run in runs]
        ratio = statistics.median(ratios)
        failures = sorted(
            {f"verify_unit found a problem: {run['problem']}" for run in runs if run["problem"]}
            | {
                f"verified {run['entries']} entries of {fills.count}"
                for run in runs
                if run["entries"] != fills.count
            }
        )
        # The goal is that of ``servicehall ledger verify`` as it runs: one process per CPU
        # (its --workers default). One process is shown beside it, for comparison.
        shipped = workers == WORKERS
        how = "1 process" if workers == 1 else f"{workers} processes"
        how += " (ledger verify's default: one per CPU)" if shipped else " (for comparison)"
        result = Result(
            f"verify {fills.count:,} entries, {how}",
            ratio,
            f">= {VERIFY_GOAL}" if shipped else "",
            ratio >= VERIFY_GOAL if shipped else None,
            [
                f"verify_unit(workers={workers}), {len(runs)} rounds: "
                + ", ".join(f"{run['seconds']:.2f} s" for run in runs)
                + f" ({_rate(fills.count, statistics.median(r['seconds'] for r in runs))} "
                "at the median)",
                "baseline sha256 loop over the same bytes, before and after each (mean): "
                + ", ".join(f"{run['baseline']:.3f} s" for run in runs),
                "ratio per round: "
                + ", ".join(f"{value:.3f}" for value in ratios)
                + "; the median is shown",
                f"path: {_verify_path()}",
                f"entries average {fills.entry_bytes / fills.count:.0f} bytes "
                f"(payload {fills.payload_bytes / fills.count:.0f} bytes of canonical JSON); "
                f"fill {fills.seconds:.1f} s ({_rate(fills.count, fills.seconds)})",
            ],
            failures,
        )
        if workers > 1 and fills.count < PARALLEL_MIN:
            result.raw.append(
                f"fewer entries than verify.PARALLEL_MIN ({PARALLEL_MIN:,}): one process"
            )
        elif workers > 1:
            result.raw.append(
                "largest peak RSS of a forked verifying process (getrusage; pages shared "
                f"with the parent included): {measured['children_maxrss']:.1f} MiB"
            )
        if name == "small" and workers == 1 and "profile" in measured:
            result.raw.append("cProfile of verify_unit on this ledger, by own time:")
            result.raw.extend(line for line in measured["profile"].splitlines() if line.strip())
        results.append(result)

    small, big = measured["small"], measured["big"]
    ratio = big["traced_peak"] / small["traced_peak"]
    memory = [
        f"tracemalloc peak during verify_unit: {_mib(big['traced_peak'])} "
        f"vs {_mib(small['traced_peak'])}",
        "getrusage maxrss before -> after verify_unit: "
        f"{_growth(big['maxrss'])} vs {_growth(small['maxrss'])} (a spawned process starts "
        "from its parent's peak, so this only shows growth beyond it)",
    ]
    if measured["rss_reset"] and big["peak"][0] is not None:
        memory.append(
            "own peak RSS (VmHWM, reset before each run) before -> after: "
            f"{_growth(big['peak'])} vs {_growth(small['peak'])}"
        )
    results.append(
        Result(
            f"verify memory {big_count:,} vs {small_count:,}",
            ratio,
            f"<= {FLAT_MEMORY_LIMIT} (flat)",
            ratio <= FLAT_MEMORY_LIMIT,
            memory,
        )
    )
    for fills in filled.values():
        fills.data.clear()
    return results


# --- append --------------------------------------------------------------------------------


def _payloads(count: int, seed: int) -> list[tuple]:
    """Realistic (channel, subject, payload) of ``count`` appends."""
    rng = random.Random(seed)
    made = []
    for seq in range(1, count + 1):
        _name, channel, subject_type, subject_id, payload, _corrects = event(rng, seq, seq // 3)
        made.append((channel, Subject(subject_type, str(subject_id)), payload))
    return made


def append_worker(barrier, unit_id: int, user_id: int, count: int, seed: int) -> dict:
    register_event(BENCH_EVENT, 1, "An entry written by the append benchmark.")
    actor = User.objects.get(pk=user_id)
    work = _payloads(count, seed)
    retries: Counter[str] = Counter()
    latencies = []
    barrier.wait(timeout=300)
    started = time.monotonic()
    for channel, subject, payload in work:
        began = time.perf_counter()
        while True:
            try:
                with transaction.atomic():
                    append(
                        unit=unit_id,
                        event=BENCH_EVENT,
                        subject=subject,
                        payload=payload,
                        actor=actor if channel == Channel.STAFF else None,
                        channel=channel,
                    )
                break
            except OperationalError as error:
                retries[str(error)] += 1
                if retries.total() > count:
                    raise
        latencies.append(time.perf_counter() - began)
    ended = time.monotonic()
    return {
        "started": started,
        "ended": ended,
        "retries": dict(retries),
        "latencies": latencies,
    }


def _create_plain_table() -> None:
    """A table like the ledger's, without chain, indexes or triggers."""
    identity = {
        "sqlite": "integer PRIMARY KEY AUTOINCREMENT",
        "postgresql": "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    }[connection.vendor]
    moment = {"sqlite": "datetime", "postgresql": "timestamp with time zone"}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS bench_plain_row (id {identity}, unit_id bigint NOT NULL, "
            f"seq bigint NOT NULL, at {moment} NOT NULL, actor_staff_no varchar(16) NOT NULL, "
            "channel varchar(8) NOT NULL, event_type varchar(64) NOT NULL, "
            "event_version smallint NOT NULL, subject_type varchar(64) NOT NULL, "
            "subject_id varchar(64) NOT NULL, corrects_seq bigint NULL, payload text NOT NULL, "
            "prev_hash varchar(64) NOT NULL, entry_hash varchar(64) NOT NULL)"
        )


def insert_worker(count: int) -> dict:
    """The baseline: ``count`` plain INSERTs of a ledger-sized row, one per transaction."""
    rng = random.Random(count)
    rows = [
        (
            0,
            seq,
            "A00001",
            channel,
            BENCH_EVENT,
            1,
            subject.type,
            subject.id,
            None,
            canonical_json(payload),
            rng.randbytes(32).hex(),
            rng.randbytes(32).hex(),
        )
        for seq, (channel, subject, payload) in enumerate(_payloads(count, count), 1)
    ]
    sql = (
        "INSERT INTO bench_plain_row (unit_id, seq, at, actor_staff_no, channel, event_type, "
        "event_version, subject_type, subject_id, corrects_seq, payload, prev_hash, entry_hash) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    # The first writes to a new table pay for its pages and the statement cache; as in the
    # writers, who start on a warm connection, they are left out of the figure.
    warm_moment = connection.ops.adapt_datetimefield_value(START)
    for row in rows[:WARM_UP_INSERTS]:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, (*row[:2], warm_moment, *row[2:]))
    started = time.perf_counter()
    for row in rows:
        moment = connection.ops.adapt_datetimefield_value(timezone.now())
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, (*row[:2], moment, *row[2:]))
    return {"count": count, "seconds": time.perf_counter() - started}


def _append_run(writers: int, shared: bool, per_writer: int, baseline: dict) -> Result:
    tag = f"A{writers}{'S' if shared else 'P'}"
    if shared:
        unit, staff = make_unit(f"BENCH-{tag}", writers)
        targets = [(unit.pk, clerk.user_id) for clerk in staff]
    else:
        targets = []
        for index in range(writers):
            unit, [clerk] = make_unit(f"BENCH-{tag}{index}", 1)
            targets.append((unit.pk, clerk.user_id))
    barrier = SPAWN.Barrier(writers)
    outcomes = run_in_children(
        "servicehall.bench.ledger:append_worker",
        [
            (barrier, unit_id, user_id, per_writer, 1000 * writers + index)
            for index, (unit_id, user_id) in enumerate(targets)
        ],
    )
    total = writers * per_writer
    seconds = max(o["ended"] for o in outcomes) - min(o["started"] for o in outcomes)
    base_rate = baseline["count"] / baseline["seconds"]
    ratio = (total / seconds) / base_rate

    expected = Counter(unit_id for unit_id, _user in targets)
    failures = []
    for unit_id, appenders in expected.items():
        written = LedgerEntry.objects.filter(unit_id=unit_id).count()
        if written != appenders * per_writer:
            failures.append(f"unit {unit_id} holds {written} entries, not {appenders * per_writer}")
        if problem := verify_unit(unit_id, Summary()):
            failures.append(f"verify_unit: {problem}")
    retries: Counter[str] = Counter()
    for outcome in outcomes:
        retries.update(outcome["retries"])
    percentiles = statistics.quantiles([t for o in outcomes for t in o["latencies"]], n=100)
    p50, p99 = percentiles[49], percentiles[98]
    where = "one shared unit" if shared else "a unit each"
    return Result(
        f"append {writers} writer{'s' if writers > 1 else ''}, {where}",
        ratio,
        "",
        None,
        [
            f"{total:,} appends in {seconds:.2f} s ({_rate(total, seconds)}); latency p50 "
            f"{p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms",
            f"baseline 1 process, {baseline['count']:,} plain INSERTs in "
            f"{baseline['seconds']:.2f} s ({_rate(baseline['count'], baseline['seconds'])})",
            "chains verify, counts exact" if not failures else "chain check failed",
            "retries: "
            + (", ".join(f"{n} x {message!r}" for message, n in retries.items()) or "none"),
        ],
        failures,
    )


def bench_append(options: argparse.Namespace) -> list[Result]:
    _create_plain_table()
    results = []
    for writers in WRITERS:
        [baseline] = run_in_children(
            "servicehall.bench.ledger:insert_worker", [(writers * options.appends,)]
        )
        for shared in (True, False):
            results.append(_append_run(writers, shared, options.appends, baseline))
    return results


# The table lists them as the issue does; append runs first, so that the autovacuum and
# checkpoints that follow verify's load of a million rows stay out of the writers' figures.
BENCHMARKS = {"verify": bench_verify, "append": bench_append}
RUN_ORDER = ("append", "verify")
