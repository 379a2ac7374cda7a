"""The login record: every login, logout and failure, kept at least 180 days (等保 2.0)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import LoginOutcome


class LoginRecord(models.Model):
    """One authentication event: who (or which user name was tried), from where, and how it ended.

    The user name is kept as typed, so failures for accounts that do not exist are
    recorded too.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    username = models.CharField(_("user name"), max_length=150)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=LoginOutcome.choices)

    class Meta:
        verbose_name = _("login record")
        verbose_name_plural = _("login records")
        ordering = ["-at"]
        indexes = [models.Index(fields=["username", "at"], name="login_username_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_outcome_display()}"


class RateLimitEntry(models.Model):
    """One per-address count of the public forms (lib/ratelimit.py), shared by every server
    process: the table behind the "limits" cache when no Redis is configured. Its columns
    are those Django's database cache reads and writes (``createcachetable``); only that
    cache touches it."""

    cache_key = models.CharField(_("key"), max_length=255, primary_key=True)
    value = models.TextField(_("value"))
    expires = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("rate-limit count")
        verbose_name_plural = _("rate-limit counts")

    def __str__(self) -> str:
        return self.cache_key
