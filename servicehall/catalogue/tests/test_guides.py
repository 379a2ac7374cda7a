"""Public guides: the four points as four points, fees and optional parts (N-2.2) on the guide
and on the notices, PDFs with Chinese text, QR code, sample forms."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from servicehall.catalogue.actions import issue_one_time_notice, record_consultation
from servicehall.testing import log_in

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_guide_sets_out_the_four_points_with_fee_and_optional_parts(client, catalogue):
    page = client.get(reverse("catalogue:guide", args=["SSC-REPLACE"])).content.decode()
    for point in ("1. 申请条件", "2. 办理手续和材料", "3. 办理地点和流程", "4. 办理时限"):
        assert point in page
    assert "收费：20.00 元" in page and "可选择同时开通社会保障卡金融账户" in page
    assert "<svg" in page  # the QR code that opens the guide on a phone


def test_a_free_item_says_so(client, catalogue):
    page = client.get(reverse("catalogue:guide", args=["UNEMP-BENEFIT"])).content.decode()
    assert "免费办理" in page and "《失业保险条例》" in page


def test_an_unpublished_or_unknown_item_is_not_found(client, catalogue):
    assert client.get(reverse("catalogue:guide", args=["NOPE"])).status_code == 404


@needs_poppler
def test_guide_pdf_holds_the_four_points_in_chinese(client, catalogue, tmp_path):
    response = client.get(reverse("catalogue:guide-pdf", args=["SSC-REPLACE"]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for phrase in (
        "社会保障卡挂失与补换",
        "申请条件",
        "办理手续和材料",
        "办理地点和流程",
        "办理时限",
        "20.00",
    ):
        assert phrase in text


@needs_poppler
def test_notices_show_fee_and_optional_parts(client, world, catalogue, tmp_path):
    card = catalogue["card"]
    consultation = record_consultation(
        world.clerk, version=card, channel="onsite", client_type="resident", eligibility="eligible"
    )
    notice = issue_one_time_notice(
        world.clerk, version=card, missing=list(card.materials.all()), return_place="一楼2号窗口"
    )
    log_in(client, world.clerk)
    four = pdf_text(
        client.get(reverse("catalogue:consultation-pdf", args=[consultation.number])).content,
        tmp_path,
    )
    once = pdf_text(
        client.get(reverse("catalogue:notice-pdf", args=[notice.number])).content, tmp_path
    )
    for text in (four, once):
        assert "20.00" in text and "金融账户" in text and "A001" in text
    assert "居民身份证" in once and "近期免冠彩色照片" in once and "一楼2号窗口" in once


@needs_poppler
def test_sample_form_is_a_blank_form_pdf(client, catalogue, tmp_path):
    card = catalogue["card"]
    material = card.materials.first()
    material.__class__.objects.filter(pk=material.pk).update(has_sample=True)
    response = client.get(reverse("catalogue:sample-form", args=["SSC-REPLACE", material.pk]))
    assert "居民身份证" in pdf_text(response.content, tmp_path)


def test_administrators_preview_a_draft(client, world, catalogue):
    from servicehall.catalogue.actions import new_draft

    draft = new_draft(world.unit_admin, catalogue["card"].item)
    log_in(client, world.unit_admin)
    page = client.get(reverse("catalogue:guide-preview", args=[draft.pk])).content.decode()
    assert "社会保障卡挂失与补换" in page
    log_in(client, world.clerk)
    assert client.get(reverse("catalogue:guide-preview", args=[draft.pk])).status_code == 403
