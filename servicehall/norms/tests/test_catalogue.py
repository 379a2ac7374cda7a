"""All 90 ids of the norms, verbatim, in the catalogue; and the public norms page."""

from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from servicehall.norms.catalogue import DATA_FILE
from servicehall.norms.models import Clause

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "norms.yaml"


def test_all_ninety_ids_are_loaded(db):
    codes = set(Clause.objects.values_list("code", flat=True))
    assert len(codes) == 90
    assert {f"D-{n:02d}" for n in range(1, 21)} <= codes
    assert {f"P-W{n:02d}" for n in range(1, 31)} <= codes
    assert {f"P-T{n:02d}" for n in range(1, 11)} <= codes
    assert {"N-1.1", "N-5.6a", "N-5.6e", "N-6.4"} <= codes


def test_texts_are_verbatim(db):
    assert Clause.objects.get(code="D-10").text_zh == "泄露服务对象商业秘密、个人隐私或案件处理情况"
    assert Clause.objects.get(code="P-W26").text_zh == "请您对我的服务作出评价。"
    assert Clause.objects.get(code="N-5.1").gloss_en.startswith("Three things in advance")


def test_phrase_templates_fill_their_blanks(db):
    phrase = Clause.objects.get(code="P-W02")
    filled = phrase.fill(window_no="3", window_name="社保卡", location="一楼东侧")
    assert filled == "请您到3号社保卡窗口办理（一楼东侧）。"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/norms.yaml is not beside the project")
def test_catalogue_matches_shared_norms_yaml(db):
    shared = yaml.safe_load(SHARED.read_text(encoding="utf-8"))
    expected = {row["id"]: row["zh"] for row in shared["norms"] + shared["prohibitions"]}
    for group in shared["phrases"].values():
        expected |= {row["id"]: row["text"] for row in group}
    assert dict(Clause.objects.values_list("code", "text_zh")) == expected
    assert DATA_FILE.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8")


def test_norms_page_lists_norms_and_prohibitions(client, db):
    page = client.get(reverse("portal:norms")).content.decode()
    assert "D-20" in page and "其他违法违纪行为" in page
    assert "N-5.2" in page and "P-T10" in page
