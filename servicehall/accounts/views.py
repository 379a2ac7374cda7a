"""Login, logout, the second factor, and the security and audit administrators' pages."""

from __future__ import annotations

import base64
import datetime as dt

import segno
from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from servicehall.org.access import require_role
from servicehall.org.choices import Role

from .auth_events import record
from .choices import LoginOutcome
from .forms import LoginRecordFilter, TokenForm
from .models import LoginRecord


def _next_url(request, default: str = "portal:staff-home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    from django.urls import reverse

    return reverse(default)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            record(request, LoginOutcome.SECOND_FACTOR_OK, user=request.user)
            return redirect(_next_url(request))
        record(request, LoginOutcome.SECOND_FACTOR_FAILED, user=request.user)
        form.add_error("token", _("That code is not valid. Check the time on your phone."))
    return render(request, "accounts/otp_verify.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrol an authenticator app: a QR code of the otpauth URL, confirmed with one code."""
    if any(devices_for_user(request.user, confirmed=True)):
        return redirect("accounts:otp-verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record(request, LoginOutcome.SECOND_FACTOR_OK, user=request.user)
            return redirect(_next_url(request))
        form.add_error("token", _("That code is not valid. Check the time on your phone."))
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=True)
    return render(
        request, "accounts/otp_setup.html", {"form": form, "qr_svg": qr_svg, "secret": secret}
    )


@login_required
def login_records(request):
    """The audit administrator reads every login, logout and failure."""
    require_role(request.user, Role.AUDIT_ADMIN)
    form = LoginRecordFilter(request.GET or None)
    rows = LoginRecord.objects.select_related("user")
    if form.is_valid():
        if form.cleaned_data["username"]:
            rows = rows.filter(username__icontains=form.cleaned_data["username"])
        if form.cleaned_data["outcome"]:
            rows = rows.filter(outcome=form.cleaned_data["outcome"])
        if form.cleaned_data["since"]:
            start = dt.datetime.combine(form.cleaned_data["since"], dt.time.min)
            rows = rows.filter(at__gte=timezone.make_aware(start))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/login_records.html", {"form": form, "page": page})


@login_required
def lockouts(request):
    """The security administrator sees locked accounts and may unlock them."""
    require_role(request.user, Role.SECURITY_ADMIN)
    attempts = AccessAttempt.objects.order_by("-attempt_time")
    return render(request, "accounts/lockouts.html", {"attempts": attempts})


@login_required
@require_POST
def unlock(request):
    require_role(request.user, Role.SECURITY_ADMIN)
    username = request.POST.get("username", "")
    if reset(username=username):
        messages.success(request, _("{username} is unlocked.").format(username=username))
    return redirect("accounts:lockouts")
