"""Checking an API response against the OpenAPI document (jsonschema, Draft 2020-12)."""

from __future__ import annotations

import json
import re

from django.urls import resolve
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from servicehall.devices import openapi

BASE = "urn:servicehall:api"


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def operation_for(method: str, path: str) -> tuple[str, dict]:
    """The path template and the operation of the document that serve ``method path``."""
    match = resolve(path.split("?")[0])
    template = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", match.route)
    paths = openapi.build()["paths"]
    assert template in paths, f"{template} is not in the OpenAPI document"
    assert method.lower() in paths[template], f"{method} {template} is not in the document"
    return template, paths[template][method.lower()]


def check_response(method: str, path: str, response) -> None:
    """The response's status is documented for the operation and its JSON body validates."""
    document = openapi.build()
    template, operation = operation_for(method, path)
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{method} {template} answered {status}, which the document does not list"
    )
    pointer = _pointer("paths", template, method.lower(), "responses", status)
    spec = operation["responses"][status]
    if "$ref" in spec:
        pointer = spec["$ref"].removeprefix("#/")
        spec = document["components"]["responses"][pointer.rsplit("/", 1)[-1]]
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = json.loads(response.content)
    validator(f"{pointer}/content/{_pointer('application/json')}/schema").validate(body)


def validator(pointer: str) -> Draft202012Validator:
    """A validator for the schema at ``pointer`` in the document; its $refs resolve there."""
    resource = Resource.from_contents(openapi.build(), default_specification=DRAFT202012)
    registry = Registry().with_resource(BASE, resource)
    return Draft202012Validator(
        {"$ref": f"{BASE}#/{pointer}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
