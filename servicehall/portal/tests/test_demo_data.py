"""The demo data: deterministic, idempotent, one login per role."""

import io

from django.core.management import call_command

from servicehall.cases.models import Case
from servicehall.complaints.models import Complaint
from servicehall.devices.models import Device
from servicehall.feedback.models import Rating
from servicehall.org.choices import Role, UnitKind
from servicehall.org.models import Commitment, DutyAssignment, Unit, User, Window
from servicehall.portal.demo import DEMO_LOGINS


def snapshot():
    return (
        list(Unit.objects.values_list("code", "name", "path")),
        list(Window.objects.values_list("unit__code", "number", "name")),
        list(User.objects.order_by("username").values_list("username", "staff_no", "role")),
        Commitment.objects.count(),
        DutyAssignment.objects.count(),
        Rating.objects.count(),
        Complaint.objects.count(),
        Case.objects.count(),
        Device.objects.count(),
    )


def test_demo_data_is_idempotent_and_complete(db):
    printed = io.StringIO()
    call_command("demo_data", stdout=printed)
    first = snapshot()
    again = io.StringIO()
    call_command("demo_data", stdout=again)
    assert snapshot() == first
    # Each office's rating pad token is printed once, when it is issued.
    assert printed.getvalue().count("/feedback/pad/pair/") == 3
    assert "/feedback/pad/pair/" not in again.getvalue()

    assert Unit.objects.filter(kind=UnitKind.PROVINCIAL_DEPARTMENT).count() == 1
    assert Unit.objects.filter(kind=UnitKind.CITY_BUREAU).count() == 2
    offices = Unit.objects.filter(kind=UnitKind.OFFICE)
    assert offices.count() == 3
    for office in offices:
        assert 8 <= Window.objects.filter(unit=office).count() <= 12
        assert User.objects.filter(unit=office, staff_no__isnull=False).count() >= 30
        # Evaluations (N-2.5) and complaints from several channels (N-6.1) to look at.
        assert Rating.objects.filter(unit=office).exists()
        assert Complaint.objects.filter(unit=office).values("channel").distinct().count() >= 3
        # Cases in every stage of the work lists, two applied online (N-5.4, N-5.6).
        stages = set(Case.objects.filter(unit=office).values_list("stage", flat=True))
        assert {"first_review", "second_review", "approved", "correction", "submitted"} <= stages
    assert {login.role for login in DEMO_LOGINS} == set(Role.values)
    # Staff numbers are unique and shown; only the demo logins can log in.
    usable = [u.username for u in User.objects.all() if u.has_usable_password()]
    assert sorted(usable) == sorted(login.username for login in DEMO_LOGINS)
