"""Booking, cancelling, checking in at the kiosk, and recording no-shows.

Each action checks its rules, changes its rows in one transaction and writes one ledger
entry in the unit's chain (design.md, invariant 1). Clients act through the portal and
the kiosk, so the entries name a channel, not a staff member; the no-show sweep is the
system's. Ledger payloads never hold the ID or mobile number, masked or not: the
ledger is kept for ever and cannot be corrected by deletion.

Check-in issues a ticket and writes ONE entry, ``appointments.checked_in``, whose subject
is the new ticket and whose ``state`` is the ticket's (so ``ledger verify`` reconciles
the ticket as it reconciles tickets from the kiosk), with the booking named in the
payload. That needs ``queueing.actions.issue_ticket(..., record=False)``, which issues
without writing the ticket's own entry; until queueing has it, the ticket's own
``hall.ticket_issued`` entry is written as well (two entries; see the strict xfail test
in tests/test_check_in.py and ``action_scenarios.py``).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.choices import ClientType
from servicehall.ledger.actions import Subject, append
from servicehall.ledger.choices import Channel
from servicehall.ledger.registry import register_event
from servicehall.lib.idnumbers import (
    InvalidIDNumber,
    InvalidMobile,
    normalize_id_number,
    normalize_mobile,
)
from servicehall.queueing.actions import issue_ticket, ticket_state
from servicehall.queueing.choices import TicketChannel
from servicehall.queueing.models import Queue, Ticket

from . import personal
from .access import booking_for_client
from .choices import ACTIVE_STATUSES, AppointmentStatus
from .models import Appointment, Slot, new_booking_code, normalize_code

for name, description, clauses in (
    ("appointments.booked", "A place in a bookable slot is booked.", ("N-2.4",)),
    ("appointments.cancelled", "The client cancels a booking before its slot.", ("N-2.4",)),
    (
        "appointments.checked_in",
        "A booked client checks in at the kiosk and gets a ticket of the appointment class.",
        ("N-2.3", "N-2.4"),
    ),
    (
        "appointments.no_show",
        "A booked client did not check in by the end of the slot.",
        ("N-2.3",),
    ),
):
    register_event(name, 1, description, clauses)

_CODE_ATTEMPTS = 5


class BookingError(ValidationError):
    """A booking action that the input or the current state does not allow, said in the
    user's language; a dict of messages names the form fields."""


def appointment_state(row: Appointment) -> dict:
    """What each booking entry records of the booking."""
    return {"code": row.code, "slot": row.slot_id, "status": row.status, "ticket": row.ticket_id}


def _record(row: Appointment, event: str, *, channel: str, **extra) -> None:
    append(
        unit=row.unit_id,
        event=event,
        subject=Subject.of(row),
        payload={"state": appointment_state(row), "appointment": row.code, **extra},
        channel=channel,
    )


def _local(moment: dt.datetime) -> dt.datetime:
    # Slots are in the server's zone (settings.TIME_ZONE), whatever a request activated.
    return timezone.localtime(moment, timezone.get_default_timezone())


def _hhmm(moment: dt.datetime) -> str:
    return f"{_local(moment):%H:%M}"


# --- booking ------------------------------------------------------------------------------


def _checked_input(client_name: str, client_type: str, id_number: str, mobile: str):
    """The normalised name, ID number and mobile number, or every problem at once."""
    errors = {}
    name = " ".join((client_name or "").split())
    if not name:
        errors["client_name"] = _("Enter your name as it is on your ID card.")
    elif len(name) > 60:
        errors["client_name"] = _("A name has at most 60 characters.")
    if client_type not in ClientType.values:
        errors["client_type"] = _("Choose the kind of client.")
    number = phone = ""
    try:
        number = normalize_id_number(id_number or "")
    except InvalidIDNumber as error:
        errors["id_number"] = error.message
    try:
        phone = normalize_mobile(mobile or "")
    except InvalidMobile as error:
        errors["mobile"] = error.message
    if errors:
        raise BookingError(errors)
    return name, number, phone


def _duplicate_error() -> BookingError:
    return BookingError(
        {
            "id_number": _(
                "This ID number already has a booking for this service on that day. "
                "Cancel it first if you want another time."
            )
        }
    )


