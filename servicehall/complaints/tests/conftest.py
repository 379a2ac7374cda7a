"""Fixtures of the complaint tests: a fixed clock on a working Monday in Shanghai, English
messages, fast password hashing, an empty cache (the public pages' rate limits)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import cache
from django.utils import translation

from .factories import DAY, local


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


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
def en_client(client, settings):
    """A visitor who chose English (the tests read the English msgids)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
