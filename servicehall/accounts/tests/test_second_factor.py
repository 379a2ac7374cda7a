"""Administrators and supervisors pass a TOTP second factor; counter staff do not need one."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from servicehall.accounts.choices import LoginOutcome
from servicehall.accounts.models import LoginRecord
from servicehall.testing import PASSWORD


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def log_in_with_password(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_supervisor_must_pass_the_second_factor(client, world):
    log_in_with_password(client, "chen")
    response = client.get(reverse("portal:staff-home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp-verify"))

    bad = client.post(reverse("accounts:otp-verify"), {"token": "000000"})
    assert bad.status_code == 200 and "验证码无效" in bad.content.decode()
    assert LoginRecord.objects.filter(outcome=LoginOutcome.SECOND_FACTOR_FAILED).exists()

    # django-otp throttles a device after a failure; the next try comes a little later.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5), tick=False):
        device = TOTPDevice.objects.get(user=world.supervisor)
        good = client.post(reverse("accounts:otp-verify"), {"token": current_code(device)})
        assert good.status_code == 302
        assert client.get(reverse("portal:staff-home")).status_code == 200


def test_every_administrator_role_is_held_at_the_second_factor(client, world):
    for user in (world.system_admin, world.security_admin, world.audit_admin, world.unit_admin):
        client.logout()
        log_in_with_password(client, user.username)
        response = client.get(reverse("portal:staff-home"))
        assert response["Location"].startswith(reverse("accounts:otp-verify")), user.role
        # The admin site is held too, not only the staff pages.
        assert client.get("/admin/")["Location"].startswith(reverse("accounts:otp-verify"))


def test_clerk_needs_no_second_factor(client, world):
    log_in_with_password(client, "wang")
    assert client.get(reverse("portal:staff-home")).status_code == 200


def test_administrator_without_a_device_enrols_one(client, world):
    TOTPDevice.objects.filter(user=world.audit_admin).delete()
    log_in_with_password(client, "wu")
    response = client.get(reverse("portal:staff-home"))
    assert response["Location"].startswith(reverse("accounts:otp-setup"))
    page = client.get(reverse("accounts:otp-setup"))
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=world.audit_admin, confirmed=False)
    client.post(reverse("accounts:otp-setup"), {"token": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("accounts:login-records")).status_code == 200
