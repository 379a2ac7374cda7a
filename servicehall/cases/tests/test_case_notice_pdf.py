"""The one-time notice (一次性告知单, N-5.6c) of a case's correction request, reachable
from the case and printed with the case's number: every missing material at once, only
from the guide (D-09), conditional ones with their condition; the code with the inclusion
proof of the entry that issued it; who may print it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.shortcuts import resolve_url

from servicehall.ledger import proofs
from servicehall.ledger.models import LedgerEntry
from servicehall.testing import log_in

from .. import actions
from ..choices import Stage
from ..documents import NoDocument, build_notice, notice_entry
from .factories import accept, in_correction, local, reviewed_twice
from .pdftools import ZBARIMG, codes_of, flat, shown, text_of


def fetch(client, user, url: str):
    log_in(client, user)
    return client.get(url)


def test_the_case_links_its_one_time_notice(desk):
    case = in_correction(desk)
    notice = case.notices.get()
    assert notice.number == "YCX-O1-2026-000001"
    assert case.notice_pdf_url == f"/cases/{case.number}/notices/{notice.number}.pdf"
    assert accept(desk, 2).notice_pdf_url == ""


def test_the_notice_states_the_case_number_and_every_missing_material(client, desk, tmp_path):
    case = in_correction(desk, received=1)
    notice = case.notices.get()
    before = LedgerEntry.objects.count()
    response = fetch(client, desk.clerk, case.notice_pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = flat(text_of(response.content, tmp_path))
    assert shown("One-time notice") in text  # 一次性告知单
    assert notice.number in text and case.number in text
    _id_card, separation, bank_card = desk.materials()
    assert separation.name in text and bank_card.name in text
    # The bank card is conditional: printed with its condition.
    assert f"{bank_card.name}（{shown('If applicable')}：{bank_card.when_needed}）" in text
    assert "一楼3号窗口" in text
    assert shown("Staff no.") + "A001" in text
    assert "2026-03-02" in text
    assert LedgerEntry.objects.count() == before


def test_a_notice_from_sending_back_proves_that_entry(client, desk, clock, tmp_path):
    case = reviewed_twice(desk)
    clock.move_to(local(dt.date(2026, 3, 10), 9))
    case = actions.send_back(
        desk.reviewer, case, to_stage=Stage.CORRECTION, reason="解除劳动合同证明缺少单位盖章",
        missing=desk.materials()[1:2], return_place="一楼3号窗口",
    )  # fmt: skip
    notice = case.notices.get()
    entry = notice_entry(case, notice)
    assert entry.event_type == "cases.sent_back"
    assert json.loads(entry.payload)["notice"] == notice.number
    document = build_notice(case, notice.number)
    assert document.proof_is_json
    message = proofs.check_receipt(json.loads(document.proof_text), proofs.verifier_key())
    assert message.startswith(f"entry {entry.seq} of ")
    text = flat(text_of(fetch(client, desk.reviewer, case.notice_pdf_url).content, tmp_path))
    assert notice.number in text and case.number in text
    assert shown("Staff no.") + "A002" in text  # the reviewer issued it


def test_the_latest_notice_is_the_one_linked(desk, clock):
    case = in_correction(desk)
    case = actions.resume(desk.clerk, case, received=desk.materials()[1:])
    case = actions.first_review(
        desk.reviewer, case, passed=False, note="银行卡号无法核验",
        missing=desk.materials()[2:], return_place="一楼3号窗口",
    )  # fmt: skip
    first, second = case.notices.order_by("at", "pk")
    assert case.notice_pdf_url == case.notice_pdf_url_for(second.number)
    assert build_notice(case, first.number).entry.event_type == "cases.correction_requested"
    assert build_notice(case, second.number).entry.event_type == "cases.sent_back"


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (zbar-tools) is not installed")
def test_the_printed_proof_code_checks_on_the_command_line(client, desk, tmp_path, capsys):
    case = in_correction(desk)
    codes = codes_of(fetch(client, desk.clerk, case.notice_pdf_url).content, tmp_path, "notice")
    assert len(codes) == 2
    (proof,) = [code for code in codes if code.startswith("{")]
    scanned = tmp_path / "scanned.json"
    scanned.write_text(proof, encoding="utf-8")
    call_command("ledger", "check-receipt", str(scanned))
    entry = notice_entry(case, case.notices.get())
    assert capsys.readouterr().out.startswith(f"YES: entry {entry.seq} of ")


def test_another_cases_notice_is_not_printed_under_this_case(client, desk):
    mine, theirs = in_correction(desk, 1), in_correction(desk, 2)
    with pytest.raises(NoDocument):
        build_notice(mine, theirs.notices.get().number)
    url = mine.notice_pdf_url_for(theirs.notices.get().number)
    assert fetch(client, desk.clerk, url).status_code == 404


def test_staff_of_another_unit_and_other_roles_get_404(client, desk):
    case = in_correction(desk)
    for user in (desk.world.outsider, desk.world.unit_admin, desk.world.supervisor):
        client.logout()
        assert fetch(client, user, case.notice_pdf_url).status_code == 404, user
    client.logout()
    assert fetch(client, desk.head, case.notice_pdf_url).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, desk):
    url = in_correction(desk).notice_pdf_url
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url}"
