"""Shared fixtures, and the rule that on CI a skipped test is a failed test."""

from __future__ import annotations

import os

import pytest

ON_CI = os.environ.get("CI") == "true"


@pytest.fixture
def world(db):
    from servicehall.testing import make_world

    return make_world()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # On CI every test must run: a skip there hides a missing install step.
    if ON_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, which counts as a failure: {reason}"
