"""``servicehall worker``: one pass runs every sweep and signs the checkpoints; a sweep that
fails is reported and does not stop the others."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from servicehall.cases.models import DeadlineCard
from servicehall.ledger.models import Checkpoint, LedgerEntry
from servicehall.org.actions import assign_duty
from servicehall.org.models import Window
from servicehall.portal.management.commands import worker


def test_one_pass_runs_every_sweep_and_signs_checkpoints(world):
    # One entry in the office's chain, so there is a tree to sign.
    assign_duty(
        world.head, unit=world.office, date=dt.date(2026, 3, 2), staff=world.clerk,
        window=Window.objects.get(unit=world.office, number=1),
    )  # fmt: skip
    out = io.StringIO()
    call_command("worker", stdout=out)
    printed = out.getvalue()
    for name, _arguments in worker.PASSES:
        assert f"{name}:" in printed
    assert Checkpoint.objects.filter(unit=world.office).exists()
    assert DeadlineCard.objects.count() == 0  # nothing was due
    assert LedgerEntry.objects.filter(unit=world.office).count() == 1


def test_a_failing_sweep_is_reported_and_the_others_still_run(world, monkeypatch):
    passes = (("no_such_command", ()), *worker.PASSES)
    monkeypatch.setattr(worker, "PASSES", passes)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("worker", stdout=out, stderr=err)
    assert "no_such_command failed" in err.getvalue()
    assert "case_sweep:" in out.getvalue() and "ledger:" in out.getvalue()
