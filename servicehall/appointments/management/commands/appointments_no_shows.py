"""``servicehall appointments_no_shows [--unit CODE] [--every SECONDS]``: record as no-shows
the bookings not checked in by the end of their slot (once, or every SECONDS)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from servicehall.appointments.actions import mark_no_shows
from servicehall.lib.looping import add_every_argument, run_every
from servicehall.org.models import Unit


class Command(BaseCommand):
    help = "Record as no-shows the bookings not checked in by the end of their slot."

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="unit code (default: every unit)")
        add_every_argument(parser)

    def handle(self, *args, unit=None, every=None, **options):
        target = None
        if unit:
            target = Unit.objects.filter(code=unit).first()
            if target is None:
                raise CommandError(f"no unit {unit}")
        if every is None:
            self.sweep(target)
            return
        run_every(every, lambda: self.sweep(target))

    def sweep(self, unit) -> None:
        for row in mark_no_shows(unit=unit):
            self.stdout.write(f"{row.unit_id} {row.day} {row.code}: no-show")
