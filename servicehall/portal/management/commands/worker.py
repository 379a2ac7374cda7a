"""``servicehall worker [--every SECONDS]``: the background work of one site in one process.

Each pass runs, one after the other, the hall sweep (D-01, N-5.1 detections), the case
deadline cards (N-5.6d, 电子监察 红黄牌), the rectification warnings of bad reviews and the
optional default ratings (N-2.5), the complaint step warnings (N-6.1), the appointments'
no-shows, and a signed checkpoint of every unit's ledger (N-5.5, so receipts can be checked
against a recent tree). A pass that fails is reported and the next one still runs: one
broken sweep must not stop the deadlines of the others. Each sweep remains its own command
too (``case-sweep``, ``feedback-sweep``, …) for sites that schedule them apart.
"""

from __future__ import annotations

import io
import traceback

from django.core.management import call_command
from django.core.management.base import BaseCommand

from servicehall.lib.looping import add_every_argument, run_every

# (command, arguments): the order is the order of a pass.
PASSES = (
    ("hall_sweep", ()),
    ("case_sweep", ()),
    ("feedback_sweep", ()),
    ("complaints_sweep", ()),
    ("appointments_no_shows", ()),
    ("ledger", ("checkpoint",)),
)


class Command(BaseCommand):
    help = "Run every sweep and sign the ledger checkpoints, once or every SECONDS."

    def add_arguments(self, parser):
        add_every_argument(parser)

    def handle(self, *args, every=None, **options):
        if every is None:
            failed = self.one_pass()
            if failed:
                raise SystemExit(1)
            return
        self.stdout.write(f"Running the sweeps every {every:g} s; SIGTERM or Ctrl-C stops.")
        run_every(every, self.one_pass)
        self.stdout.write("Stopped.")

    def one_pass(self) -> list[str]:
        failed = []
        for name, arguments in PASSES:
            output = io.StringIO()
            try:
                call_command(name, *arguments, stdout=output)
            except Exception:  # noqa: BLE001 - reported; the other sweeps must still run
                failed.append(name)
                self.stderr.write(f"{name} failed:\n{traceback.format_exc()}")
                continue
            last = output.getvalue().strip().splitlines()[-1:] or [""]
            self.stdout.write(f"{name}: {last[0]}")
        return failed
