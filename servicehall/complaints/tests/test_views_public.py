"""The public pages (N-6.1): the online form, anonymous or named, with the tracking number
and secret code on the result page; tracking without any personal data; both limited per
address without a captcha."""

from __future__ import annotations

import re

import pytest

from servicehall.ledger.models import LedgerEntry

from ..choices import Channel, Step
from ..models import Complaint
from ..views_public import MAX_FAILURES, MAX_SUBMISSIONS
from . import factories as f

pytestmark = pytest.mark.django_db

NEW = "/complaints/new/"
TRACK = "/complaints/track/"


def submit(client, world, ip="203.0.113.9", **extra):
    data = {"unit": world.office.pk, "kind": "complaint", "content": "窗口工作人员态度生硬。",
            "staff_no": "A001", "clause": ""}  # fmt: skip
    data.update(extra)
    return client.post(NEW, data, REMOTE_ADDR=ip)


def receipt(response) -> tuple[str, str]:
    page = response.content.decode()
    number = re.search(r'data-testid="number">([^<]+)<', page).group(1)
    code = re.search(r'data-testid="code">([^<]+)<', page).group(1)
    return number, code


def test_the_form_is_in_chinese_by_default_and_lists_the_offices(client, world):
    page = client.get(NEW).content.decode()
    assert "投诉" in page and world.office.name in page and world.other_office.name in page
    assert world.city.name not in page  # offices only
    assert 'name="anonymous"' in page and "N-6.1" in page


def test_an_anonymous_submission_gives_a_tracking_number_and_code(en_client, world, clock):
    response = submit(en_client, world, anonymous="on", name="不该存", id_number=f.ID_NUMBER)
    assert response.status_code == 200
    number, code = receipt(response)
    complaint = Complaint.objects.get(number=number)
    assert complaint.anonymous and complaint.channel == Channel.ONLINE
    assert complaint.name_token == "" and complaint.id_token == ""
    assert complaint.matches_code(code) and complaint.staff_concerned == world.clerk
    assert "shown only this once" in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_named_submission_is_stored_encrypted(en_client, world, clock):
    response = submit(en_client, world, name=f.NAME, phone=f.PHONE, id_number=f.ID_NUMBER)
    number, _code = receipt(response)
    complaint = Complaint.objects.get(number=number)
    assert f.NAME not in complaint.name_token and complaint.identity()["name"] == f.NAME
    assert f.NAME not in response.content.decode()


def test_errors_are_shown_and_nothing_is_filed(en_client, world, clock):
    response = submit(en_client, world, content="", phone="123")
    assert response.status_code == 200 and not Complaint.objects.exists()
    page = response.content.decode()
    assert "This field is required." in page
    response = submit(en_client, world, phone="123")
    assert "phone" in response.content.decode().lower() and not Complaint.objects.exists()


def test_submissions_are_limited_per_address(en_client, world, clock):
    for _ in range(MAX_SUBMISSIONS):
        assert submit(en_client, world).status_code == 200
    response = submit(en_client, world)
    assert response.status_code == 429
    assert "Many submissions came from this connection" in response.content.decode()
    assert Complaint.objects.count() == MAX_SUBMISSIONS
    # Another address is not affected.
    assert submit(en_client, world, ip="198.51.100.1").status_code == 200


def test_tracking_shows_progress_and_the_reply_without_personal_data(en_client, world, clock):
    complaint, code = f.online(world)
    f_page = en_client.post(TRACK, {"number": complaint.number, "code": code}).content.decode()
    assert 'data-testid="step">Waiting for acceptance<' in f_page
    from .. import actions

    complaint = actions.accept(world.head, complaint, handler=world.reviewer)
    complaint = actions.investigate(
        world.head, complaint, finding="unsubstantiated", findings="监控显示无此情况。"
    )
    complaint = actions.handle(world.head, complaint, measures="说明情况")
    actions.reply(world.head, complaint, text="经核查未发现该情况，欢迎继续监督。", method="online")
    page = en_client.post(TRACK, {"number": complaint.number.lower(), "code": code.lower()})
    page = page.content.decode()
    assert "Replied, waiting to be archived" in page
    assert "经核查未发现该情况" in page
    # No identity, no staff no. of the clerk concerned or the handler, no internal notes.
    for secret in (f.NAME, f.PHONE, f.PHONE[-4:], f.ID_NUMBER, "A001", "A002",
                   "监控显示无此情况", "说明情况", code):  # fmt: skip
        assert secret not in page


def test_tracking_shows_the_reason_of_a_refusal(en_client, world, clock):
    from .. import actions

    complaint, code = f.online(world)
    actions.refuse(world.head, complaint, reason="不属于本单位职责，请向医保部门反映。")
    page = en_client.post(TRACK, {"number": complaint.number, "code": code}).content.decode()
    assert "Not accepted" in page and "不属于本单位职责" in page


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(en_client, world, clock):
    complaint, _code = f.online(world)
    wrong = en_client.post(TRACK, {"number": complaint.number, "code": "AAAAAAAA"})
    unknown = en_client.post(TRACK, {"number": "TS-O1-2026-999999", "code": "AAAAAAAA"})
    for response in (wrong, unknown):
        assert "No complaint matches" in response.content.decode()
        assert 'data-testid="progress"' not in response.content.decode()


def test_failed_tracking_is_limited_per_address(en_client, world, clock):
    complaint, code = f.online(world)
    for _ in range(MAX_FAILURES):
        en_client.post(TRACK, {"number": complaint.number, "code": "AAAAAAAA"})
    response = en_client.post(TRACK, {"number": complaint.number, "code": code})
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()


def test_tracking_writes_nothing(en_client, world, clock):
    complaint, code = f.online(world)
    before = LedgerEntry.objects.count()
    en_client.post(TRACK, {"number": complaint.number, "code": code})
    assert LedgerEntry.objects.count() == before
    assert Complaint.objects.get(pk=complaint.pk).step == Step.RECEIVED
