"""Debian's Chromium driven by Playwright against pytest-django's live server.

Nothing is downloaded: the tests use /usr/bin/chromium (the Debian package, `make system-deps`)
and skip when it is missing, which the root conftest turns into a failure on CI.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
# The header's background is the brand colour from site.css: the sign that /static/ was served.
BRAND_RGB = "rgb(168, 7, 26)"


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (make system-deps)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, so Django's ORM calls
    # from the test (fixtures, the database flush) would refuse to run. Allowed only while the
    # browser lives, then restored so the rest of the suite keeps Django's check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def norms_catalogue(transactional_db) -> None:
    """The clauses the norms data migration loads, loaded again by that migration's own code.

    The live server's transactional database is flushed after each test, which empties the
    catalogue. Serialized rollback cannot bring it back here: while Playwright's loop runs,
    Django hands this thread a different connection object from the one that holds the
    serialized copy (asgiref's Local turns context-local when an event loop is running).
    """
    from django.apps import apps

    migration = importlib.import_module("servicehall.norms.migrations.0003_load_catalogue")
    migration.load(apps, None)


@pytest.fixture
def page_problems() -> list[str]:
    """Failed requests, console errors and script errors seen by ``page``; ``step`` checks it."""
    return []


@pytest.fixture
def page(chromium, live_server, norms_catalogue, page_problems) -> Iterator:
    """A fresh Chinese-speaking browser context on the live server, with the norms loaded."""
    context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()

    def on_response(response) -> None:
        if response.status >= 400:
            page_problems.append(f"HTTP {response.status} {response.url}")

    def on_console(message) -> None:
        if message.type == "error":
            page_problems.append(f"console: {message.text} ({message.location['url']})")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: page_problems.append(f"script error: {error}"))
    yield page
    context.close()


@pytest.fixture
def step(page, page_problems) -> Callable[[str], None]:
    """``step("03-norms-en")``: check the page is styled and clean, save a full-page screenshot."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> None:
        page.wait_for_load_state("load")
        header_colour = page.locator(".site-header").evaluate(
            "header => getComputedStyle(header).backgroundColor"
        )
        assert header_colour == BRAND_RGB, "site.css did not load from /static/"
        assert page_problems == []
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)

    return take
