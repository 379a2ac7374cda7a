"""The refusal notice (不予受理告知书, N-2.1, N-5.3, D-06) as a PDF: its own number, drawn
by ``refuse_acceptance`` and recorded in that entry; the rule and the explanation; the
QR code with that entry's inclusion proof; who may print it."""

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
from ..documents import NoDocument, build_refusal, decision_entry
from ..models import Case
from .factories import accept, in_correction, local, person
from .pdftools import ZBARIMG, codes_of, flat, shown, text_of

RULE = "《失业保险条例》第十四条"
WHY = "您在本市参保缴费不满一年，暂不符合领取条件；满一年后可再来申请。"


def refuse(desk, seq: int = 1, **extra) -> Case:
    data = {
        "rule": RULE, "explanation": WHY, "version": desk.benefit, "applicant": person(seq),
        "channel": "online", "received": desk.materials()[:1],
    } | extra  # fmt: skip
    return actions.refuse_acceptance(desk.clerk, **data)


def url(case) -> str:
    return f"/cases/{case.number}/refusal.pdf"


def fetch(client, user, case):
    log_in(client, user)
    return client.get(url(case))


def test_the_refusal_notice_shows_its_number_the_rule_the_explanation_and_staff_no(
    client, desk, clock, tmp_path
):
    clock.move_to(local(dt.date(2026, 3, 3), 14, 30))
    case = refuse(desk)
    assert case.decision_number == "BSL-O1-2026-000001"
    before = LedgerEntry.objects.count()
    response = fetch(client, desk.clerk, case)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{case.decision_number}.pdf"' in response["Content-Disposition"]
    text = flat(text_of(response.content, tmp_path))
    assert shown("Refusal notice") in text
    assert case.decision_number in text and case.number in text
    assert flat(RULE) in text and flat(WHY) in text
    assert "2026-03-0314:30" in text  # applied and decided the same minute
    assert shown("Staff no.") + "A001" in text  # 工号
    assert "张三" in text and case.applicant.masked_id_number in text
    assert "失业保险金申领" in text and "UNEMP-BENEFIT" in text
    assert desk.materials()[0].name in text  # handed back
    assert desk.world.office.name in text
    assert (
        shown(
            "If you disagree with this decision, you may apply for administrative "
            "reconsideration or bring an administrative lawsuit according to law."
        )
        in text
    )
    # Printing renders what the refusal recorded: no ledger entry.
    assert LedgerEntry.objects.count() == before


def test_a_case_refused_while_waiting_for_corrections_gets_its_notice(client, desk, tmp_path):
    case = in_correction(desk)
    case = actions.refuse_acceptance(desk.clerk, case=case, rule=RULE, explanation=WHY)
    assert case.decision_number == "BSL-O1-2026-000001"
    text = flat(text_of(fetch(client, desk.clerk, case).content, tmp_path))
    assert case.decision_number in text and flat(WHY) in text


def test_the_number_is_in_the_refusal_entry_and_the_proof_checks(desk):
    case = refuse(desk)
    refuse(desk, 2)  # the tree grows past the entry
    entry = decision_entry(case)
    assert entry.event_type == "cases.acceptance_refused"
    assert json.loads(entry.payload)["state"]["decision_number"] == case.decision_number
    document = build_refusal(case)
    assert document.entry == entry and document.number == case.decision_number
    assert document.proof_is_json
    message = proofs.check_receipt(json.loads(document.proof_text), proofs.verifier_key())
    assert message.startswith(f"entry {entry.seq} of ")


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (zbar-tools) is not installed")
def test_the_printed_proof_code_checks_on_the_command_line(client, desk, tmp_path, capsys):
    case = refuse(desk)
    codes = codes_of(fetch(client, desk.clerk, case).content, tmp_path, "refusal")
    assert len(codes) == 1  # the proof; a refusal has no progress to follow
    scanned = tmp_path / "scanned.json"
    scanned.write_text(codes[0], encoding="utf-8")
    call_command("ledger", "check-receipt", str(scanned))
    out = capsys.readouterr().out
    assert out.startswith(f"YES: entry {decision_entry(case).seq} of ")
    data = json.loads(codes[0])
    assert (
        data["leaf_hash"] == proofs.b64_nodes([bytes.fromhex(decision_entry(case).entry_hash)])[0]
    )


def test_staff_of_another_unit_and_other_roles_get_404(client, desk):
    case = refuse(desk)
    for user in (desk.world.outsider, desk.world.unit_admin, desk.world.supervisor):
        client.logout()
        assert fetch(client, user, case).status_code == 404, user
    for user in (desk.head, desk.reviewer):
        client.logout()
        assert fetch(client, user, case).status_code == 200, user


def test_a_case_not_refused_has_no_refusal_notice(client, desk):
    for case in (accept(desk), in_correction(desk, 2)):
        assert case.refusal_pdf_url == ""
        with pytest.raises(NoDocument):
            build_refusal(case)
        assert fetch(client, desk.clerk, case).status_code == 404
    assert client.get("/cases/SL-O1-2026-999999/refusal.pdf").status_code == 404


def test_the_case_links_its_refusal_notice(desk):
    case = refuse(desk)
    assert case.refusal_pdf_url == url(case)
    assert case.completion_pdf_url == case.receipt_pdf_url == ""


def test_anonymous_visitors_are_sent_to_log_in(client, desk):
    case = refuse(desk)
    response = client.get(url(case))
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url(case)}"
