"""Administrators and supervisors must pass a TOTP second factor before anything else."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

# Paths a user who still owes the second factor may open.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/")


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "needs_second_factor", False)
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            from django_otp import devices_for_user

            has_device = any(devices_for_user(user, confirmed=True))
            target = "accounts:otp-verify" if has_device else "accounts:otp-setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
