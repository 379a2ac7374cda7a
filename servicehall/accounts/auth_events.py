"""Record every authentication event.

Django's auth signals are the only place that sees every login path (the login page,
the admin, tests), so the audit record hangs on them; no business workflow does.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .choices import LoginOutcome
from .models import LoginRecord


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(request, outcome: str, *, user=None, username: str = "") -> LoginRecord:
    agent = request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else ""
    return LoginRecord.objects.create(
        user=user if user is not None and user.pk else None,
        username=(username or getattr(user, "username", ""))[:150],
        ip_address=client_ip(request),
        user_agent=agent,
        outcome=outcome,
    )


@receiver(user_logged_in, dispatch_uid="accounts_login_record")
def _logged_in(sender, request, user, **kwargs):
    record(request, LoginOutcome.SUCCESS, user=user)


@receiver(user_logged_out, dispatch_uid="accounts_logout_record")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(request, LoginOutcome.LOGOUT, user=user)


@receiver(user_login_failed, dispatch_uid="accounts_failure_record")
def _login_failed(sender, credentials, request=None, **kwargs):
    record(request, LoginOutcome.FAILURE, username=credentials.get("username", ""))


@receiver(user_locked_out, dispatch_uid="accounts_lockout_record")
def _locked_out(sender, request, username, ip_address, **kwargs):
    record(request, LoginOutcome.LOCKED_OUT, username=username or "")
