"""The appointments' actions for the invariant test: each writes exactly one ledger entry.

The scenarios run on the real clock: slots are placed around now (check-in opens 30
minutes before a slot), and the no-show sweep is run three hours later with time-machine.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from servicehall.appointments.choices import AppointmentStatus
from servicehall.appointments.models import Appointment, Slot
from servicehall.testing import Scenario

NOT_ACTIONS = {
    "servicehall.appointments.actions.appointment_state": "what the booking entries record",
}


def _soon(world):
    """A benefit slot starting in ten minutes (check-in already open), with its queues."""
    from servicehall.appointments.tests.factories import make_items, make_queues, make_slot

    items = make_items(world)
    make_queues(world.office, items)
    return make_slot(world.office, items["benefit"], timezone.now() + dt.timedelta(minutes=10))


def _booked(world):
    from servicehall.appointments.tests.factories import book

    return book(_soon(world))


def _perform(name):
    def perform(world, prepared):
        from servicehall.appointments import actions
        from servicehall.appointments.tests.factories import book, valid_id

        if name == "book":
            return book(prepared, 2)
        if name == "cancel":
            return actions.cancel(code=prepared.code, id_last4=valid_id(1)[-4:])
        if name == "check_in":
            return actions.check_in(unit=world.office, code=prepared.code)
        import time_machine

        with time_machine.travel(timezone.now() + dt.timedelta(hours=3), tick=False):
            return actions.mark_no_shows()

    return perform


def _status(row, status) -> bool:
    return Appointment.objects.filter(pk=row.pk, status=status).exists()


SCENARIOS = {
    "servicehall.appointments.actions.book": Scenario(
        prepare=_soon,
        perform=_perform("book"),
        changed=lambda world, slot, row: (
            _status(row, AppointmentStatus.BOOKED) and Slot.objects.get(pk=slot.pk).booked == 1
        ),
        event="appointments.booked",
    ),
    "servicehall.appointments.actions.cancel": Scenario(
        prepare=_booked,
        perform=_perform("cancel"),
        changed=lambda world, row, _r: (
            _status(row, AppointmentStatus.CANCELLED)
            and Slot.objects.get(pk=row.slot_id).booked == 0
        ),
        event="appointments.cancelled",
    ),
    "servicehall.appointments.actions.mark_no_shows": Scenario(
        prepare=_booked,
        perform=_perform("mark_no_shows"),
        changed=lambda world, row, marked: (
            [m.pk for m in marked] == [row.pk] and _status(row, AppointmentStatus.NO_SHOW)
        ),
        event="appointments.no_show",
    ),
}

SCENARIOS["servicehall.appointments.actions.check_in"] = Scenario(
    prepare=_booked,
    perform=_perform("check_in"),
    changed=lambda world, row, _r: Appointment.objects.filter(
        pk=row.pk, status=AppointmentStatus.CHECKED_IN, ticket__priority=1
    ).exists(),
    event="appointments.checked_in",
)
