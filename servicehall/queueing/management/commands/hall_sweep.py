"""``servicehall hall-sweep [--every SECONDS]``: flag windows away while clients wait (D-01)
and rostered windows not opened by opening time (N-5.1)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from servicehall.lib.looping import add_every_argument, run_every
from servicehall.queueing.sweep import Finding, sweep


class Command(BaseCommand):
    help = "Run the hall's detection sweep once, or every SECONDS until SIGTERM or Ctrl-C."

    def add_arguments(self, parser):
        add_every_argument(parser)

    def handle(self, *args, every=None, **options):
        if every is None:
            self.report(sweep())
            return
        self.stdout.write(f"Sweeping the halls every {every:g} s; SIGTERM or Ctrl-C stops.")
        run_every(every, lambda: self.report(sweep()))
        self.stdout.write("Stopped.")

    def report(self, findings: list[Finding]) -> None:
        for finding in findings:
            if finding.new:
                self.stdout.write(f"{finding.clause} unit {finding.unit_id}: {finding.detail}")
        new = sum(finding.new for finding in findings)
        self.stdout.write(f"{len(findings)} situation(s), {new} newly flagged")
