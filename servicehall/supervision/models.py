"""Detections: likely breaches of the norms found in the system's own event data, flagged
for the head on duty and the supervisors to review (mode "detect" of norms.yaml)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DetectionStatus(models.TextChoices):
    OPEN = "open", _("To review")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class Detection(models.Model):
    """A flag raised by the system against a clause (D-01 leaving the post, D-13 unequal
    treatment, N-5.1 late opening, ...), with what it rests on."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    clause = models.CharField(_("clause"), max_length=8)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject"), max_length=64)
    detail = models.TextField(_("what was seen"))
    # One open flag per situation: a sweep that runs every minute raises it once.
    key = models.CharField(_("situation"), max_length=120)
    status = models.CharField(
        _("status"), max_length=12, choices=DetectionStatus.choices, default=DetectionStatus.OPEN
    )

    class Meta:
        verbose_name = _("detection")
        verbose_name_plural = _("detections")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "key"], name="detection_unit_key"),
        ]
        indexes = [models.Index(fields=["unit", "status", "at"], name="detection_unit_status")]

    def __str__(self) -> str:
        return f"{self.clause} {self.subject_type}:{self.subject_id}"


from .violations import Accountability, AccountabilityMeasure, Violation  # noqa: E402

__all__ = [
    "Accountability",
    "AccountabilityMeasure",
    "Detection",
    "DetectionStatus",
    "Violation",
]
