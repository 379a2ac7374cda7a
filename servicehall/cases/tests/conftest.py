"""Fixtures of the case tests: the desk (items, posts, personas), a fixed clock on a working
Monday in Shanghai, English messages, and checks that a refusal changed nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import translation

from .factories import DAY, Desk, local, make_desk


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed with a fast hasher: Argon2 costs ~0.1 s each."""
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
def desk(world, clock, english) -> Desk:
    return make_desk(world)


def snapshot() -> dict[str, list]:
    """Every row a case action may write (detections apart: see ``refused``)."""
    from servicehall.catalogue.models import NumberCounter, OneTimeNotice
    from servicehall.ledger.models import LedgerEntry, LedgerHead

    from ..models import Applicant, Case, CaseCounter, DeadlineCard, Escalation

    models = [
        Applicant, Case, CaseCounter, DeadlineCard, Escalation, OneTimeNotice, NumberCounter,
        LedgerEntry, LedgerHead, Case.materials.through, Case.materials_not_applicable.through,
        Case.notices.through,
    ]  # fmt: skip
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def detections(clause: str = "D-08") -> list:
    from servicehall.supervision.models import Detection

    return list(Detection.objects.filter(clause=clause).order_by("pk"))


@pytest.fixture
def refused():
    """``with refused(match=...): action(...)``: the action raises, writes nothing, and
    flags nothing unless ``flagged`` names the clause it flags (D-08, N-6.4)."""

    @contextmanager
    def check(exception=None, *, match: str | None = None, flagged: str | None = None):
        from servicehall.supervision.models import Detection

        from ..actions import CaseError

        before, flags = snapshot(), Detection.objects.count()
        with pytest.raises(exception or (CaseError, PermissionDenied), match=match):
            yield
        assert snapshot() == before
        assert Detection.objects.count() == flags + (1 if flagged else 0)
        if flagged:
            assert Detection.objects.order_by("-pk").first().clause == flagged

    return check


@dataclass
class Written:
    entries: list

    def payload(self, index: int = 0) -> dict:
        return json.loads(self.entries[index].payload)


@contextmanager
def written() -> Iterator[Written]:
    """The ledger entries written inside the block."""
    from servicehall.ledger.models import LedgerEntry

    last = LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result = Written([])
    yield result
    result.entries.extend(LedgerEntry.objects.filter(pk__gt=last).order_by("pk"))
