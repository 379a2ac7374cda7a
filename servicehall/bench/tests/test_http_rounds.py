"""The HTTP benchmark's figures: each round's ratio against the mean of the baselines
measured just before and after it, and the median of the rounds (bench.http)."""

from __future__ import annotations

import statistics

from servicehall.bench.http import Phase, Round, _ratios


def _phase(name: str, rate: float, per_operation: int = 1) -> Phase:
    # ``rate`` operations in one second.
    return Phase(name, operations=int(rate), requests_per_operation=per_operation, seconds=1.0)


def _round(health: float, issued: float, visits: float) -> Round:
    return Round(_phase("health", health), _phase("issue", issued), _phase("visit", visits, 4))


def test_each_round_is_measured_against_the_baselines_around_it():
    rounds = [_round(1000, 300, 75), _round(2000, 600, 150)]

    ratios = _ratios(rounds, closing=_phase("health", 2000))

    assert ratios[0] == (1500, 0.2, 0.2)  # between 1000 and 2000 requests/s
    assert ratios[1] == (2000, 0.3, 0.3)  # between the second round's and the closing


def test_a_round_measured_while_the_machine_sped_up_does_not_set_the_figure():
    rounds = [_round(1000, 250, 60), _round(1000, 250, 60), _round(1000, 900, 60)]

    ratios = _ratios(rounds, closing=_phase("health", 1000))

    assert statistics.median(ratio[1] for ratio in ratios) == 0.25
    assert [round(ratio[2], 2) for ratio in ratios] == [0.24, 0.24, 0.24]


def test_the_setup_line_names_the_database_the_server_starts_on(db):
    """The earlier benchmarks of ``make bench`` leave their rows in the database: the
    HTTP figures say how large it was."""
    from django.db import connection

    from servicehall.bench.http import _database_size

    described = _database_size()

    assert described.startswith("database ") and " MiB" in described
    if connection.vendor == "sqlite":
        assert ", log " in described
