"""``servicehall ledger verify | checkpoint | receipt | check-receipt | verifier-key``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

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
        checkpoint = sub.add_parser("checkpoint", help="sign a checkpoint of each unit's tree")
        checkpoint.add_argument("--unit", help="unit code (default: every unit with entries)")
        receipt = sub.add_parser("receipt", help="print the receipt proof of one entry")
        receipt.add_argument("unit")
        receipt.add_argument("seq", type=int)
        check = sub.add_parser("check-receipt", help="check a receipt offline: yes or no")
        check.add_argument("receipt", help="receipt JSON file, or - for standard input")
        check.add_argument("--key", help="verifier key (default: this server's)")
        check.add_argument("--checkpoint", help="a later published signed checkpoint file")
        sub.add_parser("verifier-key", help="print the public key that checks checkpoints")

    def handle(self, *args, action, **options):
        getattr(self, "do_" + action.replace("-", "_"))(**options)

    def do_verify(self, json: bool = False, **options):
        problems, summary = verify_all()
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

    def do_checkpoint(self, unit=None, **options):
        units = (
            Unit.objects.filter(code=unit)
            if unit
            else Unit.objects.filter(pk__in=LedgerEntry.objects.values("unit_id"))
        )
        if unit and not units:
            raise CommandError(f"no unit with code {unit}")
        for row in units:
            checkpoint = proofs.make_checkpoint(row)
            self.stdout.write(f"{row.code}: size {checkpoint.size} root {checkpoint.root_hash}")

    def do_receipt(self, unit, seq, **options):
        entry = LedgerEntry.objects.filter(unit__code=unit, seq=seq).select_related("unit").first()
        if entry is None:
            raise CommandError(f"no entry {seq} in unit {unit}")
        self.stdout.write(proofs.dump(proofs.receipt(entry)))

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
