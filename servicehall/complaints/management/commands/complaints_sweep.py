"""``servicehall complaints-sweep [--every SECONDS]``: warn of complaint steps due soon or
overdue (N-6.1)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from servicehall.complaints.models import ComplaintWarning
from servicehall.complaints.sweep import sweep
from servicehall.lib.looping import add_every_argument, run_every


class Command(BaseCommand):
    help = "Issue the due complaint warnings once, or every SECONDS until SIGTERM or Ctrl-C."

    def add_arguments(self, parser):
        add_every_argument(parser)

    def handle(self, *args, every=None, **options):
        if every is None:
            self.report(sweep())
            return
        self.stdout.write(
            f"Sweeping complaint deadlines every {every:g} s; SIGTERM or Ctrl-C stops."
        )
        run_every(every, lambda: self.report(sweep()))
        self.stdout.write("Stopped.")

    def report(self, issued: list[ComplaintWarning]) -> None:
        for row in issued:
            self.stdout.write(f"{row.level}, {row.step}: complaint {row.complaint_id}")
        self.stdout.write(f"{len(issued)} warning(s) issued")
