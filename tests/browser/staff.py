"""Logging staff in and out of a browser page the way a person does, through the pages.

Logging out presses the header's 退出 button and waits for the 工作人员登录 link, so the next
login never races a session that is still alive (clearing the cookies did, once, under load).
"""

from __future__ import annotations

from playwright.sync_api import expect

from servicehall.testing import PASSWORD


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".site-header .who")).to_contain_text(username)


def log_out(page) -> None:
    page.goto("/")
    page.locator(".site-header").get_by_role("button", name="退出").click()
    expect(page.locator(".site-header").get_by_role("link", name="工作人员登录")).to_be_visible()
