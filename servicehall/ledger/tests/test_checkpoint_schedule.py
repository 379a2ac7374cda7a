"""Checkpoints on a schedule: ``ledger checkpoint --every SECONDS`` signs, each turn, every
unit whose tree grew since its latest checkpoint, and stops cleanly on SIGTERM or Ctrl-C.

The turn itself is ``proofs.checkpoint_grown_units``; the loop is run with a fake clock."""

from __future__ import annotations

import os
import signal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from servicehall.ledger import proofs
from servicehall.ledger.management.commands import ledger as command
from servicehall.ledger.models import Checkpoint
from servicehall.org import actions as roster
from servicehall.org.models import Window

from .conftest import DAY2


def _sizes() -> set[tuple[str, int]]:
    return set(Checkpoint.objects.values_list("unit__code", "size"))


def _grow(ledger) -> None:
    world = ledger.world
    roster.assign_duty(
        world.head,
        unit=ledger.office,
        date=DAY2,
        staff=world.reviewer,
        window=Window.objects.get(unit=ledger.office, number=2),
    )


def test_a_turn_signs_each_unit_whose_tree_grew(roster_ledger):
    assert _sizes() == {("O1", 6)}

    signed = proofs.checkpoint_grown_units()

    assert {(c.unit.code, c.size) for c in signed} == {("O1", 7), ("O2", 1)}
    assert _sizes() == {("O1", 6), ("O1", 7), ("O2", 1)}
    root = proofs.make_checkpoint(roster_ledger.office).root_hash
    assert Checkpoint.objects.get(unit=roster_ledger.office, size=7).root_hash == root


def test_a_turn_signs_nothing_when_no_tree_grew(roster_ledger):
    proofs.checkpoint_grown_units()

    assert proofs.checkpoint_grown_units() == []
    assert Checkpoint.objects.count() == 3


def test_a_turn_signs_only_the_unit_that_grew(roster_ledger):
    proofs.checkpoint_grown_units()
    _grow(roster_ledger)

    signed = proofs.checkpoint_grown_units()

    assert [(c.unit.code, c.size) for c in signed] == [("O1", 8)]


def test_a_turn_for_one_unit_leaves_the_others(roster_ledger):
    signed = proofs.checkpoint_grown_units([roster_ledger.other_office])

    assert [(c.unit.code, c.size) for c in signed] == [("O2", 1)]
    assert _sizes() == {("O1", 6), ("O2", 1)}


def test_signing_a_tree_already_signed_returns_that_checkpoint(roster_ledger):
    first = proofs.make_checkpoint(roster_ledger.office)

    assert proofs.make_checkpoint(roster_ledger.office).pk == first.pk
    assert Checkpoint.objects.filter(unit=roster_ledger.office, size=7).count() == 1


# --- The loop, with a fake clock ---------------------------------------------------------------


class FakeTime:
    """``time.monotonic`` and ``time.sleep`` of the command: sleeping moves the clock and
    runs ``on_sleep`` (which may grow a tree, send SIGTERM or press Ctrl-C)."""

    def __init__(self, on_sleep):
        self.now = 1000.0
        self.slept: list[float] = []
        self.on_sleep = on_sleep

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        self.on_sleep(len(self.slept))


def _run_every(monkeypatch, seconds: str, on_sleep, *extra) -> tuple[str, FakeTime]:
    clock = FakeTime(on_sleep)
    monkeypatch.setattr(command, "time", clock)
    out = StringIO()
    call_command("ledger", "checkpoint", "--every", seconds, *extra, stdout=out)
    return out.getvalue(), clock


def _interrupt(turn: int) -> None:
    raise KeyboardInterrupt


@pytest.mark.django_db(transaction=True)
def test_every_signs_grown_trees_then_stops_on_ctrl_c(roster_ledger, monkeypatch):
    output, clock = _run_every(monkeypatch, "60", _interrupt)

    lines = output.splitlines()
    assert lines[0] == "Signing grown trees every 60 s; SIGTERM or Ctrl-C stops."
    assert sorted(line.split(" root ")[0] for line in lines[1:3]) == ["O1: size 7", "O2: size 1"]
    assert lines[-1] == "Stopped."
    assert clock.slept == [1.0]
    assert _sizes() == {("O1", 6), ("O1", 7), ("O2", 1)}


@pytest.mark.django_db(transaction=True)
def test_every_signs_again_after_the_wait_and_stops_on_sigterm(roster_ledger, monkeypatch):
    before = signal.getsignal(signal.SIGTERM)

    def on_sleep(turn: int) -> None:
        if turn == 2:  # during the first wait of 2 s, in 1 s steps: the office grows
            _grow(roster_ledger)
        if turn == 3:  # a second into the second wait, the service manager stops us
            os.kill(os.getpid(), signal.SIGTERM)

    output, clock = _run_every(monkeypatch, "2", on_sleep, "--unit", "O1")

    assert clock.slept == [1.0, 1.0, 1.0]  # the rest of the wait is not slept
    signed = [line.split(" root ")[0] for line in output.splitlines() if " root " in line]
    assert signed == ["O1: size 7", "O1: size 8"]
    assert output.splitlines()[-1] == "Stopped."
    assert _sizes() == {("O1", 6), ("O1", 7), ("O1", 8)}
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize("seconds", ["0", "-5", "soon", "inf"])
def test_every_needs_a_positive_number_of_seconds(db, seconds):
    with pytest.raises(CommandError, match="positive number of seconds"):
        call_command("ledger", "checkpoint", "--every", seconds, stdout=StringIO())
