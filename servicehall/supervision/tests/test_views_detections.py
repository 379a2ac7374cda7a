"""The detections page (N-6.2): the head on duty and the unit administrator see their own
unit's; a supervisor sees the units below their department, not their own department's
(the same rule as ``actions.may_decide`` and the complaints' access); others are refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicehall.org.choices import Role
from servicehall.supervision.flags import raise_flag
from servicehall.testing import log_in, make_user

pytestmark = pytest.mark.django_db

URL = reverse("supervision:detections")


@pytest.fixture
def flags(world):
    """One detection in the office, one in the city bureau itself, one in the other city."""
    for unit, detail in (
        (world.office, "甲市社保中心离岗"),
        (world.city, "甲市人社局本级离岗"),
        (world.other_office, "乙市社保中心离岗"),
    ):
        raise_flag(
            unit_id=unit.pk, clause="D-01", key=f"post:{unit.code}", subject_type="test.row",
            subject_id=unit.pk, detail=detail,
        )  # fmt: skip


def shown(client, user) -> set[str]:
    log_in(client, user)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    return {detail for detail in ("甲市社保中心离岗", "甲市人社局本级离岗", "乙市社保中心离岗")
            if detail in page}  # fmt: skip


def test_a_supervisor_sees_the_units_below_not_their_own_department(client, world, flags):
    assert shown(client, world.supervisor) == {"甲市社保中心离岗"}


def test_a_provincial_supervisor_sees_every_city_below_but_not_the_province(client, world):
    raise_flag(
        unit_id=world.province.pk, clause="D-01", key="post:P", subject_type="test.row",
        subject_id=world.province.pk, detail="省厅本级离岗",
    )  # fmt: skip
    for unit in (world.office, world.city, world.other_office):
        raise_flag(
            unit_id=unit.pk, clause="D-01", key=f"post:{unit.code}", subject_type="test.row",
            subject_id=unit.pk, detail=f"{unit.name}离岗",
        )  # fmt: skip
    log_in(client, make_user("qian", Role.SUPERVISOR, world.province))
    page = client.get(URL).content.decode()
    assert "甲市社保中心离岗" in page and "甲市人社局离岗" in page and "乙市社保中心离岗" in page
    assert "省厅本级离岗" not in page


def test_the_head_on_duty_and_the_unit_administrator_see_their_own_unit(client, world, flags):
    assert shown(client, world.head) == {"甲市社保中心离岗"}
    client.logout()
    assert shown(client, world.unit_admin) == {"甲市社保中心离岗"}


def test_a_supervisor_of_an_office_sees_nothing_of_it(client, world, flags):
    """A supervisor placed in an office has no unit below it: its own flags are not theirs."""
    log_in(client, make_user("zhou", Role.SUPERVISOR, world.office))
    assert "甲市社保中心离岗" not in client.get(URL).content.decode()


@pytest.mark.parametrize("persona", ["clerk", "social_supervisor", "outsider"])
def test_others_are_refused(client, world, flags, persona):
    log_in(client, getattr(world, persona))
    assert client.get(URL).status_code == 403
