"""Named personas per role, shared by every test module (see conftest.py).

One office with its staff, the city bureau above it, and an outsider from another
city's office, so each access test can ask both "may they" and "may the others not".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from servicehall.org.choices import CaseStage, Role, UnitKind
from servicehall.org.models import Post, Unit, User, Window

PASSWORD = "Test-pass-2026"  # noqa: S105 - test personas only


@dataclass
class World:
    province: Unit
    city: Unit
    office: Unit
    other_city: Unit
    other_office: Unit
    clerk: User
    reviewer: User
    head: User
    unit_admin: User
    supervisor: User
    social_supervisor: User
    system_admin: User
    security_admin: User
    audit_admin: User
    outsider: User

    def personas(self) -> dict[str, User]:
        names = [
            "clerk", "reviewer", "head", "unit_admin", "supervisor", "social_supervisor",
            "system_admin", "security_admin", "audit_admin", "outsider",
        ]  # fmt: skip
        return {name: getattr(self, name) for name in names}


def make_user(username: str, role: str, unit: Unit | None, staff_no: str | None = None, **extra):
    user = User(username=username, role=role, unit=unit, staff_no=staff_no, full_name=username)
    for field, value in extra.items():
        setattr(user, field, value)
    user.set_password(PASSWORD)
    user.save()
    if user.needs_second_factor:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def make_world() -> World:
    province = Unit.objects.create(code="P", name="省厅", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    city = Unit.objects.create(
        code="C1", name="甲市人社局", kind=UnitKind.CITY_BUREAU, parent=province
    )
    office = Unit.objects.create(
        code="O1", name="甲市社保中心", kind=UnitKind.OFFICE, parent=city,
        opening_time=dt.time(9), closing_time=dt.time(17),
    )  # fmt: skip
    other_city = Unit.objects.create(
        code="C2", name="乙市人社局", kind=UnitKind.CITY_BUREAU, parent=province
    )
    other_office = Unit.objects.create(
        code="O2", name="乙市社保中心", kind=UnitKind.OFFICE, parent=other_city
    )
    Window.objects.create(unit=office, number=1, name="综合受理")
    Window.objects.create(unit=other_office, number=1, name="综合受理")
    accept = Post.objects.create(
        unit=office, code="ACCEPT", name="受理岗", stages=[CaseStage.ACCEPT], item_codes=["X"]
    )
    return World(
        province=province,
        city=city,
        office=office,
        other_city=other_city,
        other_office=other_office,
        clerk=make_user("wang", Role.CLERK, office, "A001", post=accept),
        reviewer=make_user("li", Role.CLERK, office, "A002"),
        head=make_user("zhang", Role.HEAD_ON_DUTY, office, "A000"),
        unit_admin=make_user("liu", Role.UNIT_ADMIN, office, is_staff=True),
        supervisor=make_user("chen", Role.SUPERVISOR, city),
        social_supervisor=make_user("yang", Role.SOCIAL_SUPERVISOR, city),
        system_admin=make_user("huang", Role.SYSTEM_ADMIN, None, is_staff=True, is_superuser=True),
        security_admin=make_user("zhao", Role.SECURITY_ADMIN, None),
        audit_admin=make_user("wu", Role.AUDIT_ADMIN, None),
        outsider=make_user("sun", Role.CLERK, other_office, "B001"),
    )


def log_in(client, user: User, *, second_factor: bool = True) -> None:
    """Log ``client`` in as ``user``; with ``second_factor`` the TOTP step counts as passed."""
    client.force_login(user)
    if second_factor and user.needs_second_factor:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()


@dataclass
class Scenario:
    """How the invariant test performs one action (ledger/tests/test_every_action_...).

    ``prepare`` sets the scene with other actions and returns what ``perform`` needs;
    ``perform`` calls the action once; ``changed`` says whether its business change is
    there; ``event`` is the event type of the entry it writes. Each app lists its own in
    ``<app>/tests/action_scenarios.py``.
    """

    prepare: Callable[[World], object]
    perform: Callable[[World, object], object]
    changed: Callable[[World, object, object], bool]
    event: str
