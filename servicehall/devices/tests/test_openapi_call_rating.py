"""The OpenAPI document describes the telephone system's call rating, served by feedback
at POST /feedback/api/call-rating (N-6.1 voice service, P-W26): the operation, its body and
its answers; every answer the endpoint gives validates against the document."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from servicehall.devices import openapi
from servicehall.feedback.models import Rating

from .schema_check import check_response, operation_for, validator

URL = "feedback:api-call-rating"


def _post(client, token: str | None, body) -> object:
    path = reverse(URL)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    content = body if isinstance(body, bytes) else json.dumps(body)
    response = client.post(path, content, content_type="application/json", headers=headers)
    check_response("POST", path, response)
    return response


def test_the_call_rating_is_an_operation_of_the_document():
    template, operation = operation_for("POST", reverse(URL))

    assert template == "/feedback/api/call-rating"
    assert operation["operationId"] == "call_rating"
    assert operation["security"] == [{"deviceToken": []}]
    assert operation["x-device-kinds"] == ["phone_system"]
    assert set(operation["responses"]) == {"201", "400", "401", "403", "409"}
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request == {"$ref": "#/components/schemas/CallRatingRequest"}


def test_every_answer_of_the_call_rating_is_documented(client, hall):
    phone = hall.token("phone")

    good = _post(client, phone, {"call_ref": "C1", "staff_no": "A001", "level": 5})
    bad = _post(client, phone, {
        "call_ref": "C2", "staff_no": "A001", "level": 1, "reasons": ["attitude"],
        "dimensions": {"attitude": 1, "efficiency": None}, "comment": "态度差",
    })  # fmt: skip
    again = _post(client, phone, {"call_ref": "C1", "level": 2})
    invalid = _post(client, phone, {"call_ref": "C3", "level": "5"})
    malformed = _post(client, phone, b"{not json")
    forbidden = _post(client, hall.token("kiosk"), {"call_ref": "C4", "level": 5})
    unauthorized = _post(client, None, {"call_ref": "C5", "level": 5})

    assert (good.status_code, good.json()["rectification"]) == (201, None)
    assert bad.status_code == 201
    rating = Rating.objects.get(call_ref="C2")
    assert bad.json()["rectification"] == rating.rectification.pk
    assert (again.status_code, again.json()["error"]) == (409, "rated")
    assert invalid.status_code == malformed.status_code == 400
    assert (forbidden.status_code, unauthorized.status_code) == (403, 401)
    assert sorted(Rating.objects.values_list("call_ref", flat=True)) == ["C1", "C2"]


def test_the_request_schema_says_what_the_endpoint_accepts():
    body = validator("components/schemas/CallRatingRequest")

    assert body.is_valid({"call_ref": "C1", "level": 5})
    assert body.is_valid({
        "call_ref": "C1", "staff_no": "A001", "level": 2, "dimensions": {"attitude": 2},
        "reasons": ["slow", "other"], "comment": "等太久", "item": "UNEMP-BENEFIT",
    })  # fmt: skip
    assert not body.is_valid({"level": 5})  # call_ref is required
    assert not body.is_valid({"call_ref": "C1", "level": 6})
    assert not body.is_valid({"call_ref": "C1", "level": 5, "extra": 1})
    assert not body.is_valid({"call_ref": "C1", "level": 2, "reasons": ["rude"]})
    assert not body.is_valid({"call_ref": "C1", "level": 2, "dimensions": {"convenience": 2}})


def test_an_endpoint_elsewhere_left_undescribed_is_an_error(monkeypatch):
    monkeypatch.delitem(openapi.OPERATIONS, "call-rating")
    openapi.build.cache_clear()
    try:
        with pytest.raises(LookupError, match="call-rating"):
            openapi.build()
    finally:
        monkeypatch.undo()
        openapi.build.cache_clear()
