"""Fixtures of the feedback tests: a fixed clock at 10:00 on a working Monday in Shanghai,
English messages, fast password hashing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from django.utils import translation

from .factories import DAY, local


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The clock stands at 10:00 on DAY (a Monday); ``clock.move_to(...)`` moves it."""
    with time_machine.travel(local(DAY, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def web():
    """A browser asking for English pages (the interface is Chinese by default)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")
