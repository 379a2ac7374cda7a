"""The duty roster (N-3.1) changes only through its actions, each recorded in the ledger,
and only by the unit's head on duty or administrator."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import verify_all
from servicehall.org.actions import assign_duty, duty_state, remove_duty
from servicehall.org.choices import Role
from servicehall.org.models import DutyAssignment, Window
from servicehall.testing import make_user

DAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed with a fast hasher: Argon2 costs ~0.1 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def window(world) -> Window:
    return Window.objects.get(unit=world.office, number=1)


@pytest.fixture
def window2(world) -> Window:
    return Window.objects.create(unit=world.office, number=2, name="综合受理二")


@pytest.fixture
def assigned(world, window) -> DutyAssignment:
    return assign_duty(world.head, unit=world.office, date=DAY, staff=world.clerk, window=window)


def _entries() -> list[LedgerEntry]:
    return list(LedgerEntry.objects.order_by("unit", "seq"))


# --- Assigning --------------------------------------------------------------------------------


def test_head_on_duty_assigns_a_clerk_to_a_window_and_the_ledger_records_it(world, window):
    row = assign_duty(world.head, unit=world.office, date=DAY, staff=world.clerk, window=window)

    stored = DutyAssignment.objects.get()
    assert (stored.pk, stored.unit, stored.date, stored.staff, stored.window) == (
        row.pk,
        world.office,
        DAY,
        world.clerk,
        window,
    )
    assert stored.head_on_duty is False
    [entry] = _entries()
    assert (entry.unit, entry.seq, entry.event_type) == (world.office, 1, "org.duty_assigned")
    assert (entry.actor, entry.actor_staff_no) == (world.head, "A000")
    assert (entry.subject_type, entry.subject_id) == ("org.dutyassignment", str(row.pk))
    assert json.loads(entry.payload) == {
        "state": {
            "date": "2026-03-02",
            "staff": world.clerk.pk,
            "window": window.pk,
            "head_on_duty": False,
        }
    }
    assert verify_all()[0] == []


def test_unit_admin_puts_the_head_on_duty(world):
    row = assign_duty(
        world.unit_admin, unit=world.office, date=DAY, staff=world.head, head_on_duty=True
    )

    assert DutyAssignment.objects.filter(pk=row.pk, head_on_duty=True, window=None).exists()
    [entry] = _entries()
    assert (entry.actor, entry.actor_staff_no) == (world.unit_admin, "")
    assert json.loads(entry.payload)["state"] == duty_state(row)


@pytest.mark.parametrize(
    "persona",
    ["clerk", "reviewer", "outsider", "supervisor", "social_supervisor", "system_admin"],
)
def test_others_may_not_assign(world, window, persona):
    actor = getattr(world, persona)

    with pytest.raises(PermissionDenied):
        assign_duty(actor, unit=world.office, date=DAY, staff=world.clerk, window=window)

    assert not DutyAssignment.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_head_of_another_unit_may_not_assign(world, window):
    other_head = make_user("zhou", Role.HEAD_ON_DUTY, world.other_office, "B000")

    with pytest.raises(PermissionDenied):
        assign_duty(other_head, unit=world.office, date=DAY, staff=world.clerk, window=window)

    assert not DutyAssignment.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_second_clerk_at_the_same_window_and_day_is_refused(world, window, assigned):
    with pytest.raises(ValidationError) as error:
        assign_duty(world.head, unit=world.office, date=DAY, staff=world.reviewer, window=window)

    assert "duty_one_clerk_per_window_day" in " ".join(error.value.messages)
    assert list(DutyAssignment.objects.all()) == [assigned]
    assert len(_entries()) == 1


def test_same_window_on_another_day_is_allowed(world, window, assigned):
    assign_duty(
        world.head,
        unit=world.office,
        date=DAY + dt.timedelta(days=1),
        staff=world.reviewer,
        window=window,
    )

    assert DutyAssignment.objects.count() == 2
    assert [entry.seq for entry in _entries()] == [1, 2]


def test_second_head_on_duty_on_the_same_day_is_refused(world):
    assign_duty(world.head, unit=world.office, date=DAY, staff=world.head, head_on_duty=True)

    with pytest.raises(ValidationError) as error:
        assign_duty(
            world.head, unit=world.office, date=DAY, staff=world.reviewer, head_on_duty=True
        )

    assert "duty_one_head_per_unit_day" in " ".join(error.value.messages)

    assert DutyAssignment.objects.count() == 1
    assert len(_entries()) == 1


def test_staff_member_in_two_places_on_one_day_is_refused(world, window, window2, assigned):
    with pytest.raises(ValidationError) as error:
        assign_duty(world.head, unit=world.office, date=DAY, staff=world.clerk, window=window2)

    assert [e.code for e in error.value.error_dict["__all__"]] == ["unique_together"]

    assert DutyAssignment.objects.count() == 1
    assert len(_entries()) == 1


def test_window_of_another_unit_is_refused(world):
    other_window = Window.objects.get(unit=world.other_office, number=1)

    with pytest.raises(ValidationError) as error:
        assign_duty(world.head, unit=world.office, date=DAY, staff=world.clerk, window=other_window)

    assert "window" in error.value.message_dict
    assert not DutyAssignment.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_staff_member_of_another_unit_is_refused(world, window):
    with pytest.raises(ValidationError) as error:
        assign_duty(world.head, unit=world.office, date=DAY, staff=world.outsider, window=window)

    assert "staff" in error.value.message_dict
    assert not DutyAssignment.objects.exists()
    assert not LedgerEntry.objects.exists()


# --- Removing ---------------------------------------------------------------------------------


def test_head_removes_an_assignment_with_a_reason_and_the_ledger_records_it(world, assigned):
    first_window = assigned.window
    remove_duty(world.head, assigned, reason="  调休  ")

    assert not DutyAssignment.objects.exists()
    first, second = _entries()
    assert (second.seq, second.prev_hash) == (2, first.entry_hash)
    assert second.event_type == "org.duty_removed"
    assert (second.actor, second.subject_id) == (world.head, first.subject_id)
    assert json.loads(second.payload) == {
        "state": None,
        "before": {
            "date": "2026-03-02",
            "staff": world.clerk.pk,
            "window": first_window.pk,
            "head_on_duty": False,
        },
        "reason": "调休",
    }
    assert verify_all()[0] == []


def test_unit_admin_removes_an_assignment(world, assigned):
    remove_duty(world.unit_admin, assigned, reason="病假")

    assert not DutyAssignment.objects.exists()
    assert [entry.event_type for entry in _entries()] == ["org.duty_assigned", "org.duty_removed"]


@pytest.mark.parametrize("persona", ["clerk", "reviewer", "outsider", "supervisor"])
def test_others_may_not_remove(world, assigned, persona):
    with pytest.raises(PermissionDenied):
        remove_duty(getattr(world, persona), assigned, reason="调休")

    assert DutyAssignment.objects.filter(pk=assigned.pk).exists()
    assert len(_entries()) == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_removal_needs_a_reason(world, assigned, reason):
    with pytest.raises(ValidationError) as error:
        remove_duty(world.head, assigned, reason=reason)

    assert "reason" in error.value.message_dict
    assert DutyAssignment.objects.filter(pk=assigned.pk).exists()
    assert len(_entries()) == 1


def test_window_is_free_again_after_a_removal(world, window, assigned):
    remove_duty(world.head, assigned, reason="调休")

    row = assign_duty(world.head, unit=world.office, date=DAY, staff=world.reviewer, window=window)

    assert list(DutyAssignment.objects.all()) == [row]
    assert len(_entries()) == 3
    assert verify_all()[0] == []


def test_removing_an_assignment_twice_writes_one_entry(world, assigned):
    stale = DutyAssignment.objects.get(pk=assigned.pk)
    remove_duty(world.head, assigned, reason="调休")

    try:
        remove_duty(world.unit_admin, stale, reason="调休")
    except (DutyAssignment.DoesNotExist, ValidationError):
        pass

    assert [entry.event_type for entry in _entries()] == ["org.duty_assigned", "org.duty_removed"]
