"""The acceptance receipt (受理回执) as a PDF: what it says, the two QR codes (progress
lookup; the inclusion proof of the acceptance entry, checked offline), who may print it,
and that printing writes nothing to the ledger."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from servicehall.ledger import merkle, proofs
from servicehall.ledger.models import LedgerEntry
from servicehall.testing import log_in

from .. import actions
from ..documents import acceptance_entry, build_receipt
from .factories import accept, in_correction, local
from .pdftools import ZBARIMG, decoded, page_png, text_of


def url(case) -> str:
    return f"/cases/{case.number}/receipt.pdf"


def fetch(client, user, case):
    log_in(client, user)
    return client.get(url(case))


def test_the_receipt_shows_number_item_materials_date_and_staff_no(client, desk, tmp_path):
    case = accept(desk)
    before = LedgerEntry.objects.count()
    response = fetch(client, desk.clerk, case)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = text_of(response.content, tmp_path)
    flat = "".join(text.split())
    assert case.number in flat
    assert "失业保险金申领" in flat and "UNEMP-BENEFIT" in flat
    for material in desk.materials():
        assert material.name in flat
    assert "2026-03-16" in flat  # the promised date: 10 working days from 2 March
    assert "A001" in text
    assert desk.world.office.name in flat
    assert "2026-03-0210:00" in flat  # accepted at
    assert "临时日历" not in flat
    # Printing is a rendering of recorded data: no ledger entry.
    assert LedgerEntry.objects.count() == before


def test_a_deadline_on_a_provisional_calendar_carries_the_warning(client, desk, clock, tmp_path):
    clock.move_to(local(dt.date(2026, 12, 24), 10))
    case = accept(desk)
    text = " ".join(text_of(fetch(client, desk.clerk, case).content, tmp_path).split())
    assert "2027-01-07" in text
    # The interface's default language: "provisional calendar for 2027" in Chinese.
    assert "此期限依据2027年的临时日历计算" in text.replace(" ", "")


def test_the_proof_code_carries_a_receipt_that_checks(desk):
    case = accept(desk, 1)
    accept(desk, 2)  # the tree grows past the entry
    receipt = build_receipt(case)
    entry = acceptance_entry(case)
    assert entry.event_type == "cases.accepted" and entry.subject_id == str(case.pk)
    assert receipt.proof_is_json
    data = json.loads(receipt.proof_text)
    assert data["seq"] == entry.seq and data["unit"] == desk.world.office.code
    assert "consistency" not in data  # against the covering checkpoint: a stable code
    message = proofs.check_receipt(data, proofs.verifier_key())
    assert f"entry {entry.seq} of " in message
    # The same check by hand: the proof leads from the entry's hash to the signed root.
    assert data["leaf_hash"] == proofs.b64_nodes([bytes.fromhex(entry.entry_hash)])[0]
    checkpoint = proofs.notes.Checkpoint.parse(
        proofs.notes.open_note(
            data["checkpoint"], [proofs.notes.Verifier.from_key_string(proofs.verifier_key())]
        )
    )
    hasher = merkle.Hasher("sm3" if settings.LEDGER_HASH == "SM3" else "sha256")
    nodes = [base64.b64decode(node) for node in data["proof"]]
    assert merkle.verify_inclusion(
        hasher, entry.seq - 1, data["tree_size"], bytes.fromhex(entry.entry_hash), nodes,
        checkpoint.root_hash,
    )  # fmt: skip
    tampered = dict(data, seq=entry.seq + 1)
    with pytest.raises(proofs.ReceiptInvalid):
        proofs.check_receipt(tampered, proofs.verifier_key())


def test_a_case_accepted_when_its_corrections_came_in_proves_that_entry(desk):
    case = in_correction(desk)
    case = actions.resume(desk.clerk, case, received=desk.materials()[1:])
    entry = acceptance_entry(case)
    assert entry.event_type == "cases.resumed"
    proofs.check_receipt(json.loads(build_receipt(case).proof_text), proofs.verifier_key())


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (zbar-tools) is not installed")
def test_both_qr_codes_decode_from_the_printed_page(client, desk, tmp_path):
    case = accept(desk)
    accept(desk, 2)
    pdf = fetch(client, desk.clerk, case).content
    png = page_png(pdf, tmp_path / "receipt-shot.png")
    codes = decoded(png)
    assert len(codes) == 2
    lookup = [code for code in codes if not code.startswith("{")]
    proof = [code for code in codes if code.startswith("{")]
    assert lookup == [f"http://testserver/cases/lookup/?number={case.number}"]
    data = json.loads(proof[0])
    assert data == json.loads(build_receipt(case).proof_text)
    message = proofs.check_receipt(data, proofs.verifier_key())
    assert message.startswith(f"entry {acceptance_entry(case).seq} of ")


def test_the_command_line_checks_the_scanned_proof(desk, tmp_path, capsys):
    from django.core.management import call_command

    case = accept(desk)
    path = tmp_path / "scanned.json"
    path.write_text(build_receipt(case).proof_text, encoding="utf-8")
    call_command("ledger", "check-receipt", str(path))
    assert capsys.readouterr().out.startswith("YES: entry ")


def test_staff_of_another_unit_and_other_roles_get_404(client, desk):
    case = accept(desk)
    for user in (desk.world.outsider, desk.world.unit_admin, desk.world.supervisor):
        client.logout()
        assert fetch(client, user, case).status_code == 404, user
    client.logout()
    assert fetch(client, desk.head, case).status_code == 200
    client.logout()
    assert fetch(client, desk.reviewer, case).status_code == 200


def test_an_unknown_number_or_a_case_not_accepted_gets_404(client, desk):
    waiting = in_correction(desk)
    assert fetch(client, desk.clerk, waiting).status_code == 404
    assert client.get("/cases/SL-O1-2026-999999/receipt.pdf").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, desk):
    case = accept(desk)
    response = client.get(url(case))
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url(case)}"
