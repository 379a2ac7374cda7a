"""POST /feedback/api/call-rating: the telephone system's rating after a call (N-6.1,
P-W26), one per call reference; only a telephone-system device may post."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from servicehall.devices.actions import issue_device
from servicehall.feedback.models import Rating

pytestmark = pytest.mark.usefixtures("clock")
URL = "feedback:api-call-rating"


def _post(client, token, body, **headers):
    return client.post(
        reverse(URL), json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en", **headers,
    )  # fmt: skip


@pytest.fixture
def phone(world):
    return issue_device(world.unit_admin, unit=world.office, kind="phone_system", name="12333")[1]


def test_the_phone_system_posts_a_rating_for_a_call(world, client, phone):
    response = _post(client, phone, {"call_ref": "C-20260302-1", "staff_no": "A001", "level": 2,
                                     "reasons": ["unclear"], "comment": "没听明白"})  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    rating = Rating.objects.get(pk=body["rating"])
    assert (rating.subject_kind, rating.call_ref, rating.clerk, rating.channel) == (
        "call", "C-20260302-1", world.clerk, "phone",
    )  # fmt: skip
    assert body == {"rating": rating.pk, "level": 2, "good": False, "staff_no": "A001",
                    "rectification": rating.rectification.pk}  # fmt: skip


def test_a_call_is_rated_once(world, client, phone):
    assert _post(client, phone, {"call_ref": "C1", "level": 5}).status_code == 201
    again = _post(client, phone, {"call_ref": "C1", "level": 1})
    assert again.status_code == 409 and again.json()["error"] == "rated"
    assert Rating.objects.get().level == 5


def test_bad_bodies_are_refused(world, client, phone):
    assert _post(client, phone, {"call_ref": "C1", "level": "5"}).status_code == 400
    assert _post(client, phone, {"level": 5}).status_code == 400
    assert _post(client, phone, {"call_ref": "C1", "level": 5, "extra": 1}).status_code == 400
    assert _post(client, phone, {"call_ref": "C1", "level": 5, "item": "NOPE"}).status_code == 400
    assert not Rating.objects.exists()


def test_only_the_telephone_system_posts(world, client):
    kiosk = issue_device(world.unit_admin, unit=world.office, kind="kiosk", name="k")[1]
    assert _post(client, kiosk, {"call_ref": "C1", "level": 5}).status_code == 403
    assert _post(client, "shd_unknown", {"call_ref": "C1", "level": 5}).status_code == 401
    assert not Rating.objects.exists()


@pytest.mark.parametrize("value", [True, 2.7, 4.0, "many", [3]])
def test_a_dimension_level_of_the_wrong_type_is_refused_not_rounded(world, client, phone, value):
    """N-2.5: a dimension is a whole level 1 to 5; JSON true is not level 1, 2.7 is not 2."""
    body = {"call_ref": "C1", "level": 4, "dimensions": {"attitude": value}}
    response = _post(client, phone, body)
    assert response.status_code == 400
    assert response.json()["fields"] == {"dimensions": ["Choose a level from 1 to 5."]}
    assert not Rating.objects.exists()


def test_reasons_of_the_wrong_type_are_refused_under_their_own_name(world, client, phone):
    response = _post(client, phone, {"call_ref": "C1", "level": 2, "reasons": "attitude"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"reasons": ["This field has the wrong type."]}
    assert not Rating.objects.exists()


@pytest.mark.parametrize("field", ["call_ref", "staff_no", "comment", "item"])
def test_a_nul_character_is_refused_not_a_server_error(world, client, phone, field):
    """PostgreSQL refuses NUL in text: a 400 naming the field, nothing stored (not a 500)."""
    body = {"call_ref": "C1", "level": 4, field: "A\x001"}
    response = _post(client, phone, body)
    assert response.status_code == 400
    assert response.json()["fields"] == {field: ["Null characters are not allowed."]}
    assert not Rating.objects.exists()
