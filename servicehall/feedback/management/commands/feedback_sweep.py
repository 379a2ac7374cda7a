"""``servicehall feedback-sweep [--every SECONDS]``: warnings before the rectifications'
deadlines, notices of those passed, and (where a unit switched it on) unrated visits
counted as basically satisfied."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from servicehall.feedback.sweep import Pass, sweep
from servicehall.lib.looping import add_every_argument, run_every


class Command(BaseCommand):
    help = "Issue the due rectification notices and default ratings once, or every SECONDS."

    def add_arguments(self, parser):
        add_every_argument(parser)

    def handle(self, *args, every=None, **options):
        if every is None:
            self.report(sweep())
            return
        self.stdout.write(f"Sweeping feedback every {every:g} s; SIGTERM or Ctrl-C stops.")
        run_every(every, lambda: self.report(sweep()))
        self.stdout.write("Stopped.")

    def report(self, done: Pass) -> None:
        for notice in done.notices:
            self.stdout.write(
                f"{notice.level}: rectification {notice.rectification_id} round {notice.round}"
            )
        self.stdout.write(
            f"{len(done.notices)} notice(s) issued, {len(done.defaulted)} visit(s) counted "
            "as basically satisfied"
        )
