"""Evaluations (好差评, N-2.5; P-W26) and the rectification of bad reviews (差评整改).

A rating is bound to what it rates (a visit, a case or a call), to the unit, the window,
the clerk's 工号 and the service item; one per visit (一次一评) or per case (一事一评), by
database constraints. A bad rating opens a rectification assigned to whoever handled the
service (谁办理谁负责), with a deadline in working days (an indexed column: overdue is a
query). Every change goes through ``actions.py``.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from servicehall.lib.fieldcrypto import cipher
from servicehall.lib.idnumbers import mask_mobile

from .choices import (
    LEVEL_COLOURS,
    RECTIFICATION_COLOURS,
    AppealDecision,
    BadReason,
    Classification,
    Dimension,
    Level,
    Mode,
    NoticeLevel,
    RatingChannel,
    RatingStatus,
    RectificationStatus,
    SubjectKind,
    is_good,
)

PHONE_COLUMN = "feedback.rating.contact_phone"


def _new_ref() -> str:
    return secrets.token_hex(8)


class FeedbackSettings(models.Model):
    """A unit's rules for evaluations and rectifications; defaults when none is saved."""

    unit = models.OneToOneField("org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE)
    link_valid_days = models.PositiveSmallIntegerField(
        _("an evaluation link is valid for (days)"), default=7, validators=[MinValueValidator(1)]
    )
    rectification_days = models.PositiveSmallIntegerField(
        _("rectification deadline (working days)"), default=15, validators=[MinValueValidator(1)]
    )
    warning_days = models.PositiveSmallIntegerField(
        _("warn before the deadline (working days)"), default=3
    )
    default_after_days = models.PositiveSmallIntegerField(
        _("count a visit left unrated as basically satisfied after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: off (the default). Some provinces count unrated visits this way."),
    )
    default_from = models.DateField(
        _("counting unrated visits from"),
        null=True,
        blank=True,
        help_text=_("Only visits finished on or after this day are counted by default."),
    )

    class Meta:
        verbose_name = _("evaluation settings")
        verbose_name_plural = _("evaluation settings")

    def __str__(self) -> str:
        return str(self.unit)

    def clean(self) -> None:
        if self.default_after_days and not self.default_from:
            raise ValidationError(
                {"default_from": _("Say from which day unrated visits are counted.")}
            )

    @classmethod
    def for_unit(cls, unit_id: int) -> FeedbackSettings:
        return cls.objects.filter(unit_id=unit_id).first() or cls(unit_id=unit_id)


class Rating(models.Model):
    """One client's evaluation of one visit, case or call (好差评).

    ``level`` is the overall level (5 to 1); ``dimensions`` the optional levels of the
    dimensions of the service's mode; ``reasons`` the reasons picked for a bad rating. A
    rating set aside on appeal stays, excluded from the figures.
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    subject_kind = models.CharField(_("rated"), max_length=8, choices=SubjectKind.choices)
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("visit (ticket)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    call_ref = models.CharField(_("call reference"), max_length=64, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    window = models.ForeignKey(
        "org.Window", verbose_name=_("window"), null=True, blank=True, on_delete=models.PROTECT
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff_no = models.CharField(_("staff no."), max_length=16, blank=True)
    item = models.ForeignKey(
        "catalogue.ServiceItem",
        verbose_name=_("service item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    level = models.PositiveSmallIntegerField(
        _("rating level"),
        choices=Level.choices,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    dimensions = models.JSONField(_("dimensions"), default=dict, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    ref = models.CharField(_("reference"), max_length=16, default=_new_ref, editable=False)
    contact_phone_token = models.TextField(
        _("contact phone (encrypted)"), blank=True, editable=False
    )
    channel = models.CharField(_("channel"), max_length=8, choices=RatingChannel.choices)
    device = models.ForeignKey(
        "devices.Device",
        verbose_name=_("device"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rated_at = models.DateTimeField(_("rated at"))
    status = models.CharField(
        _("status"), max_length=10, choices=RatingStatus.choices, default=RatingStatus.COUNTED
    )
    set_aside_at = models.DateTimeField(_("set aside at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-rated_at"]
        constraints = [
            # 一次一评: one rating per visit; 一事一评: one per case; one per call.
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(ticket__isnull=False), name="rating_one_per_visit"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(case__isnull=False), name="rating_one_per_case"
            ),
            models.UniqueConstraint(
                fields=["unit", "call_ref"], condition=~Q(call_ref=""), name="rating_one_per_call"
            ),
            models.CheckConstraint(
                condition=(
                    Q(subject_kind="visit", ticket__isnull=False, case__isnull=True, call_ref="")
                    | Q(subject_kind="case", case__isnull=False, ticket__isnull=True, call_ref="")
                    | (
                        Q(subject_kind="call", ticket__isnull=True, case__isnull=True)
                        & ~Q(call_ref="")
                    )
                ),
                name="rating_subject_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="rating_level_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "rated_at"], name="rating_unit_rated_at"),
            models.Index(fields=["clerk", "rated_at"], name="rating_clerk_rated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_kind_display()} {self.subject_label} {self.get_level_display()}"

    @property
    def good(self) -> bool:
        return is_good(self.level)

    @property
    def colour(self) -> str:
        return LEVEL_COLOURS[self.level]

    @property
    def subject_label(self) -> str:
        if self.subject_kind == SubjectKind.VISIT:
            return self.ticket.code if self.ticket_id else ""
        if self.subject_kind == SubjectKind.CASE:
            return self.case.number if self.case_id else ""
        return self.call_ref

    def reason_labels(self) -> list[str]:
        labels = dict(BadReason.choices)
        return [str(labels.get(code, code)) for code in self.reasons]

    def dimension_levels(self) -> list[tuple[str, str]]:
        labels, levels = dict(Dimension.choices), dict(Level.choices)
        return [
            (str(labels.get(code, code)), str(levels.get(value, value)))
            for code, value in self.dimensions.items()
        ]

    # Personal data (invariant 9): the number the client left to be called back.

    def set_contact_phone(self, normalized: str) -> None:
        self.contact_phone_token = (
            cipher().encrypt(normalized, f"{PHONE_COLUMN}:{self.ref}".encode())
            if normalized
            else ""
        )

    def contact_phone(self) -> str:
        """The full number: show it only after logging the view (ledger.personal)."""
        if not self.contact_phone_token:
            return ""
        return cipher().decrypt(self.contact_phone_token, f"{PHONE_COLUMN}:{self.ref}".encode())

    @property
    def masked_contact_phone(self) -> str:
        return mask_mobile(self.contact_phone()) if self.contact_phone_token else ""


def _staff(label):
    """Who did a step of a rectification's round (a staff member; empty until done)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


class RectificationQuerySet(models.QuerySet):
    def overdue(self, now):
        """Running rectifications past their deadline: a query on the indexed column."""
        from .choices import RUNNING

        return self.filter(status__in=RUNNING, due_at__lt=now)


class Rectification(models.Model):
    """The rectification of one bad rating (差评整改), by whoever handled the service.

    Steps, each an action: contact the client, verify and classify (or appeal a mistaken
    or malicious rating to the department above), record the measures, and call the
    client back (回访). An unsatisfied client starts another ``round`` with a new deadline;
    the fields of the round's steps start empty again: each follow-up call first keeps the
    round's texts in a ``RectificationRound`` (no data is lost), and the ledger keeps every
    step. ``due_at`` and ``warn_at`` are counted in the unit's working days; the ``*_by``
    fields name who did each step of the current round.
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    rating = models.OneToOneField(
        Rating, verbose_name=_("evaluation"), on_delete=models.PROTECT, related_name="rectification"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible (谁办理谁负责)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the staff member is not known: the head on duty handles it."),
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    opened_at = models.DateTimeField(_("opened at"))
    round_started_at = models.DateTimeField(_("round started at"))
    due_at = models.DateTimeField(_("deadline"))
    warn_at = models.DateTimeField(_("warning due"))
    contacted_at = models.DateTimeField(_("client contacted at"), null=True, blank=True)
    contact_note = models.TextField(_("contact with the client"), blank=True)
    contacted_by = _staff(_("contacted by"))
    classification = models.CharField(
        _("classification"), max_length=10, choices=Classification.choices, blank=True
    )
    findings = models.TextField(_("findings of the verification"), blank=True)
    classified_by = _staff(_("verified by"))
    measures = models.TextField(_("measures taken"), blank=True)
    measures_at = models.DateTimeField(_("measures recorded at"), null=True, blank=True)
    measures_by = _staff(_("measures recorded by"))
    appeal_reason = models.TextField(_("reason of the appeal"), blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appealed_by = _staff(_("appealed by"))
    appeal_decision = models.CharField(
        _("decision on the appeal"), max_length=10, choices=AppealDecision.choices, blank=True
    )
    appeal_note = models.TextField(_("reasons of the decision"), blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("appeal decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    appeal_decided_at = models.DateTimeField(_("appeal decided at"), null=True, blank=True)
    follow_up_at = models.DateTimeField(_("follow-up call at"), null=True, blank=True)
    client_satisfied = models.BooleanField(_("client satisfied"), null=True, blank=True)
    follow_up_note = models.TextField(_("the client's answer"), blank=True)
    follow_up_by = _staff(_("follow-up call recorded by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="rect_status_due"),
            models.Index(fields=["status", "warn_at"], name="rect_status_warn"),
            models.Index(fields=["unit", "status", "due_at"], name="rect_unit_status_due"),
            models.Index(fields=["assignee", "status"], name="rect_assignee_status"),
        ]

    def __str__(self) -> str:
        return _("Rectification of rating {rating}").format(rating=self.rating_id)

    @property
    def colour(self) -> str:
        return RECTIFICATION_COLOURS[self.status]


class RectificationRound(models.Model):
    """One round of a rectification that ended with its follow-up call (回访, N-2.5, N-6.1):
    the round's texts, classification, who did each step and when, and the client's answer.

    Written by ``record_follow_up`` in the same transaction as the call, whatever the
    answer: not satisfied, the rectification's row starts the next round with its steps
    empty, and this row keeps the round that ended (no data is lost); satisfied, the row
    keeps the final round's texts as well, so the rounds of a closed rectification are all
    here. A rectification set aside on appeal ends without a follow-up call and writes no
    round. The appeal (once per rectification) is copied into the round it was made in.
    The ledger holds keyed digests of these texts, never the texts (D-10).
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("rectification"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    round = models.PositiveSmallIntegerField(_("round"))
    started_at = models.DateTimeField(_("round started at"))
    due_at = models.DateTimeField(_("deadline"))
    contacted_at = models.DateTimeField(_("client contacted at"), null=True, blank=True)
    contacted_by = _staff(_("contacted by"))
    contact_note = models.TextField(_("contact with the client"), blank=True)
    classification = models.CharField(
        _("classification"), max_length=10, choices=Classification.choices, blank=True
    )
    findings = models.TextField(_("findings of the verification"), blank=True)
    classified_by = _staff(_("verified by"))
    measures = models.TextField(_("measures taken"), blank=True)
    measures_at = models.DateTimeField(_("measures recorded at"), null=True, blank=True)
    measures_by = _staff(_("measures recorded by"))
    appeal_reason = models.TextField(_("reason of the appeal"), blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appealed_by = _staff(_("appealed by"))
    appeal_decision = models.CharField(
        _("decision on the appeal"), max_length=10, choices=AppealDecision.choices, blank=True
    )
    appeal_note = models.TextField(_("reasons of the decision"), blank=True)
    appeal_decided_at = models.DateTimeField(_("appeal decided at"), null=True, blank=True)
    appeal_decided_by = _staff(_("appeal decided by"))
    follow_up_at = models.DateTimeField(_("follow-up call at"))
    follow_up_by = _staff(_("follow-up call recorded by"))
    client_satisfied = models.BooleanField(_("client satisfied"))
    follow_up_note = models.TextField(_("the client's answer"), blank=True)

    class Meta:
        verbose_name = _("rectification round")
        verbose_name_plural = _("rectification rounds")
        ordering = ["rectification", "round"]
        constraints = [
            models.UniqueConstraint(fields=["rectification", "round"], name="rect_round_once"),
        ]

    def __str__(self) -> str:
        return _("Round {round} of rectification {rectification}").format(
            round=self.round, rectification=self.rectification_id
        )


class RectificationNotice(models.Model):
    """A warning before a rectification's deadline, or the notice that it has passed,
    issued once per round by the feedback sweep to the responsible staff member and the
    head on duty of the day."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("rectification"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    round = models.PositiveSmallIntegerField(_("round"))
    level = models.CharField(_("notice level"), max_length=8, choices=NoticeLevel.choices)
    issued_at = models.DateTimeField(_("issued at"))
    due_at = models.DateTimeField(_("deadline"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head on duty"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rectification", "round", "level"], name="rect_notice_once_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.rectification_id}/{self.round}"
