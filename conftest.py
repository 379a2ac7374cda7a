"""Shared fixtures, and the rule that on CI a skipped test is a failed test."""

from __future__ import annotations

import os

import pytest

ON_CI = os.environ.get("CI") == "true"


@pytest.fixture
def world(db):
    from servicehall.testing import make_world

    return make_world()


def _transactional(request) -> bool:
    from pytest_django.fixtures import validate_django_db

    marker = request.node.get_closest_marker("django_db")
    if marker and validate_django_db(marker)[0]:
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _flushable_ledger(request):
    """Let the flush after a transactional test empty the append-only tables.

    pytest-django flushes the database after a transactional test (``transaction=True``,
    ``live_server``). On PostgreSQL the flush is a TRUNCATE, which row triggers do not
    see; on SQLite it is a DELETE, which the append-only triggers refuse as soon as a
    ledger row exists. So, just before the flush: drop the triggers, empty the ledger
    tables, and put the triggers back; the flush then finds nothing to refuse.
    """
    if not _transactional(request):
        yield
        return
    from django.db import connection

    from servicehall.ledger import triggers
    from servicehall.ledger.models import Checkpoint, LedgerEntry, LedgerHead

    # Set up after the database so that this teardown runs before its flush.
    request.getfixturevalue("transactional_db")
    yield
    triggers.remove(connection)
    try:
        Checkpoint.objects.all().delete()
        LedgerEntry.objects.all().delete()
        LedgerHead.objects.all().delete()
    finally:
        triggers.install(connection)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``sqlite`` or ``postgresql`` are about that database's own machinery
    (the C scanner of ``ledger verify``, the server's hashing): on the other database they
    are deselected, not skipped, and said so."""
    from django.conf import settings

    other = "postgresql" if "sqlite" in settings.DATABASES["default"]["ENGINE"] else "sqlite"
    kept = [item for item in items if item.get_closest_marker(other) is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # On CI every test must run: a skip there hides a missing install step.
    if ON_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, which counts as a failure: {reason}"
