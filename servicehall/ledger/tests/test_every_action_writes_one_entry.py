"""Invariant 1, run over all apps as they grow: every action writes exactly one ledger entry.

Every public function of every ``servicehall/<app>/actions.py`` is found by import, and
each must have a scenario below that performs it as a persona, or be listed in
``NOT_ACTIONS`` with the reason. A new action without a scenario fails this test.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from pathlib import Path

import pytest

import servicehall
from servicehall.ledger.choices import Channel, ExportStatus
from servicehall.ledger.models import ExportRequest, LedgerEntry
from servicehall.org.models import DutyAssignment, Window
from servicehall.testing import Scenario, World

DAY = dt.date(2026, 3, 2)


def discover_actions() -> list[str]:
    """Dotted names of the public functions defined in each app's ``actions`` module."""
    names = []
    for path in sorted(Path(servicehall.__file__).parent.glob("*/actions.py")):
        module = importlib.import_module(f"servicehall.{path.parent.name}.actions")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and function.__module__ == module.__name__:
                names.append(f"{module.__name__}.{name}")
    return names


# Public functions of actions modules that are not actions: they change nothing.
NOT_ACTIONS = {
    # The primitive every action calls to write its entry; it is no action of its own.
    "servicehall.ledger.actions.append": "the ledger primitive",
    "servicehall.ledger.actions.append_row": "the ledger primitive, answering the seq",
    "servicehall.ledger.actions.hasher": "returns the tree's hash function",
    "servicehall.ledger.actions.bytes_of": "returns an entry's canonical bytes",
    "servicehall.org.actions.duty_state": "the roster's reconciler state",
    "servicehall.ledger.actions.export_state": "the export requests' reconciler state",
}


def _window(world: World) -> Window:
    return Window.objects.get(unit=world.office, number=1)


def _assign_clerk(world: World, _prepared=None) -> DutyAssignment:
    from servicehall.org.actions import assign_duty

    return assign_duty(
        world.head, unit=world.office, date=DAY, staff=world.clerk, window=_window(world)
    )


def _perform_remove(world, row):
    from servicehall.org.actions import remove_duty

    return remove_duty(world.unit_admin, row, reason="调休")


def _recorded_assignment(world: World) -> LedgerEntry:
    row = _assign_clerk(world)
    return LedgerEntry.objects.get(subject_type="org.dutyassignment", subject_id=str(row.pk))


def _perform_correct(world, entry):
    from servicehall.ledger.actions import correct

    return correct(actor=world.head, entry=entry, corrected={"window": 2}, reason="录错")


def _request_export(world: World, _prepared=None) -> ExportRequest:
    from servicehall.ledger.actions import request_export

    return request_export(world.head, description="退休人员名单", purpose="资格认证")


def _approve_export(world: World, row: ExportRequest) -> ExportRequest:
    from servicehall.ledger.actions import decide_export

    return decide_export(world.security_admin, row.pk, approve=True, reason="用途明确")


def _approved_export(world: World) -> ExportRequest:
    return _approve_export(world, _request_export(world))


def _use_export(world: World, row: ExportRequest) -> ExportRequest:
    from servicehall.ledger.actions import use_approved_export

    return use_approved_export(world.head, row.pk)


SCENARIOS: dict[str, Scenario] = {
    "servicehall.org.actions.assign_duty": Scenario(
        prepare=lambda world: None,
        perform=_assign_clerk,
        changed=lambda world, _prepared, row: DutyAssignment.objects.filter(
            pk=row.pk, unit=world.office, date=DAY, staff=world.clerk, window=_window(world)
        ).exists(),
        event="org.duty_assigned",
    ),
    "servicehall.org.actions.remove_duty": Scenario(
        prepare=_assign_clerk,
        perform=_perform_remove,
        changed=lambda world, row, _result: not DutyAssignment.objects.filter(pk=row.pk).exists(),
        event="org.duty_removed",
    ),
    "servicehall.ledger.actions.correct": Scenario(
        prepare=_recorded_assignment,
        perform=_perform_correct,
        # Its change is the correction itself; the corrected entry stays as it was.
        changed=lambda world, entry, correction: (
            LedgerEntry.objects.filter(
                pk=correction.pk, corrects_seq=entry.seq, unit=world.office
            ).exists()
            and LedgerEntry.objects.filter(pk=entry.pk, entry_hash=entry.entry_hash).exists()
        ),
        event="ledger.correction",
    ),
    "servicehall.ledger.actions.request_export": Scenario(
        prepare=lambda world: None,
        perform=_request_export,
        changed=lambda world, _prepared, row: ExportRequest.objects.filter(
            pk=row.pk, unit=world.office, requested_by=world.head, status=ExportStatus.REQUESTED
        ).exists(),
        event="ledger.export_requested",
    ),
    "servicehall.ledger.actions.decide_export": Scenario(
        prepare=_request_export,
        perform=_approve_export,
        changed=lambda world, row, _result: ExportRequest.objects.filter(
            pk=row.pk, status=ExportStatus.APPROVED, decided_by=world.security_admin
        ).exists(),
        event="ledger.export_approved",
    ),
    "servicehall.ledger.actions.use_approved_export": Scenario(
        prepare=_approved_export,
        perform=_use_export,
        changed=lambda world, row, _result: ExportRequest.objects.filter(
            pk=row.pk, used_at__isnull=False
        ).exists(),
        event="ledger.export_used",
    ),
}


def _collect_app_scenarios() -> None:
    """Apps other than org and ledger keep their scenarios beside their own tests."""
    root = Path(servicehall.__file__).resolve().parent
    for path in sorted(root.glob("*/tests/action_scenarios.py")):
        module = importlib.import_module(
            f"servicehall.{path.parent.parent.name}.tests.action_scenarios"
        )
        SCENARIOS.update(module.SCENARIOS)
        NOT_ACTIONS.update(getattr(module, "NOT_ACTIONS", {}))


_collect_app_scenarios()
ACTIONS = [name for name in discover_actions() if name not in NOT_ACTIONS]


def test_actions_are_found_in_every_app():
    # Guards the discovery itself: it must see the apps that have actions today.
    assert {"servicehall.org.actions.assign_duty", "servicehall.ledger.actions.correct"} <= set(
        ACTIONS
    )


def test_every_action_has_a_scenario():
    missing = sorted(set(ACTIONS) - set(SCENARIOS))
    assert not missing, (
        f"actions without a scenario in {__name__}: {missing}; add one that performs the "
        "action and checks its change (or list a non-action helper in NOT_ACTIONS)"
    )


def test_no_scenario_or_exclusion_names_a_function_that_is_gone():
    found = set(discover_actions())
    assert sorted((set(SCENARIOS) | set(NOT_ACTIONS)) - found) == []


@pytest.mark.parametrize("name", ACTIONS)
def test_action_writes_exactly_one_entry(world, name):
    scenario = SCENARIOS.get(name)
    if scenario is None:
        pytest.fail(f"{name} has no scenario: add one to SCENARIOS")
    prepared = scenario.prepare(world)
    before = LedgerEntry.objects.count()
    last_pk = LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    result = scenario.perform(world, prepared)

    assert LedgerEntry.objects.count() == before + 1
    entry = LedgerEntry.objects.get(pk__gt=last_pk)
    assert entry.event_type == scenario.event
    assert entry.channel != Channel.STAFF or entry.actor_id is not None
    assert scenario.changed(world, prepared, result)