def book(
    *, slot: Slot, client_name: str, client_type: str, id_number: str, mobile: str
) -> Appointment:
    """Book one place in ``slot`` for the client; returns the booking with its code.

    The place is taken by compare-and-set on the slot's count (``booked < capacity``), so
    concurrent bookings never overfill it; one ID number holds one active booking per day
    and service item, which a partial unique index also enforces under concurrency.
    """
    name, number, phone = _checked_input(client_name, client_type, id_number, mobile)
    if slot.starts_at <= timezone.now():
        raise BookingError(_("This time has already begun; choose a later one."))
    active = Appointment.objects.filter(
        id_number_index=personal.id_number_index(number),
        day=slot.day,
        item_id=slot.item_id,
        status__in=ACTIVE_STATUSES,
    )
    with transaction.atomic():
        if active.exists():
            raise _duplicate_error()
        taken = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
            booked=F("booked") + 1
        )
        if not taken:
            raise BookingError(_("This time is fully booked; choose another time."))
        for _attempt in range(_CODE_ATTEMPTS):
            row = Appointment(
                unit_id=slot.unit_id, slot=slot, item_id=slot.item_id, day=slot.day,
                code=new_booking_code(), client_name=name, client_type=client_type,
                booked_at=timezone.now(),
            )  # fmt: skip
            row.set_personal_data(id_number=number, mobile=phone)
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                # Another booking of this ID number committed first (PostgreSQL waits for
                # it on the unique index), or, rarely, the random code was taken: try anew.
                if active.exists():
                    raise _duplicate_error() from None
                continue
            break
        else:  # pragma: no cover - 31**8 codes
            raise BookingError(_("Please try again."))
        _record(
            row, "appointments.booked", channel=Channel.PORTAL,
            item=slot.item.code, day=slot.day.isoformat(), start=f"{slot.start:%H:%M}",
            client_type=client_type,
        )  # fmt: skip
    return row


# --- cancelling ---------------------------------------------------------------------------


def cancel(*, code: str, id_last4: str) -> Appointment:
    """The client cancels, with the booking code and the last four characters of the ID
    number, before the slot starts; the place is free again."""
    row = booking_for_client(code, id_last4)
    if row is None:
        raise BookingError(_("No booking matches this code and these four characters."))
    if row.status != AppointmentStatus.BOOKED:
        raise BookingError(
            _("This booking is already {status}; it cannot be cancelled.").format(
                status=row.get_status_display()
            )
        )
    now = timezone.now()
    if now >= row.slot.starts_at:
        raise BookingError(_("A booking can be cancelled only before its time begins."))
    with transaction.atomic():
        claimed = Appointment.objects.filter(pk=row.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.CANCELLED, closed_at=now
        )
        if claimed != 1:
            raise BookingError(_("This booking has just changed; look it up again."))
        Slot.objects.filter(pk=row.slot_id).update(booked=F("booked") - 1)
        row.status, row.closed_at = AppointmentStatus.CANCELLED, now
        _record(row, "appointments.cancelled", channel=Channel.PORTAL)
    return row


# --- checking in --------------------------------------------------------------------------


def _queue_for(row: Appointment) -> tuple[Queue, object]:
    """The unit's queue that serves the item, else its queue A; and the item to put on the
    ticket (none when the fallback queue lists other items only)."""
    queue = (
        Queue.objects.filter(unit_id=row.unit_id, active=True, items=row.item_id)
        .order_by("prefix")
        .first()
    )
    if queue is not None:
        return queue, row.item
    queue = Queue.objects.filter(unit_id=row.unit_id, prefix="A", active=True).first()
    if queue is None:
        raise BookingError(_("No queue takes this service now; please ask at the guidance desk."))
    return queue, (None if queue.items.exists() else row.item)


def _issue(queue: Queue, item, client_type: str) -> Ticket:
    # Check-in writes the one entry itself; the ticket's state is in it.
    return issue_ticket(
        queue=queue, channel=TicketChannel.APPOINTMENT, client_type=client_type, item=item,
        record=False,
    )  # fmt: skip


