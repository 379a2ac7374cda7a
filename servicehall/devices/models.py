"""Devices of a hall (kiosks, displays, rating pads, the telephone system, counter
terminals) and the tokens they call the API with."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import KINDS_AT_A_WINDOW, DeviceKind

TOKEN_PREFIX = "shd_"  # noqa: S105 - a marker for secret scanners, not a secret


def new_token() -> str:
    """A fresh device token: a recognisable prefix and 32 random bytes."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What is stored and looked up: SHA-256 of the token. A token has 256 random bits, so
    a plain hash (no salt, no slow hash) is enough, and it can be an indexed column."""
    return hashlib.sha256(token.encode()).hexdigest()


class Device(models.Model):
    """A device of one unit, with its API token, issued and revoked by an administrator.

    The token itself is shown once, when issued; only its hash is stored.
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceKind.choices)
    name = models.CharField(_("name"), max_length=60)
    window = models.ForeignKey(
        "org.Window",
        verbose_name=_("window"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Required for a counter terminal; optional for a display or a rating pad."),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("issued at"), editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["unit", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=DeviceKind.COUNTER_TERMINAL) | Q(window__isnull=False),
                name="device_terminal_has_window",
            ),
        ]
        indexes = [models.Index(fields=["unit", "kind"], name="device_unit_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def clean(self) -> None:
        if self.kind == DeviceKind.COUNTER_TERMINAL and not self.window_id:
            raise ValidationError({"window": _("A counter terminal belongs to a window.")})
        if self.window_id and self.kind not in KINDS_AT_A_WINDOW:
            raise ValidationError(
                {"window": _("Only counter terminals, displays and rating pads sit at a window.")}
            )
        if self.window_id and self.unit_id and self.window.unit_id != self.unit_id:
            raise ValidationError({"window": _("The window belongs to another unit.")})
