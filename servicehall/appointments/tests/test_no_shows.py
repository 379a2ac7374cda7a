"""The no-show sweep: bookings not checked in by the end of their slot become no-shows,
each recorded in its unit's chain."""

from __future__ import annotations

import json

from django.core.management import call_command

from servicehall.appointments.actions import cancel, check_in, mark_no_shows
from servicehall.appointments.choices import AppointmentStatus
from servicehall.appointments.models import Appointment
from servicehall.ledger.models import LedgerEntry

from .factories import DAY, book, local, make_slot, valid_id


def _statuses() -> dict[str, str]:
    return dict(Appointment.objects.values_list("code", "status"))


def test_the_sweep_marks_only_bookings_whose_slot_has_ended(hall, clock):
    early = book(hall.morning, 1)  # 09:00-10:00
    later = book(hall.small, 2)  # 10:00-11:00
    came = book(hall.card, 3)  # 09:00-10:00, checks in
    gone = book(hall.card, 4)
    cancel(code=gone.code, id_last4=valid_id(4)[-4:])
    clock.move_to(local(DAY, 8, 50))
    check_in(unit=hall.world.office, code=came.code)

    clock.move_to(local(DAY, 9, 59))
    assert mark_no_shows() == []
    clock.move_to(local(DAY, 10))
    assert mark_no_shows() == []  # the slot ends at 10:00 sharp
    clock.move_to(local(DAY, 10, 1))
    marked = mark_no_shows()
    assert [row.code for row in marked] == [early.code]
    assert _statuses() == {
        early.code: AppointmentStatus.NO_SHOW,
        later.code: AppointmentStatus.BOOKED,
        came.code: AppointmentStatus.CHECKED_IN,
        gone.code: AppointmentStatus.CANCELLED,
    }
    entry = LedgerEntry.objects.get(event_type="appointments.no_show")
    assert entry.subject_id == str(early.pk) and entry.channel == "system"
    assert json.loads(entry.payload)["state"]["status"] == "no_show"
    # A second sweep finds nothing more to do.
    assert mark_no_shows() == []
    assert LedgerEntry.objects.filter(event_type="appointments.no_show").count() == 1


def test_one_entry_per_booking_marked_each_in_its_units_chain(hall, clock):
    from servicehall.appointments.tests.factories import make_queues

    make_queues(hall.world.other_office, hall.items)
    other_slot = make_slot(hall.world.other_office, hall.items["benefit"], local(DAY, 9))
    rows = [book(hall.morning, 1), book(hall.morning, 2), book(other_slot, 3)]
    clock.move_to(local(DAY, 10, 30))
    assert {row.code for row in mark_no_shows()} == {row.code for row in rows}
    units = LedgerEntry.objects.filter(event_type="appointments.no_show").values_list(
        "unit_id", flat=True
    )
    assert sorted(units) == sorted(row.unit_id for row in rows)


def test_the_sweep_can_keep_to_one_unit(hall, clock):
    other_slot = make_slot(hall.world.other_office, hall.items["benefit"], local(DAY, 9))
    ours, theirs = book(hall.morning, 1), book(other_slot, 2)
    clock.move_to(local(DAY, 11))
    assert [row.code for row in mark_no_shows(unit=hall.world.office)] == [ours.code]
    assert Appointment.objects.get(pk=theirs.pk).status == AppointmentStatus.BOOKED


def test_a_short_slot_waits_for_the_check_in_window_to_close(hall, clock):
    short = make_slot(hall.world.office, hall.items["card"], local(DAY, 11), minutes=10)
    row = book(short, 5)
    clock.move_to(local(DAY, 11, 12))  # the slot has ended, check-in is open until 11:15
    assert mark_no_shows() == []
    clock.move_to(local(DAY, 11, 15))
    assert mark_no_shows() == []
    clock.move_to(local(DAY, 11, 16))
    assert [r.code for r in mark_no_shows()] == [row.code]


def test_the_command_runs_the_sweep(hall, clock, capsys):
    row = book(hall.morning, 1)
    clock.move_to(local(DAY, 12))
    call_command("appointments_no_shows", unit=hall.world.office.code)
    assert f"{row.code}: no-show" in capsys.readouterr().out
    assert Appointment.objects.get(pk=row.pk).status == AppointmentStatus.NO_SHOW
