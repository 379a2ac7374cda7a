"""``servicehall ledger verify --workers N``: the chains checked with N processes say the same
as with one; a count below one is refused."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from servicehall.org.actions import assign_duty
from servicehall.org.models import Window


def test_verify_with_workers_reports_ok(world):
    assign_duty(
        world.head, unit=world.office, date=dt.date(2026, 3, 2), staff=world.clerk,
        window=Window.objects.get(unit=world.office, number=1),
    )  # fmt: skip
    outputs = []
    for workers in ("1", "2"):
        out = io.StringIO()
        call_command("ledger", "verify", "--workers", workers, stdout=out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    assert "OK" in outputs[0]


def test_workers_below_one_are_refused(world):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("ledger", "verify", "--workers", "0", stdout=io.StringIO())
