"""Bookable slots and appointments (issue 5, item 8; N-2.4 short waits, N-2.3 one rule).

A slot is a time range of one unit's day for one service item, with its places. An
appointment holds a place until the client checks in at the kiosk (and gets a ticket of
the appointment's priority class), cancels, or is recorded as a no-show.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.choices import ClientType
from servicehall.lib.idnumbers import mask_id_number, mask_mobile, normalize_id_number

from . import personal
from .choices import ACTIVE_STATUSES, AppointmentStatus

# Check-in at the kiosk opens this long before the slot starts and closes this long after.
CHECK_IN_OPENS_BEFORE = dt.timedelta(minutes=30)
CHECK_IN_CLOSES_AFTER = dt.timedelta(minutes=15)

# Booking codes: no 0/O, 1/I/L, so a code read aloud or typed at a kiosk is unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
_NOT_CODE = re.compile(r"[^0-9A-Z]")


def new_booking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """A typed code as stored: full-width folded, upper case, spaces and dashes dropped."""
    return _NOT_CODE.sub("", unicodedata.normalize("NFKC", text or "").upper())


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=timezone.get_default_timezone())


class Slot(models.Model):
    """A bookable time range (e.g. 09:00–10:00) of a unit's day for one service item.

    ``booked`` counts the places taken: every booking not cancelled (a no-show took its
    place too). The booking actions change it only by compare-and-set against
    ``capacity``, and the database refuses a count above the capacity, so concurrent
    bookings never overfill a slot.
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    item = models.ForeignKey(
        "catalogue.ServiceItem", verbose_name=_("service item"), on_delete=models.PROTECT
    )
    day = models.DateField(_("day"))
    start = models.TimeField(_("starts at"))
    end = models.TimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("places taken"), default=0, editable=False)

    class Meta:
        verbose_name = _("bookable slot")
        verbose_name_plural = _("bookable slots")
        ordering = ["day", "start", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "item", "day", "start"], name="slot_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="slot_end_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_has_places"),
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("capacity")), name="slot_within_capacity"
            ),
        ]
        indexes = [models.Index(fields=["unit", "day"], name="slot_unit_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.start:%H:%M}–{self.end:%H:%M} {self.item}"

    def clean(self) -> None:
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("A slot ends after it starts.")
        if self.unit_id and self.start and self.end:
            if self.start < self.unit.opening_time or self.end > self.unit.closing_time:
                errors["start"] = _("A slot lies within the unit's opening hours.")
        if self.pk and self.capacity is not None and self.capacity < self.booked:
            errors["capacity"] = _(
                "{booked} places are already taken; the capacity cannot be lower."
            ).format(booked=self.booked)
        if errors:
            raise ValidationError(errors)

    @property
    def starts_at(self) -> dt.datetime:
        return _local(self.day, self.start)

    @property
    def ends_at(self) -> dt.datetime:
        return _local(self.day, self.end)

    @property
    def check_in_opens(self) -> dt.datetime:
        return self.starts_at - CHECK_IN_OPENS_BEFORE

    @property
    def check_in_closes(self) -> dt.datetime:
        return self.starts_at + CHECK_IN_CLOSES_AFTER

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.booked, 0)


class AppointmentQuerySet(models.QuerySet):
    def with_id_number(self, value: str) -> AppointmentQuerySet:
        """Bookings of this ID number, found by its blind index without decrypting a row.

        Raises ``InvalidIDNumber`` for a value that is no ID number.
        """
        return self.filter(id_number_index=personal.id_number_index(normalize_id_number(value)))


class Appointment(models.Model):
    """A client's booking of one place in a slot, under a booking code.

    The ID number and the mobile number are stored only encrypted (``*_token``); the
    ID number's blind index finds a booking by ID number and enforces one active
    booking per ID number, day and item. Both are shown masked; a full view is logged.
    ``item`` and ``day`` repeat the slot's, so that the rule is a unique index.
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    slot = models.ForeignKey(
        Slot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="appointments"
    )
    item = models.ForeignKey(
        "catalogue.ServiceItem", verbose_name=_("service item"), on_delete=models.PROTECT
    )
    day = models.DateField(_("day"))
    code = models.CharField(_("booking code"), max_length=CODE_LENGTH, unique=True)
    client_name = models.CharField(_("client's name"), max_length=60)
    client_type = models.CharField(_("client type"), max_length=12, choices=ClientType.choices)
    id_number_token = models.TextField(_("ID number (encrypted)"), editable=False)
    id_number_index = models.CharField(_("ID number (blind index)"), max_length=64, editable=False)
    mobile_token = models.TextField(_("mobile number (encrypted)"), editable=False)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    booked_at = models.DateTimeField(_("booked at"))
    closed_at = models.DateTimeField(_("checked in, cancelled or marked at"), null=True, blank=True)
    ticket = models.OneToOneField(
        "queueing.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointment",
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["day", "slot__start", "booked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index", "day", "item"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="appointment_one_active_per_id",
                violation_error_message=_(
                    "This ID number already has a booking for this service on that day."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ticket__isnull=True) | Q(status=AppointmentStatus.CHECKED_IN),
                name="appointment_ticket_at_check_in",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "day", "status"], name="appointment_unit_day"),
            models.Index(fields=["id_number_index"], name="appointment_id_index"),
            models.Index(fields=["status", "day"], name="appointment_status_day"),
        ]

    def __str__(self) -> str:
        return self.code

    def set_personal_data(self, *, id_number: str, mobile: str) -> None:
        """Encrypt the normalised numbers into this booking (its code must be set)."""
        self.id_number_token = personal.encrypt(personal.ID_NUMBER_COLUMN, self.code, id_number)
        self.id_number_index = personal.id_number_index(id_number)
        self.mobile_token = personal.encrypt(personal.MOBILE_COLUMN, self.code, mobile)

    def id_number(self) -> str:
        """The full ID number. Show it only after ``ledger.personal.log_full_view``."""
        return personal.decrypt(personal.ID_NUMBER_COLUMN, self.code, self.id_number_token)

    def mobile(self) -> str:
        """The full mobile number. Show it only after ``ledger.personal.log_full_view``."""
        return personal.decrypt(personal.MOBILE_COLUMN, self.code, self.mobile_token)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number())

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile())

    @property
    def code_display(self) -> str:
        """The code in two groups of four, easier to read out and type."""
        return f"{self.code[:4]} {self.code[4:]}"
