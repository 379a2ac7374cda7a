"""Login, lockout after 5 failures for 30 minutes, the idle timeout, and the login record."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from servicehall.accounts.choices import LoginOutcome
from servicehall.accounts.models import LoginRecord
from servicehall.testing import PASSWORD

LOGIN = "/accounts/login/"


def attempt(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3")


def test_clerk_logs_in_and_the_login_is_recorded(client, world):
    response = attempt(client, "wang", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("portal:staff-home")
    record = LoginRecord.objects.get(outcome=LoginOutcome.SUCCESS)
    assert (record.user, record.username, record.ip_address) == (world.clerk, "wang", "10.1.2.3")


def test_wrong_password_is_refused_in_chinese_and_recorded(client, world):
    response = attempt(client, "wang", "wrong-Password1")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert LoginRecord.objects.filter(username="wang", outcome=LoginOutcome.FAILURE).count() == 1
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_for_thirty_minutes(client, world):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            attempt(client, "wang", "wrong-Password1")
        response = attempt(client, "wang", PASSWORD)
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
        assert LoginRecord.objects.filter(outcome=LoginOutcome.LOCKED_OUT).exists()
        clock.shift(dt.timedelta(minutes=29))
        # Still locked; and a try during the lock counts as a failure, restarting the 30 minutes.
        assert attempt(client, "wang", PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=29))
        assert attempt(client, "wang", PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=31))
        assert attempt(client, "wang", PASSWORD).status_code == 302


def test_lockout_is_per_account(client, world):
    for _ in range(5):
        attempt(client, "wang", "wrong-Password1")
    assert attempt(client, "li", PASSWORD).status_code == 302


def test_security_admin_unlocks_an_account(client, world):
    from servicehall.testing import log_in

    for _ in range(5):
        attempt(client, "wang", "wrong-Password1")
    admin_client = client.__class__()
    log_in(admin_client, world.security_admin)
    page = admin_client.get(reverse("accounts:lockouts")).content.decode()
    assert "wang" in page
    admin_client.post(reverse("accounts:unlock"), {"username": "wang"})
    assert attempt(client, "wang", PASSWORD).status_code == 302


def test_session_ends_after_thirty_idle_minutes(client, world):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        attempt(client, "wang", PASSWORD)
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("portal:staff-home")).status_code == 200
        # Activity renewed the session: another 29 minutes are still fine.
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("portal:staff-home")).status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("portal:staff-home"))
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_logout_is_recorded(client, world):
    attempt(client, "wang", PASSWORD)
    client.post(reverse("accounts:logout"))
    assert LoginRecord.objects.filter(user=world.clerk, outcome=LoginOutcome.LOGOUT).exists()


def test_audit_admin_searches_login_records(client, world):
    from servicehall.testing import log_in

    attempt(client, "wang", "wrong-Password1")
    auditor = client.__class__()
    log_in(auditor, world.audit_admin)
    page = auditor.get(reverse("accounts:login-records"), {"username": "wang"}).content.decode()
    assert "wang" in page and "10.1.2.3" in page


def test_old_login_records_are_purged_but_never_before_180_days(world):
    from django.core.management import call_command

    old = LoginRecord.objects.create(username="x", outcome=LoginOutcome.SUCCESS)
    recent = LoginRecord.objects.create(username="y", outcome=LoginOutcome.SUCCESS)
    LoginRecord.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=181))
    LoginRecord.objects.filter(pk=recent.pk).update(at=timezone.now() - dt.timedelta(days=179))
    call_command("purge_login_records")
    assert list(LoginRecord.objects.values_list("username", flat=True)) == ["y"]
