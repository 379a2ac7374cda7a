"""Fixtures of the appointment tests: a hall with queues and slots, and a fixed clock."""

from __future__ import annotations

import pytest
import time_machine

from .factories import DAY, local, make_hall


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed with a fast hasher: Argon2 costs ~0.1 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock():
    """The clock stands at 08:00 on DAY; ``clock.move_to(local(DAY, h, m))`` moves it."""
    with time_machine.travel(local(DAY, 8), tick=False) as traveller:
        yield traveller


@pytest.fixture
def hall(world, clock):
    return make_hall(world)