def check_in(*, unit, code: str) -> Appointment:
    """At the unit's kiosk, from 30 minutes before the slot starts to 15 minutes after:
    the booking is checked in and gets a ticket of the appointment priority class in the
    queue that serves its item (the unit's queue A otherwise)."""
    code = normalize_code(code)
    if not code:
        raise BookingError(_("Enter the booking code."))
    row = (
        Appointment.objects.filter(code=code)
        .select_related("slot", "unit", "item", "ticket")
        .first()
    )
    if row is None:
        raise BookingError(_("No booking has this code. Check the code on your confirmation."))
    if row.unit_id != unit.pk:
        raise BookingError(
            _("This booking is for {unit}; please check in there.").format(unit=row.unit.name)
        )
    if row.status == AppointmentStatus.CHECKED_IN:
        raise BookingError(
            _("This booking is already checked in: your ticket is {ticket}.").format(
                ticket=row.ticket.code
            )
        )
    if row.status != AppointmentStatus.BOOKED:
        raise BookingError(
            _("This booking is {status}; please take a ticket at the kiosk.").format(
                status=row.get_status_display()
            )
        )
    now = timezone.now()
    slot = row.slot
    if now < slot.check_in_opens:
        if _local(now).date() != slot.day:
            raise BookingError(
                _("Your booking is on {day}; check in from {time} that day.").format(
                    day=slot.day.isoformat(), time=_hhmm(slot.check_in_opens)
                )
            )
        raise BookingError(
            _("It is too early: check in from {time}.").format(time=_hhmm(slot.check_in_opens))
        )
    if now > slot.check_in_closes:
        raise BookingError(
            _("Check-in for this booking closed at {time}; please take a ticket at the kiosk.")
            .format(time=_hhmm(slot.check_in_closes))
        )  # fmt: skip
    queue, item = _queue_for(row)
    with transaction.atomic():
        claimed = Appointment.objects.filter(pk=row.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.CHECKED_IN, closed_at=now
        )
        if claimed != 1:
            raise BookingError(_("This booking has just changed; please try again."))
        ticket = _issue(queue, item, row.client_type)
        row.status, row.closed_at, row.ticket = AppointmentStatus.CHECKED_IN, now, ticket
        row.save(update_fields=["ticket"])
        append(
            unit=row.unit_id,
            event="appointments.checked_in",
            subject=Subject.of(ticket),
            payload={
                "state": ticket_state(ticket),
                "ticket": ticket.code,
                "appointment": row.code,
                "appointment_state": appointment_state(row),
                "minutes_from_start": round((now - slot.starts_at).total_seconds() / 60),
            },
            channel=Channel.KIOSK,
        )
    return row


# --- no-shows -----------------------------------------------------------------------------


def _no_show_after(slot: Slot) -> dt.datetime:
    # Check-in stays open 15 minutes past the start, even in a shorter slot.
    return max(slot.ends_at, slot.check_in_closes)


def mark_no_shows(*, unit=None) -> list[Appointment]:
    """The sweep: every booking not checked in by the end of its slot becomes a no-show.

    Each booking marked is one change, in its own transaction with its own entry in its
    unit's chain, so no transaction spans two units and a failure leaves the rest marked.
    """
    now = timezone.now()
    local = _local(now)
    rows = Appointment.objects.filter(
        Q(day__lt=local.date()) | Q(day=local.date(), slot__end__lte=local.time()),
        status=AppointmentStatus.BOOKED,
    ).select_related("slot")
    if unit is not None:
        rows = rows.filter(unit=unit)
    marked = []
    for row in rows.order_by("day", "slot__start", "pk"):
        if _no_show_after(row.slot) >= now:
            continue
        with transaction.atomic():
            claimed = Appointment.objects.filter(pk=row.pk, status=AppointmentStatus.BOOKED).update(
                status=AppointmentStatus.NO_SHOW, closed_at=now
            )
            if claimed != 1:
                continue  # checked in or cancelled meanwhile
            row.status, row.closed_at = AppointmentStatus.NO_SHOW, now
            _record(row, "appointments.no_show", channel=Channel.SYSTEM)
        marked.append(row)
    return marked
