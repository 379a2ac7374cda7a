"""Role x page access matrix: every role, every staff and public page, and an outsider.

A cell is the status the page must answer; a redirect to the login page is "login".
"""

import pytest
from django.urls import reverse

from servicehall.testing import log_in

PUBLIC = 200
ROLES = [
    "anonymous", "clerk", "reviewer", "head", "unit_admin", "supervisor", "social_supervisor",
    "system_admin", "security_admin", "audit_admin", "outsider",
]  # fmt: skip


def expected(page: str, role: str):
    """The matrix, written out per page so that every cell is a decision."""
    if page in (
        "home", "norms", "commitments", "guides", "kiosk", "display", "figures",
        "complaints-new", "complaints-track", "cases-apply",
    ):  # fmt: skip
        return PUBLIC
    if role == "anonymous":
        return "admin-login" if page == "admin" else "login"
    if page == "staff-home":
        return 200
    if page == "office":
        return (
            200
            if role in ("clerk", "reviewer", "head", "unit_admin", "supervisor", "system_admin")
            else 404
        )
    if page == "city":
        return 200 if role in ("supervisor", "system_admin") else 404
    if page == "other-office":
        return 200 if role in ("system_admin", "outsider") else 404
    if page == "login-records":
        return 200 if role == "audit_admin" else 403
    if page == "lockouts":
        return 200 if role == "security_admin" else 403
    if page == "desk":
        # Window 1 of the user's own unit: counter staff only (the outsider's is in their unit).
        return 200 if role in ("clerk", "reviewer", "head", "unit_admin", "outsider") else 403
    if page == "detections":
        return 200 if role in ("head", "unit_admin", "supervisor") else 403
    if page == "ledger":
        if role in ("system_admin", "security_admin", "social_supervisor"):
            return 403
        return 200
    if page == "export-approvals":
        return 200 if role == "security_admin" else 403
    if page == "admin":
        return 200 if role in ("system_admin", "unit_admin") else "admin-login"
    if page in ("cases-work", "complaints-enter"):
        # Counter staff of their own unit (the outsider works in the other office).
        return 200 if role in ("clerk", "reviewer", "head", "outsider") else 403
    if page == "rectifications":
        # 谁办理谁负责: the clerk's own, the head's unit; a supervisor goes to the appeals.
        if role == "supervisor":
            return "appeals"
        return 200 if role in ("clerk", "reviewer", "head", "outsider") else 403
    if page == "appeals":
        return 200 if role == "supervisor" else 403
    if page == "complaints-list":
        # Handlers, and read-only the supervisor above; never the three administrators.
        return 200 if role in ("clerk", "reviewer", "head", "supervisor", "outsider") else 403
    if page == "complaints-limits":
        return 200 if role == "unit_admin" else 403
    if page == "complaints-take-referral":
        # A POST form; who may take which referral is tested in complaints/tests/test_referral.
        return 405
    raise AssertionError(page)


def url_for(page: str, world) -> str:
    return {
        "home": reverse("portal:home"),
        "norms": reverse("portal:norms"),
        "commitments": reverse("portal:commitments"),
        "staff-home": reverse("portal:staff-home"),
        "office": reverse("portal:unit-detail", args=[world.office.pk]),
        "city": reverse("portal:unit-detail", args=[world.city.pk]),
        "other-office": reverse("portal:unit-detail", args=[world.other_office.pk]),
        "login-records": reverse("accounts:login-records"),
        "lockouts": reverse("accounts:lockouts"),
        "admin": reverse("admin:index"),
        "guides": reverse("catalogue:guides"),
        "kiosk": reverse("queueing:kiosk", args=[world.office.code]),
        "display": reverse("queueing:display", args=[world.office.code]),
        "desk": reverse("queueing:desk", args=[1]),
        "detections": reverse("supervision:detections"),
        "ledger": reverse("ledger:entries"),
        "export-approvals": reverse("ledger:export-approvals"),
        "figures": reverse("portal:figures"),
        "cases-apply": reverse("cases:apply"),
        "cases-work": reverse("cases:work"),
        "rectifications": reverse("feedback:rectifications"),
        "appeals": reverse("feedback:appeals"),
        "complaints-new": reverse("complaints:new"),
        "complaints-track": reverse("complaints:track"),
        "complaints-list": reverse("complaints:list"),
        "complaints-enter": reverse("complaints:enter"),
        "complaints-limits": reverse("complaints:limits"),
        "complaints-take-referral": reverse("complaints:take-referral", args=["TS-O2-2026-000001"]),
    }[page]


PAGES = [
    "home", "norms", "commitments", "guides", "kiosk", "display", "staff-home", "office",
    "city", "other-office", "login-records", "lockouts", "admin", "desk", "detections",
    "ledger", "export-approvals", "figures", "cases-work", "rectifications", "appeals",
    "complaints-new", "complaints-track", "complaints-list", "complaints-enter",
    "complaints-limits", "complaints-take-referral", "cases-apply",
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, world, role):
    if role != "anonymous":
        log_in(client, world.personas()[role])
    seen = {}
    for page in PAGES:
        response = client.get(url_for(page, world))
        status = response.status_code
        if status == 302:
            location = response["Location"]
            if location.startswith(reverse("accounts:login")):
                status = "login"
            elif location.startswith(reverse("admin:login")):
                status = "admin-login"
            elif location.startswith(reverse("feedback:appeals")):
                status = "appeals"
        seen[page] = status
    assert seen == {page: expected(page, role) for page in PAGES}


def test_unit_page_shows_roster_and_staff_numbers(client, world):
    log_in(client, world.head)
    page = client.get(reverse("portal:unit-detail", args=[world.office.pk])).content.decode()
    assert "A001" in page and "综合受理" in page
    # Nothing of the other office leaks into this one's page.
    assert "B001" not in page


def test_unit_admin_admin_lists_only_own_windows(client, world):
    log_in(client, world.unit_admin)
    from django.contrib.auth.models import Permission

    world.unit_admin.user_permissions.add(*Permission.objects.filter(codename="view_window"))
    page = client.get(reverse("admin:org_window_changelist"))
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    assert rows and all(window.unit_id == world.office.pk for window in rows)


def test_the_desk_of_another_units_window_is_not_found(client, world):
    from servicehall.org.models import Window

    Window.objects.create(unit=world.other_office, number=7, name="外单位窗口")
    log_in(client, world.clerk)
    assert client.get(reverse("queueing:desk", args=[7])).status_code == 404
