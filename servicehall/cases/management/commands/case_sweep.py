"""``servicehall case-sweep [--every SECONDS]``: issue the yellow and red deadline cards of
the electronic supervision (电子监察 红黄牌) that are due."""

from __future__ import annotations

import argparse
import signal
import time
from collections import Counter

from django.core.management.base import BaseCommand
from django.db import connections

from servicehall.cases.sweep import Issued, sweep


class Command(BaseCommand):
    help = "Issue the due deadline cards once, or every SECONDS until SIGTERM or Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=_positive_seconds,
            metavar="SECONDS",
            help="keep running: a pass every SECONDS (stops on SIGTERM or Ctrl-C)",
        )

    def handle(self, *args, every=None, **options):
        if every is None:
            self.report(sweep())
            return
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        previous = signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"Sweeping case deadlines every {every:g} s; SIGTERM or Ctrl-C stops.")
        try:
            while not stopping:
                self.report(sweep())
                # Between passes hold no connection: the database may restart meanwhile.
                connections.close_all()
                deadline = time.monotonic() + every
                while not stopping and (left := deadline - time.monotonic()) > 0:
                    time.sleep(min(left, 1.0))
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write("Stopped.")

    def report(self, issued: list[Issued]) -> None:
        per_unit: Counter = Counter()
        for row in issued:
            card = row.card
            per_unit[(card.unit_id, card.level)] += 1
            self.stdout.write(f"{card.level} card, {card.stage}: case {row.case_number}")
        for (unit_id, level), count in sorted(per_unit.items()):
            self.stdout.write(f"unit {unit_id}: {count} {level}")
        self.stdout.write(f"{len(issued)} card(s) issued")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value
