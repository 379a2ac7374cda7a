"""The OpenAPI 3.1 document at /api/schema.json describes every API URL pattern, with the
device token as a bearer scheme; the other tests check every answer against it."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse
from jsonschema import Draft202012Validator

from servicehall.devices import openapi, urls
from servicehall.devices.choices import DeviceKind

from .schema_check import operation_for, validator


def _patterns() -> list[URLPattern]:
    return list(urls.urlpatterns)


def test_the_document_is_served_as_json(client, db):
    response = client.get(reverse("devices:schema"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["openapi"] == "3.1.0"
    assert document == openapi.build()


@pytest.mark.parametrize("pattern", _patterns(), ids=lambda p: p.name)
def test_every_url_pattern_is_in_the_document(pattern):
    view = pattern.callback
    path = openapi.openapi_path("/api/", str(pattern.pattern))
    operation = openapi.build()["paths"][path][view.api_method.lower()]

    assert operation["operationId"] == pattern.name.replace("-", "_")
    if view.device_kinds is None:
        assert operation["security"] == []
    else:
        assert operation["security"] == [{"deviceToken": []}]
        assert operation["x-device-kinds"] == list(view.device_kinds)
        assert {"401", "403"} <= set(operation["responses"])


def test_every_path_of_the_document_is_served():
    routes = {openapi.openapi_path("/api/", str(p.pattern)) for p in _patterns()}
    elsewhere = {reverse(name) for name in openapi.ELSEWHERE.values()}
    assert set(openapi.build()["paths"]) == routes | elsewhere


def test_path_templates_resolve_to_their_operations(db):
    template, operation = operation_for("GET", reverse("devices:ticket", args=["abc"]))
    assert template == "/api/tickets/{follow_token}"
    assert [p["name"] for p in operation["parameters"] if p.get("in") == "path"] == ["follow_token"]


def test_the_device_token_is_a_bearer_scheme():
    scheme = openapi.build()["components"]["securitySchemes"]["deviceToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


@pytest.mark.parametrize("name", sorted(openapi.SCHEMAS))
def test_each_schema_is_valid_json_schema_2020_12(name):
    Draft202012Validator.check_schema(openapi.SCHEMAS[name])


def test_every_ref_resolves():
    document = openapi.build()

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for target in set(refs(document)):
        node = document
        for part in target.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict), target


def test_the_request_schemas_say_what_the_views_accept():
    ticket = validator("components/schemas/TicketRequest")
    transfer = validator("components/schemas/TransferRequest")

    assert ticket.is_valid({"queue": "A", "client_type": "resident", "item": "X"})
    assert not ticket.is_valid({"queue": "AA", "client_type": "resident"})
    assert transfer.is_valid({"reason": "x", "to_queue": "B"})
    assert not transfer.is_valid({"reason": "x"})
    assert not transfer.is_valid({"reason": "x", "to_queue": "B", "to_window": 2})


def test_the_kinds_named_in_the_document_are_the_device_kinds():
    named = {kind for op in _operations() for kind in op.get("x-device-kinds", [])}
    assert named == set(DeviceKind.values)


def _operations():
    for item in openapi.build()["paths"].values():
        yield from item.values()


def test_a_pattern_left_undescribed_is_an_error(monkeypatch):
    monkeypatch.delitem(openapi.OPERATIONS, "display")
    openapi.build.cache_clear()
    try:
        with pytest.raises(LookupError, match="display"):
            openapi.build()
    finally:
        monkeypatch.undo()
        openapi.build.cache_clear()
