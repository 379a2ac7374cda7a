"""The public portal and the staff login in a real browser: languages, large text, keyboard.

Every step saves a full-page screenshot into test-artifacts/browser/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from servicehall.testing import PASSWORD

pytestmark = pytest.mark.browser

ROOT_FONT_SIZE = "parseFloat(getComputedStyle(document.documentElement).fontSize)"


def test_portal_speaks_chinese_and_lists_the_twenty_prohibitions(page, step, world):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="服务规范")).to_be_visible()
    expect(page.get_by_role("heading", name="甲市社保中心")).to_be_visible()
    step("01-home-zh")

    nav.get_by_role("link", name="服务规范").click()
    expect(page).to_have_url(re.compile(r"/norms/$"))
    prohibition = page.locator("tr#D-20")
    expect(prohibition.get_by_role("rowheader")).to_have_text("D-20")
    expect(prohibition).to_contain_text("其他违法违纪行为")
    # The English gloss is for English readers only.
    expect(prohibition.locator(".gloss")).to_have_count(0)
    step("02-norms-zh")


def test_language_switch_and_large_text_survive_navigation(page, step, world):
    page.goto("/norms/")
    page.get_by_test_id("switch-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/norms/$"))
    expect(page.get_by_role("navigation").get_by_role("link", name="Service norms")).to_be_visible()
    expect(page.locator("tr#D-20 .gloss")).to_have_text("Any other violation of law or discipline")
    expect(page.get_by_test_id("switch-zh")).to_have_text("中文")
    step("03-norms-en")

    large_text = page.get_by_test_id("large-text")
    expect(large_text).to_have_attribute("aria-pressed", "false")
    normal_size = page.evaluate(ROOT_FONT_SIZE)
    large_text.click()
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    expect(large_text).to_have_attribute("aria-pressed", "true")
    expect(large_text).to_have_text("Normal text")
    assert page.evaluate(ROOT_FONT_SIZE) > normal_size
    step("04-norms-en-large-text")

    # Both choices are cookies, so they hold on the next page.
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    step("05-home-en-large-text")

    page.get_by_test_id("large-text").click()
    expect(page.get_by_test_id("large-text")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(ROOT_FONT_SIZE) == normal_size
    page.get_by_test_id("switch-zh").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    step("06-home-zh-back-to-normal")


def test_first_tab_focuses_the_skip_link(page, step, world):
    page.goto("/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="跳到正文")
    expect(skip_link).to_be_focused()
    # Hidden off-screen until focused, then shown at the top left.
    box = skip_link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    step("07-home-zh-skip-link-focused")

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()


def test_wrong_password_shows_the_error(page, step, world):
    page.goto("/")
    page.get_by_role("link", name="工作人员登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    step("08-login-zh")

    page.get_by_label("用户名").fill("wang")
    page.get_by_label("密码").fill(PASSWORD + "-wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_label("用户名")).to_have_value("wang")
    expect(page.get_by_role("link", name="工作人员登录")).to_be_visible()
    step("09-login-zh-wrong-password")


def test_clerk_logs_in_to_the_staff_home(page, step, world):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("wang")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator(".site-header .who")).to_have_text("wang · 工号 A001")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator("main .lead")).to_contain_text("甲市社保中心")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    step("10-staff-home-zh-clerk")
