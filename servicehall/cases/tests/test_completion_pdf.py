"""The completion notice (办结通知书) as a PDF: approved, or refused with the rule and the
reason (N-2.1); its own number, drawn by ``complete`` and recorded in that entry; the
progress lookup code and the code with that entry's inclusion proof; who may print it."""

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
from ..documents import NoDocument, build_completion, decision_entry
from .factories import accept, local, person, reviewed_once, reviewed_twice
from .pdftools import ZBARIMG, codes_of, flat, shown, text_of

RULE = "《失业保险条例》第十四条"
WHY = "经核查，您系本人意愿中断就业，不符合领取条件。"


def url(case) -> str:
    return f"/cases/{case.number}/completion.pdf"


def fetch(client, user, case):
    log_in(client, user)
    return client.get(url(case))


def completed(desk, clock, seq: int = 1, **decision):
    case = reviewed_twice(desk, seq)
    clock.move_to(local(dt.date(2026, 3, 12), 16))
    decision = decision or {"approved": True, "reason": "核定按月发放"}
    return actions.complete(desk.reviewer, case, **decision)


def test_an_approved_case_gets_a_completion_notice(client, desk, clock, tmp_path):
    case = completed(desk, clock)
    assert case.decision_number == "BJ-O1-2026-000001"
    before = LedgerEntry.objects.count()
    response = fetch(client, desk.clerk, case)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{case.decision_number}.pdf"' in response["Content-Disposition"]
    text = flat(text_of(response.content, tmp_path))
    assert shown("Completion notice") in text
    assert case.decision_number in text and case.number in text
    assert shown("Completed: approved") in text  # 已办结：准予办理
    assert shown("Completed: refused") not in text
    assert "2026-03-0210:00" in text  # accepted
    assert "2026-03-16" in text  # promised
    assert "2026-03-1216:00" in text  # completed
    assert shown("within the time limit") in text
    assert shown("Staff no.") + "A002" in text  # 工号 of the clerk who completed it
    assert "核定按月发放" in text
    assert "张三" in text and "失业保险金申领" in text
    assert LedgerEntry.objects.count() == before


def test_a_refused_case_shows_the_rule_and_the_reason(client, desk, clock, tmp_path):
    case = completed(desk, clock, approved=False, rule=RULE, reason=WHY)
    text = flat(text_of(fetch(client, desk.clerk, case).content, tmp_path))
    assert case.decision_number in text
    assert shown("Completed: refused") in text
    assert flat(RULE) in text and flat(WHY) in text
    assert shown("The rule it rests on") in text
    assert (
        shown(
            "If you disagree with this decision, you may apply for administrative "
            "reconsideration or bring an administrative lawsuit according to law."
        )
        in text
    )


def test_a_late_completion_says_so(client, desk, clock, tmp_path):
    case = reviewed_twice(desk)
    clock.move_to(local(dt.date(2026, 3, 17), 9))
    case = actions.complete(desk.reviewer, case, approved=True)
    text = flat(text_of(fetch(client, desk.clerk, case).content, tmp_path))
    assert shown("after the promised date") in text
    assert shown("within the time limit") not in text


def test_an_item_completed_on_the_spot_gets_its_notice(client, desk, tmp_path):
    case = actions.accept(
        desk.clerk, version=desk.card, applicant=person(), channel="onsite",
        received=desk.materials(desk.card),
    )  # fmt: skip
    case = actions.complete(desk.clerk, case, approved=True)
    text = flat(text_of(fetch(client, desk.clerk, case).content, tmp_path))
    assert case.decision_number in text and shown("Completed on the spot.") in text
    assert shown("Staff no.") + "A001" in text


def test_the_number_is_in_the_completion_entry_and_the_proof_checks(desk, clock):
    case = completed(desk, clock)
    entry = decision_entry(case)
    assert entry.event_type == "cases.completed"
    assert json.loads(entry.payload)["state"]["decision_number"] == case.decision_number
    document = build_completion(case)
    assert document.entry == entry and document.proof_is_json
    message = proofs.check_receipt(json.loads(document.proof_text), proofs.verifier_key())
    assert message.startswith(f"entry {entry.seq} of ")


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (zbar-tools) is not installed")
def test_both_codes_decode_and_the_proof_checks_on_the_command_line(
    client, desk, clock, tmp_path, capsys
):
    case = completed(desk, clock)
    accept(desk, 2)  # the tree grows past the entry
    codes = codes_of(fetch(client, desk.clerk, case).content, tmp_path, "completion")
    assert len(codes) == 3  # with the evaluation code (test_completion_rating_qr.py)
    lookup = [code for code in codes if code.startswith("http://testserver/cases/")]
    (proof,) = [code for code in codes if code.startswith("{")]
    assert lookup == [f"http://testserver/cases/lookup/?number={case.number}"]
    scanned = tmp_path / "scanned.json"
    scanned.write_text(proof, encoding="utf-8")
    call_command("ledger", "check-receipt", str(scanned))
    assert capsys.readouterr().out.startswith(f"YES: entry {decision_entry(case).seq} of ")


def test_staff_of_another_unit_and_other_roles_get_404(client, desk, clock):
    case = completed(desk, clock)
    for user in (desk.world.outsider, desk.world.unit_admin, desk.world.supervisor):
        client.logout()
        assert fetch(client, user, case).status_code == 404, user
    for user in (desk.head, desk.trainee):
        client.logout()
        assert fetch(client, user, case).status_code == 200, user


def test_a_case_not_completed_has_no_completion_notice(client, desk):
    for case in (accept(desk), reviewed_once(desk, 2)):
        assert case.completion_pdf_url == ""
        with pytest.raises(NoDocument):
            build_completion(case)
        assert fetch(client, desk.clerk, case).status_code == 404


def test_the_case_links_its_completion_notice_and_its_receipt(desk, clock):
    case = completed(desk, clock)
    assert case.completion_pdf_url == url(case)
    assert case.receipt_pdf_url == f"/cases/{case.number}/receipt.pdf"
    assert case.refusal_pdf_url == ""


def test_anonymous_visitors_are_sent_to_log_in(client, desk, clock):
    case = completed(desk, clock)
    response = client.get(url(case))
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url(case)}"
