"""Queues, tickets, windows at work, and the opening checklist (N-2.3, N-2.4, N-5.1)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    GreenReason,
    PauseReason,
    Priority,
    TicketChannel,
    TicketStatus,
    WindowStatus,
)


class HallSettings(models.Model):
    """A unit's hall rules, published with the guides so that one rule holds for all."""

    unit = models.OneToOneField("org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE)
    recalls_before_no_show = models.PositiveSmallIntegerField(
        _("recalls before a no-show"), default=2
    )
    long_wait_minutes = models.PositiveSmallIntegerField(
        _("a wait is long after (minutes)"), default=30
    )
    unattended_minutes = models.PositiveSmallIntegerField(
        _("flag a window away while clients wait after (minutes)"), default=15
    )

    class Meta:
        verbose_name = _("hall settings")
        verbose_name_plural = _("hall settings")

    def __str__(self) -> str:
        return str(self.unit)

    @classmethod
    def for_unit(cls, unit_id: int) -> HallSettings:
        return cls.objects.filter(unit_id=unit_id).first() or cls(unit_id=unit_id)


class Queue(models.Model):
    """A queue of a unit, with its letter (A, B, ...) and the service items it covers."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    prefix = models.CharField(
        _("letter"), max_length=1, validators=[RegexValidator(r"^[A-Z]$", _("One capital letter."))]
    )
    name = models.CharField(_("name"), max_length=40)
    items = models.ManyToManyField(
        "catalogue.ServiceItem", verbose_name=_("service items"), blank=True
    )
    active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["unit", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "prefix"], name="queue_unit_prefix"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class WindowQueue(models.Model):
    """A window serves a queue; ``preference`` orders a window's queues (1 first)."""

    window = models.ForeignKey("org.Window", verbose_name=_("window"), on_delete=models.CASCADE)
    queue = models.ForeignKey(Queue, verbose_name=_("queue"), on_delete=models.CASCADE)
    preference = models.PositiveSmallIntegerField(_("preference"), default=1)

    class Meta:
        verbose_name = _("queue served by a window")
        verbose_name_plural = _("queues served by windows")
        ordering = ["window", "preference"]
        constraints = [
            models.UniqueConstraint(fields=["window", "queue"], name="window_queue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.window} → {self.queue}"


class TicketCounter(models.Model):
    """The last number issued and the tickets waiting, per unit, queue and service day;
    locked while a number is drawn.

    ``waiting`` is kept by the actions that move a ticket into or out of the line (issue,
    call, transfer), in their transaction: every event carries the waiting counts, and
    reading them here costs the same however long the line, where counting the tickets
    cost a step per waiting ticket inside every writer's lock.
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE)
    queue = models.ForeignKey(Queue, verbose_name=_("queue"), on_delete=models.CASCADE)
    service_day = models.DateField(_("service day"))
    last = models.PositiveIntegerField(_("last number"), default=0)
    waiting = models.PositiveIntegerField(_("waiting"), default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "queue", "service_day"], name="ticket_counter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.queue} {self.service_day}: {self.last}"


def _follow_token() -> str:
    return secrets.token_urlsafe(12)


class Ticket(models.Model):
    """A client's place in the hall (A001, ...), from issue to finish.

    ``priority`` then ``issued_at`` is the calling order (N-2.3); a transfer keeps both and
    the code, so the client keeps their place and their paper ticket (P-W18). ``number``
    counts per unit, issuing queue and service day.
    """

    # No index of their own on the unit, the queue and the target window: ticket_unit_day,
    # ticket_waiting and ticket_target_window begin with them. Each index is written by
    # every ticket issued.
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, db_index=False
    )
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.PROTECT, db_index=False
    )
    service_day = models.DateField(_("service day"))
    number = models.PositiveIntegerField(_("number"))
    code = models.CharField(_("ticket"), max_length=8)
    channel = models.CharField(_("issued by"), max_length=12, choices=TicketChannel.choices)
    client_type = models.CharField(_("client type"), max_length=12)
    # The item, the window and the clerk are indexed by partial indexes below: a ticket
    # issued names none of them, and every index is written by every ticket issued.
    item = models.ForeignKey(
        "catalogue.ServiceItem",
        verbose_name=_("service item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
    )
    priority = models.PositiveSmallIntegerField(
        _("priority class"), choices=Priority.choices, default=Priority.NORMAL
    )
    green_reason = models.CharField(
        _("green channel reason"), max_length=12, choices=GreenReason.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    issued_at = models.DateTimeField(_("issued at"))
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    window = models.ForeignKey(
        "org.Window",
        verbose_name=_("window"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    target_window = models.ForeignKey(
        "org.Window",
        verbose_name=_("transferred to window"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
    )
    recalls = models.PositiveSmallIntegerField(_("recalls"), default=0)
    transfers = models.PositiveSmallIntegerField(_("transfers"), default=0)
    follow_token = models.CharField(_("follow code"), max_length=24, default=_follow_token)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["service_day", "priority", "issued_at"]
        constraints = [
            # The code carries the letter of the queue that issued it; a transfer moves the
            # ticket to another queue and the client keeps their ticket (P-W18).
            models.UniqueConstraint(
                fields=["unit", "service_day", "code"], name="ticket_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(priority__gt=0) | ~Q(green_reason=""), name="ticket_green_has_reason"
            ),
        ]
        indexes = [
            # The waiting line of a queue in calling order (N-2.3): a call reads its first
            # tickets without sorting, and the tickets behind one (for the clients ahead,
            # with TicketCounter.waiting) and those sent to a window are counted on this
            # index alone. The untransferred tickets (target_window NULL) first.
            models.Index(
                fields=[
                    "queue",
                    "service_day",
                    "status",
                    "target_window",
                    "priority",
                    "issued_at",
                    "id",
                ],
                name="ticket_waiting",
            ),
            # Partial: the finished tickets of a queue, latest first, for the estimate of
            # the service time (N-2.4); no other ticket is written to it.
            models.Index(
                "queue",
                models.OrderBy(models.F("finished_at"), descending=True),
                name="ticket_recent_service",
                condition=Q(status=TicketStatus.DONE),
            ),
            # Partial: only transferred tickets name a window (the calls look them up).
            models.Index(
                fields=["target_window", "status"],
                name="ticket_target_window",
                condition=Q(target_window__isnull=False),
            ),
            models.Index(fields=["item"], name="ticket_item", condition=Q(item__isnull=False)),
            models.Index(
                fields=["window"], name="ticket_window", condition=Q(window__isnull=False)
            ),
            models.Index(fields=["clerk"], name="ticket_clerk", condition=Q(clerk__isnull=False)),
            models.Index(fields=["unit", "service_day", "status"], name="ticket_unit_day"),
            models.Index(fields=["follow_token"], name="ticket_follow_token"),
        ]

    def __str__(self) -> str:
        return self.code


class WindowState(models.Model):
    """A window at work today: open, paused (with a reason and a length) or closed."""

    window = models.OneToOneField(
        "org.Window", verbose_name=_("window"), on_delete=models.CASCADE, related_name="state"
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    status = models.CharField(
        _("status"), max_length=8, choices=WindowStatus.choices, default=WindowStatus.CLOSED
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    pause_reason = models.CharField(
        _("pause reason"), max_length=16, choices=PauseReason.choices, blank=True
    )
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    current = models.OneToOneField(
        Ticket,
        verbose_name=_("current ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    since = models.DateTimeField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("window at work")
        verbose_name_plural = _("windows at work")

    def __str__(self) -> str:
        return f"{self.window} {self.get_status_display()}"


class OpeningCheck(models.Model):
    """三提前 (N-5.1): systems checked, vouchers and seals ready, at the post — signed by the
    window's clerk before opening time."""

    window = models.ForeignKey("org.Window", verbose_name=_("window"), on_delete=models.PROTECT)
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    service_day = models.DateField(_("service day"))
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("clerk"), on_delete=models.PROTECT
    )
    signed_at = models.DateTimeField(_("signed at"))
    systems_checked = models.BooleanField(_("information system and hardware checked"))
    vouchers_ready = models.BooleanField(_("vouchers and seals ready"))
    at_post = models.BooleanField(_("at the post and ready"))
    late = models.BooleanField(_("signed after opening time"), default=False)

    class Meta:
        verbose_name = _("opening check")
        verbose_name_plural = _("opening checks")
        ordering = ["-service_day", "window"]
        constraints = [
            models.UniqueConstraint(fields=["window", "service_day"], name="opening_check_once"),
        ]

    def __str__(self) -> str:
        return f"{self.window} {self.service_day}"


class HallEvent(models.Model):
    """The outbox of live events (calls, waiting counts) for displays and dashboards.

    Written in the action's transaction, so a display never sees a call that did not
    commit; its increasing id lets a display that lost its connection catch up.
    """

    # hall_event_unit_id begins with the unit: no index of its own.
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, db_index=False
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=24)
    data = models.JSONField(_("data"))

    class Meta:
        verbose_name = _("hall event")
        verbose_name_plural = _("hall events")
        indexes = [
            models.Index(fields=["unit", "id"], name="hall_event_unit_id"),
            # Today's calls of a unit (the device API's display) without a history scan.
            # Partial: the queue and window events, one with every issued ticket, are not
            # in it, so issuing writes one B-tree fewer; its lookups name the calls.
            models.Index(
                fields=["unit", "at"],
                name="hall_event_unit_calls",
                condition=models.Q(kind="call"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}#{self.pk} {self.kind}"
