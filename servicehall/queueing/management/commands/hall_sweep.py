"""``servicehall hall-sweep [--every SECONDS]``: flag windows away while clients wait (D-01)
and rostered windows not opened by opening time (N-5.1)."""

from __future__ import annotations

import argparse
import signal
import time

from django.core.management.base import BaseCommand
from django.db import connections

from servicehall.queueing.sweep import Finding, sweep


class Command(BaseCommand):
    help = "Run the hall's detection sweep once, or every SECONDS until SIGTERM or Ctrl-C."

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
        self.stdout.write(f"Sweeping the halls every {every:g} s; SIGTERM or Ctrl-C stops.")
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

    def report(self, findings: list[Finding]) -> None:
        for finding in findings:
            if finding.new:
                self.stdout.write(f"{finding.clause} unit {finding.unit_id}: {finding.detail}")
        new = sum(finding.new for finding in findings)
        self.stdout.write(f"{len(findings)} situation(s), {new} newly flagged")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value
