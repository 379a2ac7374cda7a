"""``servicehall ledger verify | checkpoint [--every S] | receipt | check-receipt |
consistency | verifier-key``."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from servicehall.ledger import proofs
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import as_json, verify_all
from servicehall.org.models import Unit


class Command(BaseCommand):
    help = "Verify the service ledger, sign checkpoints, and check receipts."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute chains, trees, checkpoints; reconcile")
        verify.add_argument("--json", action="store_true", help="machine-readable output")
        verify.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1,
            help="processes sharing out a large unit's chain (default: one per CPU)",
        )  # fmt: skip
        checkpoint = sub.add_parser("checkpoint", help="sign a checkpoint of each unit's tree")
        checkpoint.add_argument("--unit", help="unit code (default: every unit with entries)")
        checkpoint.add_argument(
            "--every",
            type=_positive_seconds,
            metavar="SECONDS",
            help="keep running: every SECONDS, sign each unit whose tree grew (stops on SIGTERM)",
        )
        receipt = sub.add_parser("receipt", help="print the receipt proof of one entry")
        receipt.add_argument("unit")
        receipt.add_argument("seq", type=int)
        receipt.add_argument(
            "--against",
            choices=["latest", "covering"],
            default="latest",
            help="latest (default): add the consistency proof from the entry's checkpoint to "
            "the unit's latest one; covering: only the checkpoint that covers the entry",
        )
        consistency = sub.add_parser(
            "consistency", help="print the proof that a unit's tree of SIZE2 extends SIZE1"
        )
        consistency.add_argument("unit")
        consistency.add_argument("size1", type=int)
        consistency.add_argument("size2", type=int)
        check = sub.add_parser("check-receipt", help="check a receipt offline: yes or no")
        check.add_argument("receipt", help="receipt JSON file, or - for standard input")
        check.add_argument("--key", help="verifier key (default: this server's)")
        check.add_argument(
            "--checkpoint",
            help="a later published signed checkpoint file (default: the latest checkpoint "
            "the receipt carries, if any)",
        )
        sub.add_parser("verifier-key", help="print the public key that checks checkpoints")

    def handle(self, *args, action, **options):
        getattr(self, "do_" + action.replace("-", "_"))(**options)

    def do_verify(self, json: bool = False, workers: int = 1, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        problems, summary = verify_all(workers=workers)
        if json:
            self.stdout.write(as_json(problems, summary))
        else:
            for problem in problems:
                self.stdout.write(f"BAD {problem}")
            self.stdout.write(
                f"{summary.units} units, {summary.entries} entries, "
                f"{summary.checkpoints} checkpoints, {summary.rows_reconciled} rows reconciled: "
                + ("OK" if not problems else f"{len(problems)} problem(s)")
            )
        if problems:
            sys.exit(1)

    def do_checkpoint(self, unit=None, every=None, **options):
        units = (
            Unit.objects.filter(code=unit)
            if unit
            else Unit.objects.filter(pk__in=LedgerEntry.objects.values("unit_id"))
        )
        if unit and not units:
            raise CommandError(f"no unit with code {unit}")
        if every is not None:
            self.checkpoint_every(every, units if unit else None)
            return
        for row in units:
            self.report(proofs.make_checkpoint(row))

    def report(self, checkpoint) -> None:
        self.stdout.write(
            f"{checkpoint.unit.code}: size {checkpoint.size} root {checkpoint.root_hash}"
        )

    def checkpoint_every(self, seconds: float, units) -> None:
        """Sign the grown trees, wait, again, until SIGTERM or Ctrl-C. A signal lets the
        turn under way finish: a checkpoint is never left half made."""
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        previous = signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"Signing grown trees every {seconds:g} s; SIGTERM or Ctrl-C stops.")
        try:
            while not stopping:
                for checkpoint in proofs.checkpoint_grown_units(units):
                    self.report(checkpoint)
                # Between turns hold no connection: the database may restart meanwhile.
                connections.close_all()
                deadline = time.monotonic() + seconds
                while not stopping and (left := deadline - time.monotonic()) > 0:
                    time.sleep(min(left, 1.0))
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write("Stopped.")

    def do_receipt(self, unit, seq, against="latest", **options):
        entry = LedgerEntry.objects.filter(unit__code=unit, seq=seq).select_related("unit").first()
        if entry is None:
            raise CommandError(f"no entry {seq} in unit {unit}")
        self.stdout.write(proofs.dump(proofs.receipt(entry, against=against)))

    def do_consistency(self, unit, size1, size2, **options):
        row = Unit.objects.filter(code=unit).first()
        if row is None:
            raise CommandError(f"no unit with code {unit}")
        if not 0 < size1 <= size2:
            raise CommandError("the sizes must satisfy 0 < SIZE1 <= SIZE2")
        try:
            proof = proofs.consistency_proof(row.pk, size1, size2)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            proofs.dump(
                {
                    "origin": proofs.origin_for(row),
                    "size1": size1,
                    "size2": size2,
                    "consistency": proofs.b64_nodes(proof),
                }
            )
        )

    def do_check_receipt(self, receipt, key=None, checkpoint=None, **options):
        text = sys.stdin.read() if receipt == "-" else Path(receipt).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except ValueError as error:
            raise CommandError(f"the receipt is not JSON: {error}") from error
        published = Path(checkpoint).read_text(encoding="utf-8") if checkpoint else None
        try:
            message = proofs.check_receipt(data, key or proofs.verifier_key(), published)
        except proofs.ReceiptInvalid as error:
            self.stdout.write(f"NO: {error}")
            sys.exit(1)
        self.stdout.write(f"YES: {message}")

    def do_verifier_key(self, **options):
        self.stdout.write(proofs.verifier_key())


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value
