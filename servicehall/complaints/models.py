"""Complaints, suggestions and reports from every channel of N-6.1 (投诉、建议、举报).

A complaint goes through the GB/T 36113 flow — accept (受理), investigate (调查), handle
(处理), reply (答复), archive (归档) — each step with a deadline in working days of the
unit's calendar (``deadlines.py``), stored in the indexed ``step_due_at`` column, so being
overdue is a query. Every change goes through ``actions.py``.

The complainant's identity (name, phone, ID number) is optional, encrypted at rest
(``identity.py``) and shown only to the complaint handlers: the heads on duty of the unit
and the handler assigned to the complaint (``access.py``). The complainant follows the
progress with the public tracking number and the secret code given at submission; the
code is stored only as a keyed hash.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.lib.fieldcrypto import cipher

from . import identity
from .choices import (
    OPEN_STEPS,
    STEP_COLOURS,
    Channel,
    Finding,
    Kind,
    ReplyMethod,
    Step,
    WarningLevel,
)


def _new_ref() -> str:
    return secrets.token_hex(8)


class ComplaintSettings(models.Model):
    """A unit's working-day limits for each step of the flow (defaults when no row)."""

    unit = models.OneToOneField(
        "org.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="complaint_settings",
    )
    accept_days = models.PositiveSmallIntegerField(_("days to accept"), default=1)
    investigate_days = models.PositiveSmallIntegerField(_("days to investigate"), default=5)
    handle_days = models.PositiveSmallIntegerField(_("days to handle"), default=5)
    reply_days = models.PositiveSmallIntegerField(_("days to reply"), default=2)
    archive_days = models.PositiveSmallIntegerField(_("days to archive"), default=2)

    DEFAULTS = {
        "accept_days": 1,
        "investigate_days": 5,
        "handle_days": 5,
        "reply_days": 2,
        "archive_days": 2,
    }

    class Meta:
        verbose_name = _("complaint time limits")
        verbose_name_plural = _("complaint time limits")

    def __str__(self) -> str:
        return str(self.unit)


class ComplaintCounter(models.Model):
    """The last tracking number issued per unit and year; locked while a number is drawn."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("complaint number counter")
        verbose_name_plural = _("complaint number counters")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="complaint_counter_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: {self.last}"


class ComplaintQuerySet(models.QuerySet):
    def open(self) -> ComplaintQuerySet:
        return self.filter(step__in=OPEN_STEPS)

    def overdue(self, now=None) -> ComplaintQuerySet:
        """Open complaints past the current step's deadline (indexed column)."""
        return self.open().filter(step_due_at__lt=now or timezone.now())

    def due_soon(self, now=None) -> ComplaintQuerySet:
        now = now or timezone.now()
        return self.open().filter(step_warn_at__lte=now, step_due_at__gte=now)


