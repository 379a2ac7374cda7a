"""Management commands that run a pass once, or every N seconds until SIGTERM or Ctrl-C.

Background work in ServiceHall is a looping command (style.md): the sweeps of the hall,
the case deadlines and the appointments share this loop.
"""

from __future__ import annotations

import argparse
import signal
import time
from collections.abc import Callable

from django.db import connections


def positive_seconds(text: str) -> float:
    """An argparse type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def add_every_argument(parser) -> None:
    parser.add_argument(
        "--every",
        type=positive_seconds,
        metavar="SECONDS",
        help="keep running: a pass every SECONDS (stops on SIGTERM or Ctrl-C)",
    )


def run_every(every: float, one_pass: Callable[[], object]) -> None:
    """Call ``one_pass`` every ``every`` seconds until SIGTERM or Ctrl-C, then return."""
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            one_pass()
            # Between passes hold no connection: the database may restart meanwhile.
            connections.close_all()
            deadline = time.monotonic() + every
            while not stopping and (left := deadline - time.monotonic()) > 0:
                time.sleep(min(left, 1.0))
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
