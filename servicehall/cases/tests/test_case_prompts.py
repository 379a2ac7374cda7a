"""The standard phrases (附件3) the case pages offer at each moment: P-W04 when entering the
applicant, P-W19 with every missing material for a correction (N-5.6c), P-W14 and P-W16
with the promised date once accepted (N-5.6d), P-W13 once approved, and P-W12 to a clerk
who must ask the head on duty (N-3.4)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from servicehall.testing import log_in

from .. import actions
from .factories import accept, in_correction, reviewed_twice

pytestmark = pytest.mark.django_db


def _prompts(client, url) -> dict[str, str]:
    page = client.get(url).content.decode()
    return dict(
        re.findall(r'data-testid="prompt-([A-Z0-9-]+)">.*?<q lang="zh-Hans">(.*?)</q>', page, re.S)
    )


def _case(client, case) -> dict[str, str]:
    return _prompts(client, reverse("cases:case", args=[case.number]))


def test_a_correction_names_every_missing_material_in_p_w19(client, desk):
    case = in_correction(desk, received=1)
    log_in(client, desk.clerk)
    said = _case(client, case)
    missing = [m.name for m in desk.materials()[1:]]  # the bank card was not set aside
    assert said["P-W19"] == f"对不起，您的资料不全，请补齐{'、'.join(missing)}材料再来办理。"
    assert "P-W16" not in said


def test_an_accepted_case_gives_the_promised_date_in_p_w16(client, desk):
    case = accept(desk)
    log_in(client, desk.clerk)
    said = _case(client, case)
    promised = case.promised_date
    assert said["P-W16"] == f"请您{promised.month}月{promised.day}日来领取证照。"
    assert said["P-W14"] == "请保管好您的资料。"
    assert "P-W19" not in said and "P-W12" not in said


def test_an_approved_case_asks_the_client_to_check_it(client, desk):
    case = actions.complete(desk.reviewer, reviewed_twice(desk), approved=True)
    log_in(client, desk.clerk)
    assert _case(client, case)["P-W13"] == "您的手续已办好，请核对。"


def test_a_clerk_beyond_the_post_is_offered_p_w12_with_the_client_there(client, desk):
    case = in_correction(desk)
    log_in(client, desk.trainee)  # counter staff without a post
    assert "P-W12" in _case(client, case)


def test_the_opening_page_asks_for_the_id_document(client, desk):
    log_in(client, desk.clerk)
    url = reverse("cases:open") + f"?version={desk.benefit.pk}&channel=voice"
    assert _prompts(client, url)["P-W04"] == "请出示您的证件。"