class Complaint(models.Model):
    """One complaint, suggestion or report (N-6.1) about a unit, from one channel.

    ``step`` says what it waits for; ``step_due_at`` is the end of the current step's
    limit and ``step_warn_at`` when the warning is due (both ``None`` once closed).
    ``clause`` is the clause or prohibition concerned (an N- or D- id), ``staff_concerned``
    the staff member complained about; ``handler`` the staff member the head on duty gave
    it to. ``referred_from`` is the complaint another unit of the system referred here,
    which a head on duty of this unit took (channel "referral"). A substantiated finding is
    recorded as a ``supervision.Violation`` whose source is this complaint, with an
    accountability decision (N-5.6e).
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit concerned"), on_delete=models.PROTECT)
    number = models.CharField(_("tracking number"), max_length=40, unique=True)
    code_hash = models.CharField(_("secret code (keyed hash)"), max_length=64, editable=False)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    content = models.TextField(_("content"))
    source = models.CharField(
        _("source"),
        max_length=500,
        blank=True,
        help_text=_("Opinion monitoring: where it was published (site, account, address)."),
    )
    work_order_no = models.CharField(_("12345 work-order number"), max_length=40, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    ref = models.CharField(_("reference"), max_length=16, default=_new_ref, editable=False)
    name_token = models.TextField(_("name (encrypted)"), blank=True, editable=False)
    phone_token = models.TextField(_("phone number (encrypted)"), blank=True, editable=False)
    id_token = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    clause = models.ForeignKey(
        "norms.Clause",
        verbose_name=_("clause concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff_concerned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff_no_given = models.CharField(_("staff no. given"), max_length=20, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    step = models.CharField(_("step"), max_length=16, choices=Step.choices, default=Step.RECEIVED)
    step_due_at = models.DateTimeField(_("step deadline"), null=True, blank=True)
    step_warn_at = models.DateTimeField(_("step warning due"), null=True, blank=True)
    deadline_provisional = models.BooleanField(_("provisional deadline"), default=False)

    received_at = models.DateTimeField(_("received"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    investigated_at = models.DateTimeField(_("investigated"), null=True, blank=True)
    finding = models.CharField(_("finding"), max_length=16, choices=Finding.choices, blank=True)
    findings = models.TextField(_("findings of the investigation"), blank=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    reply = models.TextField(_("reply to the complainant"), blank=True)
    reply_method = models.CharField(
        _("reply method"), max_length=10, choices=ReplyMethod.choices, blank=True
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    closed_reason = models.TextField(_("reason (not accepted or referred)"), blank=True)
    referred_to_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("referred to (unit)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    referred_to_name = models.CharField(_("referred to"), max_length=100, blank=True)
    # The complaint another unit referred here (转办), once a head on duty took it: taken
    # once only (the one-to-one constraint), the origin stays closed as referred there.
    referred_from = models.OneToOneField(
        "self",
        verbose_name=_("referred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taken_as",
    )
    last_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint or suggestion")
        verbose_name_plural = _("complaints and suggestions")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["unit", "step", "step_due_at"], name="complaint_unit_step_due"),
            models.Index(fields=["step_due_at"], name="complaint_step_due",
                         condition=Q(step__in=OPEN_STEPS)),
            models.Index(fields=["unit", "received_at"], name="complaint_unit_received"),
            models.Index(fields=["unit", "archived_at"], name="complaint_unit_archived"),
            models.Index(fields=["handler", "step"], name="complaint_handler_step"),
        ]  # fmt: skip
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel=Channel.HOTLINE_12345) | ~Q(work_order_no=""),
                name="complaint_12345_has_work_order",
            ),
            models.CheckConstraint(
                condition=~Q(anonymous=True) | (Q(name_token="") & Q(id_token="")),
                name="complaint_anonymous_has_no_name",
            ),
            models.CheckConstraint(
                condition=(Q(channel=Channel.REFERRAL) & Q(referred_from__isnull=False))
                | (~Q(channel=Channel.REFERRAL) & Q(referred_from__isnull=True)),
                name="complaint_referral_has_origin",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    # --- state ------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.step in OPEN_STEPS

    @property
    def step_colour(self) -> str:
        return STEP_COLOURS.get(self.step, "grey")

    def is_overdue(self, now=None) -> bool:
        return bool(
            self.is_open and self.step_due_at and self.step_due_at < (now or timezone.now())
        )

    @property
    def has_identity(self) -> bool:
        return bool(self.name_token or self.phone_token or self.id_token)

    @property
    def reply_needed(self) -> bool:
        """A reply is owed unless the complainant is anonymous and left no way to reach
        them: no phone number, and no tracking code handed over (box and opinion items)."""
        if not self.anonymous:
            return True
        if self.phone_token:
            return True
        if self.channel == Channel.REFERRAL and self.referred_from_id is not None:
            return self.referred_from.reply_needed  # the origin's tracking page shows it
        return self.channel in (Channel.ONLINE, Channel.HOTLINE, Channel.HOTLINE_12345)

    def taken_there(self) -> Complaint | None:
        """The complaint this one became in the unit of the system it was referred to, once
        that unit took it; else None."""
        if self.step != Step.REFERRED or self.referred_to_unit_id is None:
            return None
        return Complaint.objects.filter(referred_from=self).select_related("unit").first()

    # --- the complainant's identity (handlers only; see access.py) ---------------------------

    def set_identity(self, *, name: str = "", phone: str = "", id_number: str = "") -> None:
        """Encrypt the (already normalised) values into this row; empty ones stay empty."""
        self.name_token = identity.encrypt(identity.NAME, self.ref, name) if name else ""
        self.phone_token = identity.encrypt(identity.PHONE, self.ref, phone) if phone else ""
        self.id_token = identity.encrypt(identity.ID, self.ref, id_number) if id_number else ""

    def identity(self) -> dict:
        """The full identity. Show it only after ``ledger.personal.log_full_view`` (D-10)."""
        return {
            "name": identity.decrypt(identity.NAME, self.ref, self.name_token),
            "phone": identity.decrypt(identity.PHONE, self.ref, self.phone_token),
            "id_number": identity.decrypt(identity.ID, self.ref, self.id_token),
        }

    def masked_identity(self) -> dict:
        full = self.identity()
        return {
            "name": identity.mask_name(full["name"]),
            "phone": identity.mask_phone(full["phone"]),
            "id_number": identity.mask_id(full["id_number"]),
        }

    def digest(self) -> str:
        """A keyed hash of the identity and the free texts, for the ledger: it vouches
        for them without putting them into the append-only ledger, which staff who may
        not see them can read."""
        fields = [
            self.ref, self.code_hash, self.name_token, self.phone_token, self.id_token,
            self.content, self.source, self.findings, self.measures, self.reply,
            self.closed_reason, self.staff_no_given,
        ]  # fmt: skip
        return cipher().blind_index("complaints.complaint:" + "\x1f".join(fields))

    # --- the tracking code ------------------------------------------------------------------

    def matches_code(self, code: str) -> bool:
        typed = identity.normalise_code(code)
        if not typed or not self.code_hash:
            return False
        return secrets.compare_digest(identity.code_hash(self.number, typed), self.code_hash)


class ComplaintWarning(models.Model):
    """A warning of the complaints sweep: a step due soon or overdue, once per complaint,
    step and level; sent to the handler and the unit's heads on duty."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="warnings"
    )
    step = models.CharField(_("step"), max_length=16, choices=Step.choices)
    level = models.CharField(_("level"), max_length=10, choices=WarningLevel.choices)
    due_at = models.DateTimeField(_("step deadline"))
    issued_at = models.DateTimeField(_("issued"))
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("complaint deadline warning")
        verbose_name_plural = _("complaint deadline warnings")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "step", "level"], name="complaint_warning_once"
            )
        ]
        indexes = [models.Index(fields=["unit", "issued_at"], name="complaint_warning_unit")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.step} {self.level}"
