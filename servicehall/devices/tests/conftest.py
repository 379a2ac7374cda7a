"""The hall the API tests work in: two queues, two windows opened by their clerks, one
device of each kind, and a client that checks every answer against the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.urls import reverse

from servicehall.devices.actions import issue_device
from servicehall.devices.choices import DeviceKind
from servicehall.devices.models import Device
from servicehall.org.models import Window
from servicehall.queueing.actions import open_window
from servicehall.queueing.models import Queue, WindowQueue
from servicehall.testing import World

from .schema_check import check_response

# A Monday morning in Beijing time, after the hall opened.
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed with a fast hasher: Argon2 costs ~0.1 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=True)
    return time_machine


@dataclass
class Hall:
    world: World
    window1: Window
    window2: Window
    queue_a: Queue
    queue_b: Queue
    other_queue: Queue
    devices: dict[str, Device]
    tokens: dict[str, str]

    def token(self, name: str) -> str:
        return self.tokens[name]


def _open(clerk, window) -> None:
    open_window(clerk, window, systems_checked=True, vouchers_ready=True, at_post=True)


@pytest.fixture
def hall(world) -> Hall:
    office = world.office
    window1 = Window.objects.get(unit=office, number=1)
    window2 = Window.objects.create(unit=office, number=2, name="社会保障卡")
    queue_a = Queue.objects.create(unit=office, prefix="A", name="综合业务")
    queue_b = Queue.objects.create(unit=office, prefix="B", name="社会保障卡")
    other_queue = Queue.objects.create(unit=world.other_office, prefix="A", name="综合业务")
    WindowQueue.objects.create(window=window1, queue=queue_a, preference=1)
    WindowQueue.objects.create(window=window2, queue=queue_b, preference=1)
    WindowQueue.objects.create(window=window2, queue=queue_a, preference=2)
    other_window = Window.objects.get(unit=world.other_office, number=1)
    WindowQueue.objects.create(window=other_window, queue=other_queue, preference=1)
    _open(world.clerk, window1)
    _open(world.reviewer, window2)
    wanted = {
        "kiosk": (world.unit_admin, office, DeviceKind.KIOSK, None),
        "phone": (world.unit_admin, office, DeviceKind.PHONE_SYSTEM, None),
        "display": (world.unit_admin, office, DeviceKind.DISPLAY, None),
        "pad": (world.unit_admin, office, DeviceKind.RATING_PAD, window1),
        "terminal": (world.unit_admin, office, DeviceKind.COUNTER_TERMINAL, window1),
        "terminal2": (world.unit_admin, office, DeviceKind.COUNTER_TERMINAL, window2),
        "other_kiosk": (world.system_admin, world.other_office, DeviceKind.KIOSK, None),
        "other_terminal": (
            world.system_admin, world.other_office, DeviceKind.COUNTER_TERMINAL, other_window,
        ),
    }  # fmt: skip
    devices, tokens = {}, {}
    for name, (actor, unit, kind, window) in wanted.items():
        devices[name], tokens[name] = issue_device(
            actor, unit=unit, kind=kind, name=name, window=window
        )
    return Hall(world, window1, window2, queue_a, queue_b, other_queue, devices, tokens)


class Api:
    """The test client speaking to the API as a device; every answer is checked against the
    OpenAPI document (status documented, body valid)."""

    def __init__(self, client) -> None:
        self.client = client

    def _headers(self, token: str | None, lang: str | None) -> dict:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if lang is not None:
            headers["Accept-Language"] = lang
        return headers

    def get(self, name: str, *args, token: str | None = None, lang: str | None = None):
        path = reverse(f"devices:{name}", args=args)
        response = self.client.get(path, headers=self._headers(token, lang))
        check_response("GET", path, response)
        return response

    def post(
        self, name: str, data=None, *, token: str | None = None, lang: str | None = None,
        body: bytes | None = None,
    ):  # fmt: skip
        path = reverse(f"devices:{name}")
        content = body if body is not None else b"" if data is None else _json(data)
        response = self.client.post(
            path, content, content_type="application/json", headers=self._headers(token, lang)
        )
        check_response("POST", path, response)
        return response


def _json(data) -> bytes:
    return json.dumps(data).encode()


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def statements(queries) -> list[str]:
    """The statements a request ran (a CaptureQueriesContext), without the savepoints of
    the test's own transaction."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]
