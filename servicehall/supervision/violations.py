"""Violations of the norms found by a complaint, an inspection or a review, and the
accountability decided for them (责任追究, N-5.6e).

A violation names the clause or prohibition broken (an N- or D- id), the unit, the staff
member concerned when there is one, and where it was found (``source_type``/``source_id``,
e.g. a complaint): the supervision app knows no complaint, only the subject it came from.
An accountability decision names the staff member held responsible, the measure taken
and who decided it. Both change only through ``supervision.actions``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountabilityMeasure(models.TextChoices):
    """The measures of accountability (N-5.6e), mildest first."""

    CRITICISM = "criticism", _("Criticism and education")
    SELF_EXAMINATION = "self_exam", _("Written self-examination")
    PUBLIC_CRITICISM = "public", _("Criticism by circular")
    WARNING = "warning", _("Warning talk")
    TRANSFER = "transfer", _("Transfer from the post")


class Violation(models.Model):
    """A breach of a clause (N-x.y) or prohibition (D-xx) that was found to be true."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    clause = models.ForeignKey(
        "norms.Clause", verbose_name=_("clause"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("what was found"))
    source_type = models.CharField(_("found through (type)"), max_length=64, blank=True)
    source_id = models.CharField(_("found through (id)"), max_length=64, blank=True)
    source_ref = models.CharField(_("found through"), max_length=40, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "clause"],
                condition=~Q(source_type=""),
                name="violation_once_per_source_clause",
            )
        ]
        indexes = [
            models.Index(fields=["unit", "recorded_at"], name="violation_unit_recorded"),
            models.Index(fields=["source_type", "source_id"], name="violation_source"),
        ]

    def __str__(self) -> str:
        return f"{self.clause_id} {self.source_ref}"


class Accountability(models.Model):
    """Who is held responsible for a violation, the measure, and who decided (N-5.6e)."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    violation = models.ForeignKey(
        Violation,
        verbose_name=_("violation"),
        on_delete=models.PROTECT,
        related_name="accountabilities",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member held responsible"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    measure = models.CharField(_("measure"), max_length=12, choices=AccountabilityMeasure.choices)
    reason = models.TextField(_("reasons"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_body = models.CharField(
        _("deciding body"),
        max_length=100,
        blank=True,
        help_text=_("When a meeting decided, e.g. the bureau's leadership meeting."),
    )
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("accountability decision")
        verbose_name_plural = _("accountability decisions")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["violation", "staff"], name="accountability_once_per_staff"
            )
        ]
        indexes = [models.Index(fields=["unit", "decided_at"], name="accountability_unit")]

    def __str__(self) -> str:
        return f"{self.violation_id} {self.staff_id} {self.measure}"
