"""The hall sweep: a window paused past its end, or open and idle, while its clients wait
long is flagged (D-01); a rostered window with no opening check after opening time is
flagged (N-5.1). Each situation is flagged once, and the sweep writes no ledger entry."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from servicehall.ledger.models import LedgerEntry
from servicehall.org.actions import assign_duty
from servicehall.queueing import actions
from servicehall.queueing.models import HallSettings
from servicehall.queueing.sweep import sweep
from servicehall.supervision.models import Detection

from .conftest import DAY, at, snapshot


def _flags(clause: str = "D-01") -> list[Detection]:
    return list(Detection.objects.filter(clause=clause).order_by("pk"))


@pytest.fixture
def waiting(hall, clock):
    """Window 1 open since 08:30; A001 waiting since 08:31."""
    hall.open(hall.w1, hall.clerk1)
    clock.move_to(at(8, 31))
    return hall.issue()


# --- D-01: paused past the end --------------------------------------------------------------


def test_a_window_paused_past_its_end_while_clients_wait_long_is_flagged(hall, clock, waiting):
    clock.move_to(at(8, 40))
    actions.pause_window(hall.clerk1, hall.w1, reason="break", minutes=15)
    clock.move_to(at(9, 5))

    (finding,) = sweep()

    assert (finding.clause, finding.unit_id, finding.new) == ("D-01", hall.office.pk, True)
    (flag,) = _flags()
    assert (flag.unit, flag.staff, flag.subject_type, flag.subject_id) == (
        hall.office, hall.clerk1, "org.window", str(hall.w1.pk),
    )  # fmt: skip
    assert flag.key == finding.key and flag.key.startswith(f"D-01:paused:{hall.w1.pk}:")
    assert flag.detail == finding.detail
    assert "window 1 still paused (break) 10 min after 08:55" in flag.detail
    assert flag.at == at(9, 5)


def test_a_pause_is_flagged_once_however_often_the_sweep_runs(hall, clock, waiting):
    actions.pause_window(hall.clerk1, hall.w1, reason="break", minutes=15)
    clock.move_to(at(9, 5))
    sweep()
    clock.move_to(at(9, 6))

    (finding,) = sweep()

    assert finding.new is False
    assert len(_flags()) == 1


def test_each_overrun_pause_is_its_own_situation(hall, clock, waiting):
    actions.pause_window(hall.clerk1, hall.w1, reason="break", minutes=15)
    clock.move_to(at(9, 5))
    sweep()
    actions.resume_window(hall.clerk1, hall.w1)
    actions.pause_window(hall.clerk1, hall.w1, reason="meeting", minutes=5)
    clock.move_to(at(9, 11))

    sweep()

    assert len(_flags()) == 2


def test_a_pause_within_its_length_is_not_flagged(hall, clock, waiting):
    clock.move_to(at(8, 50))
    actions.pause_window(hall.clerk1, hall.w1, reason="meeting", minutes=30)
    clock.move_to(at(9, 15))  # A001 has waited 44 minutes, but the pause runs to 09:20

    assert sweep() == []


def test_a_pause_overrun_with_no_long_wait_is_not_flagged(hall, clock, waiting):
    actions.pause_window(hall.clerk1, hall.w1, reason="break", minutes=10)
    clock.move_to(at(8, 50))  # paused past 08:40, but A001 has waited only 19 minutes

    assert sweep() == []


# --- D-01: open and idle --------------------------------------------------------------------


def test_an_open_window_idle_while_clients_wait_long_is_flagged(hall, clock, waiting):
    clock.move_to(at(9, 5))

    (finding,) = sweep()

    (flag,) = _flags()
    assert (flag.key, flag.staff) == (finding.key, hall.clerk1)
    assert flag.key.startswith(f"D-01:idle:{hall.w1.pk}:")
    assert "window 1 open with nobody called for 35 min (since 08:30)" in flag.detail


def test_an_idle_spell_is_flagged_once_and_a_new_one_again(hall, clock, waiting):
    hall.issue()  # A002
    clock.move_to(at(9, 5))
    sweep()
    clock.move_to(at(9, 7))
    assert [f.new for f in sweep()] == [False]
    actions.call_next(hall.clerk1, hall.w1)
    actions.finish_service(hall.clerk1, hall.w1)
    clock.move_to(at(9, 30))  # idle again since 09:07 while A002 waits since 08:31

    sweep()

    assert len(_flags()) == 2


def test_a_window_serving_a_client_is_not_idle(hall, clock, waiting):
    hall.issue()
    actions.call_next(hall.clerk1, hall.w1)
    clock.move_to(at(9, 30))

    assert sweep() == []


def test_a_service_finished_lately_counts_as_activity(hall, clock, waiting):
    hall.issue()
    actions.call_next(hall.clerk1, hall.w1)
    clock.move_to(at(9, 0))
    actions.finish_service(hall.clerk1, hall.w1)  # called at 08:31, finished at 09:00
    clock.move_to(at(9, 10))  # A002 waits 39 minutes; the window was busy 10 minutes ago

    assert sweep() == []


@pytest.mark.parametrize(("idle", "flagged"), [(19, False), (20, True)])
def test_the_idle_threshold_is_the_units_setting(hall, clock, waiting, idle, flagged):
    HallSettings.objects.filter(unit=hall.office).update(unattended_minutes=20, long_wait_minutes=5)
    clock.move_to(at(8, 30) + dt.timedelta(minutes=idle))  # open since 08:30

    assert bool(sweep()) == flagged


@pytest.mark.parametrize(("waited", "flagged"), [(29, False), (30, True)])
def test_the_long_wait_threshold_is_the_units_setting(hall, clock, waiting, waited, flagged):
    clock.move_to(at(8, 31) + dt.timedelta(minutes=waited))

    assert bool(sweep()) == flagged


def test_clients_of_a_queue_the_window_does_not_serve_do_not_count(hall, clock):
    hall.open(hall.w1, hall.clerk1)
    hall.issue(hall.queue_b)
    clock.move_to(at(9, 30))

    assert sweep() == []


def test_clients_sent_to_another_window_do_not_count(hall, clock):
    hall.open(hall.w1, hall.clerk1)
    hall.open(hall.w3, hall.clerk3)
    hall.issue()
    actions.call_next(hall.clerk3, hall.w3)
    actions.transfer(hall.clerk3, hall.w3, reason="转二号窗口", to_window=hall.w2)
    actions.close_window(hall.clerk3, hall.w3)
    clock.move_to(at(9, 30))

    assert sweep() == []  # window 2 is closed; window 1 may not take the client


def test_clients_sent_to_the_window_count(hall, clock):
    hall.open(hall.w1, hall.clerk1)
    hall.open(hall.w2, hall.clerk2)
    hall.issue(hall.queue_b)
    actions.call_next(hall.clerk2, hall.w2)
    actions.transfer(hall.clerk2, hall.w2, reason="转一号窗口", to_window=hall.w1)
    actions.close_window(hall.clerk2, hall.w2)
    clock.move_to(at(9, 30))

    (finding,) = sweep()

    assert finding.key.startswith(f"D-01:idle:{hall.w1.pk}:")


def test_a_closed_window_is_not_flagged_as_away(hall, clock):
    hall.issue()
    clock.move_to(at(9, 30))

    assert sweep() == []


def test_clients_of_an_earlier_day_do_not_count(hall, clock, waiting):
    clock.move_to(at(9, 30, day=DAY + dt.timedelta(days=1)))

    assert sweep() == []


# --- N-5.1: rostered window not opened ------------------------------------------------------


@pytest.fixture
def rostered(hall):
    head = hall.world.head
    assign_duty(head, unit=hall.office, date=DAY, staff=hall.clerk1, window=hall.w1)
    assign_duty(head, unit=hall.office, date=DAY, staff=head, head_on_duty=True)
    return hall


def test_a_rostered_window_not_opened_by_opening_time_is_flagged(rostered, clock):
    hall = rostered
    clock.move_to(at(9, 0))
    assert sweep() == []
    clock.move_to(at(9, 1))

    (finding,) = sweep()

    (flag,) = _flags("N-5.1")
    assert (finding.clause, finding.new) == ("N-5.1", True)
    assert (flag.key, flag.staff, flag.subject_type, flag.subject_id) == (
        f"N-5.1:window:{hall.w1.pk}:{DAY}", hall.clerk1, "org.window", str(hall.w1.pk),
    )  # fmt: skip
    assert "window 1 not opened at 09:01" in flag.detail and "09:00" in flag.detail


def test_a_window_opened_late_after_the_sweep_is_one_situation(rostered, clock):
    hall = rostered
    clock.move_to(at(9, 1))
    sweep()
    clock.move_to(at(9, 10))

    hall.open(hall.w1, hall.clerk1)

    assert len(_flags("N-5.1")) == 1
    assert sweep() == []


def test_a_window_opened_on_time_is_not_flagged(rostered, clock):
    rostered.open(rostered.w1, rostered.clerk1)
    clock.move_to(at(10, 0))

    assert sweep() == []


def test_a_window_closed_after_its_opening_check_is_not_flagged(rostered, clock):
    rostered.open(rostered.w1, rostered.clerk1)
    actions.close_window(rostered.clerk1, rostered.w1)
    clock.move_to(at(10, 0))

    assert sweep() == []


def test_windows_not_on_todays_roster_are_not_flagged(hall, clock):
    assign_duty(
        hall.world.head, unit=hall.office, date=DAY + dt.timedelta(days=1), staff=hall.clerk2,
        window=hall.w2,
    )  # fmt: skip
    clock.move_to(at(10, 0))

    assert sweep() == []


# --- what the sweep does not do -------------------------------------------------------------


def test_the_sweep_changes_no_business_row_and_writes_no_ledger_entry(rostered, clock):
    hall = rostered
    hall.open(hall.w3, hall.clerk3)
    hall.issue()
    clock.move_to(at(9, 40))
    before = snapshot()
    entries = LedgerEntry.objects.count()

    findings = sweep()

    assert sorted(f.clause for f in findings) == ["D-01", "N-5.1"]
    after = snapshot()
    assert len(after.pop("Detection")) == len(before.pop("Detection")) + 2
    assert after == before
    assert LedgerEntry.objects.count() == entries


def test_the_command_runs_one_pass_and_reports_new_flags(rostered, clock):
    clock.move_to(at(9, 5))
    out = StringIO()

    call_command("hall_sweep", stdout=out)
    call_command("hall_sweep", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("N-5.1 unit ") and "window 1 not opened at 09:05" in lines[0]
    assert lines[1:] == ["1 situation(s), 1 newly flagged", "1 situation(s), 0 newly flagged"]


@pytest.mark.parametrize("every", ["0", "-1", "soon", "inf"])
def test_the_command_wants_a_positive_interval(db, every):
    with pytest.raises(CommandError, match="positive number of seconds"):
        call_command("hall_sweep", "--every", every)
