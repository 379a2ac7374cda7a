"""Benchmarks: ``python -m servicehall.bench [NAME] [--entries N] [--postgres]``.

Machines are noisy, so every benchmark reports its figure as a ratio against a baseline
measured in the same run, next to the raw numbers. A run works on a throwaway database of
its own (see ``__main__``), never the user's.

This module imports no Django model: spawned children import it before Django is set up.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import queue
import resource
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Children start from a fresh interpreter and set Django up themselves, with the
# environment (and so the throwaway database) of the parent.
SPAWN = multiprocessing.get_context("spawn")


@dataclass
class Result:
    """One line of the table: the ratio to the baseline, the goal, and the raw numbers."""

    name: str
    ratio: float | None
    goal: str = ""
    meets_goal: bool | None = None
    raw: list[str] = field(default_factory=list)
    # Correctness problems seen while measuring (a broken chain, a wrong count).
    failures: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.failures:
            return "FAIL"
        if self.meets_goal is None:
            return "ok"
        return "ok" if self.meets_goal else "below goal"


class ChildFailed(RuntimeError):
    pass


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicehall.settings"
    import django

    django.setup()


def max_rss_mib() -> float:
    """This process's peak resident set so far, as getrusage reports it (in kibibytes).

    On Linux a spawned process starts with its parent's peak: the figure only grows past
    it, and :func:`reset_peak_rss` cannot lower it.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mib() -> float | None:
    """This process's own peak resident set (Linux's VmHWM), or None where unknown."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def reset_peak_rss() -> bool:
    """Start this process's own peak resident set afresh from the current one."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _child(target: str, args: tuple, results) -> None:
    try:
        setup_django()
        from django.db import connections

        module_name, function_name = target.split(":")
        function = getattr(importlib.import_module(module_name), function_name)
        try:
            outcome = function(*args)
        finally:
            connections.close_all()
        results.put(("ok", outcome))
    except BaseException:
        results.put(("error", traceback.format_exc()))


class Children:
    """Spawned processes each running ``target(*args)`` ("module:function") with Django set
    up. :meth:`results` waits for them; leaving the ``with`` block kills any still running
    (say, waiting for a parent that failed)."""

    def __init__(self, target: str, arg_lists: Sequence[tuple]) -> None:
        from django.db import connections

        # The parent's connection is not carried into the children (they spawn), but an
        # open one could hold SQLite's write lock or keep PostgreSQL's database in use.
        connections.close_all()
        self.target = target
        self._queue = SPAWN.Queue()
        self._processes = [
            SPAWN.Process(target=_child, args=(target, args, self._queue)) for args in arg_lists
        ]
        for process in self._processes:
            process.start()

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc_info) -> None:
        for process in self._processes:
            if process.is_alive():
                process.kill()
            process.join()

    def results(self, timeout: float = 900) -> list:
        """Their return values, in the order they finish; a child's exception is raised
        here with its traceback."""
        outcomes = []
        for _ in self._processes:
            try:
                outcomes.append(self._queue.get(timeout=timeout))
            except queue.Empty:
                raise ChildFailed(f"{self.target}: no result after {timeout:.0f} s") from None
        for process in self._processes:
            process.join(timeout=60)
        errors = [value for kind, value in outcomes if kind == "error"]
        if errors:
            raise ChildFailed(f"{self.target} failed in a child process:\n{errors[0]}")
        return [value for _kind, value in outcomes]


def run_in_children(target: str, arg_lists: Sequence[tuple], *, timeout: float = 900) -> list:
    with Children(target, arg_lists) as children:
        return children.results(timeout)


def format_table(results: Sequence[Result]) -> str:
    name_width = max([len("benchmark"), *(len(result.name) for result in results)])
    goal_width = max([len("goal"), *(len(result.goal) for result in results)])
    header = f"{'benchmark':<{name_width}}  {'ratio':>7}  {'goal':<{goal_width}}  status"
    lines = [header, "-" * max(len(header), 60)]
    for result in results:
        ratio = "-" if result.ratio is None else f"{result.ratio:7.3f}"
        lines.append(
            f"{result.name:<{name_width}}  {ratio:>7}  {result.goal:<{goal_width}}  {result.status}"
        )
        lines.extend(f"    {text}" for text in result.raw)
        lines.extend(f"    FAILURE: {text}" for text in result.failures)
    return "\n".join(lines)
