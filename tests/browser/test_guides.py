"""A client finds a service from the portal, reads its guide and downloads the PDF (N-5.2, N-4.3).

The PDF's text is read back with pdftotext and its first page rendered with pdftoppm into
test-artifacts/browser/ for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from servicehall.catalogue.models import Category

pytestmark = pytest.mark.browser

FOUR_POINTS = ("1. 申请条件", "2. 办理手续和材料", "3. 办理地点和流程", "4. 办理时限")


@pytest.fixture
def guides(world):
    from servicehall.catalogue.tests.conftest import make_item

    unemp = Category.objects.create(code="UNEMP", name="失业保险", order=1)
    ssc = Category.objects.create(code="SSC", name="社会保障卡", order=2)
    make_item(world.office, world.unit_admin, "UNEMP-BENEFIT", "失业保险金申领", unemp)
    make_item(
        world.office, world.unit_admin, "SSC-REPLACE", "社会保障卡挂失与补换", ssc,
        fee_fen=2000, optional="可选择同时开通社会保障卡金融账户。",
    )  # fmt: skip


def test_find_a_guide_by_search_and_download_its_pdf(page, step, guides, tmp_path):
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed: make system-deps")
    page.goto("/")
    page.get_by_test_id("home-search").fill("失业金")
    page.get_by_test_id("home-search").press("Enter")
    expect(page).to_have_url(re.compile(r"/guides/\?q="))
    result = page.get_by_role("link", name="失业保险金申领")
    expect(result).to_be_visible()
    expect(page.get_by_role("link", name="社会保障卡挂失与补换")).to_have_count(0)
    step("11-guides-search-zh")

    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("失业保险金申领")
    for point in FOUR_POINTS:
        expect(page.get_by_role("heading", name=point)).to_be_visible()
    expect(page.get_by_test_id("fee")).to_contain_text("免费办理")
    expect(page.locator(".qr svg")).to_be_visible()
    step("12-guide-zh")

    href = page.get_by_test_id("guide-pdf").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "失业保险金申领" in text
    for point in FOUR_POINTS:
        assert point in text
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
    artifacts.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
         str(artifacts / "13-guide-pdf-page1")],
        check=True,
    )  # fmt: skip
    assert (artifacts / "13-guide-pdf-page1.png").stat().st_size > 10_000
