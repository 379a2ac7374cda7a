"""``servicehall case-sweep [--every SECONDS]``: issue the yellow and red deadline cards of
the electronic supervision (电子监察 红黄牌) that are due."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand

from servicehall.cases.sweep import Issued, sweep
from servicehall.lib.looping import add_every_argument, run_every


class Command(BaseCommand):
    help = "Issue the due deadline cards once, or every SECONDS until SIGTERM or Ctrl-C."

    def add_arguments(self, parser):
        add_every_argument(parser)

    def handle(self, *args, every=None, **options):
        if every is None:
            self.report(sweep())
            return
        self.stdout.write(f"Sweeping case deadlines every {every:g} s; SIGTERM or Ctrl-C stops.")
        run_every(every, lambda: self.report(sweep()))
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
