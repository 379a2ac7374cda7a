"""``servicehall appointments_no_shows [--unit CODE] [--every SECONDS]``: record as no-shows
the bookings not checked in by the end of their slot (once, or every SECONDS)."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from servicehall.appointments.actions import mark_no_shows
from servicehall.org.models import Unit


def _positive_seconds(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Record as no-shows the bookings not checked in by the end of their slot."

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="unit code (default: every unit)")
        parser.add_argument(
            "--every",
            type=_positive_seconds,
            metavar="SECONDS",
            help="keep running: sweep every SECONDS (stops on SIGTERM or Ctrl-C)",
        )

    def handle(self, *args, unit=None, every=None, **options):
        target = None
        if unit:
            target = Unit.objects.filter(code=unit).first()
            if target is None:
                raise CommandError(f"no unit {unit}")
        if every is None:
            self.sweep(target)
            return
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                self.sweep(target)
                # Between sweeps hold no connection: the database may restart meanwhile.
                connections.close_all()
                deadline = time.monotonic() + every
                while not stopping and (left := deadline - time.monotonic()) > 0:
                    time.sleep(min(left, 1.0))
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)

    def sweep(self, unit) -> None:
        for row in mark_no_shows(unit=unit):
            self.stdout.write(f"{row.unit_id} {row.day} {row.code}: no-show")
