"""Complaints come in from every channel of N-6.1; the identity is optional, encrypted at
rest and never in the ledger (invariant 9); anonymous submissions keep no name."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from servicehall.ledger.choices import Channel as LedgerChannel
from servicehall.ledger.models import LedgerEntry

from .. import actions
from ..actions import Intake
from ..choices import Channel, Kind
from ..models import Complaint
from . import factories as f

pytestmark = pytest.mark.django_db


def raw_row(complaint) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM complaints_complaint WHERE id = %s", [complaint.pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_online_named_complaint_is_encrypted_at_rest_and_kept_out_of_the_ledger(world, clock):
    complaint, code = f.online(world)
    assert complaint.number == "TS-O1-2026-000001"
    assert complaint.channel == Channel.ONLINE and complaint.received_by is None
    stored = raw_row(complaint)
    payloads = " ".join(LedgerEntry.objects.values_list("payload", flat=True))
    for secret in (f.NAME, f.PHONE, f.ID_NUMBER, f.PHONE[-4:] + "", code):
        assert secret not in stored
        assert secret not in payloads
    # The content is in the row, but only its digest in the ledger.
    assert "看手机" not in payloads
    assert Complaint.objects.get(pk=complaint.pk).identity() == {
        "name": f.NAME, "phone": f.PHONE, "id_number": f.ID_NUMBER,
    }  # fmt: skip
    entry = LedgerEntry.objects.get(event_type="complaints.received")
    assert entry.channel == LedgerChannel.PORTAL and entry.actor is None


def test_the_secret_code_matches_only_its_own_complaint(world, clock):
    first, code = f.online(world)
    second, other = f.online(world)
    assert second.number == "TS-O1-2026-000002"
    assert first.matches_code(code) and first.matches_code(code.lower())
    assert not first.matches_code(other) and not first.matches_code("")


def test_an_anonymous_submission_keeps_no_name_or_id(world, clock):
    complaint, _code = f.online(world, anonymous=True, name="不该存", id_number=f.ID_NUMBER)
    assert complaint.anonymous
    assert complaint.name_token == "" and complaint.id_token == "" and complaint.phone_token == ""
    assert complaint.identity() == {"name": "", "phone": "", "id_number": ""}


def test_an_anonymous_complainant_may_leave_a_phone_number_for_the_reply(world, clock):
    complaint, _code = f.online(world, anonymous=True, phone="139 5555 4321")
    assert complaint.identity()["phone"] == f.PHONE and complaint.reply_needed


def test_a_bad_id_or_phone_number_is_refused(world, clock):
    with pytest.raises(actions.ComplaintError) as caught:
        f.online(world, id_number="110105198001010010")
    assert "id_number" in caught.value.message_dict
    with pytest.raises(actions.ComplaintError):
        f.online(world, phone="12345")
    assert not Complaint.objects.exists() and not LedgerEntry.objects.exists()


def test_a_12345_referral_carries_its_work_order_number(world, clock):
    intake = Intake(
        unit=world.office, channel=Channel.HOTLINE_12345, kind=Kind.COMPLAINT, content="转办件"
    )
    with pytest.raises(actions.ComplaintError):
        actions.enter(world.clerk, intake)
    complaint, _code = actions.enter(
        world.clerk,
        Intake(
            unit=world.office, channel=Channel.HOTLINE_12345, kind=Kind.COMPLAINT,
            content="转办件", work_order_no="GD20260301",
        ),
    )  # fmt: skip
    assert complaint.work_order_no == "GD20260301" and complaint.received_by == world.clerk


def test_an_opinion_item_carries_its_source(world, clock):
    fields = dict(unit=world.office, channel=Channel.OPINION, kind=Kind.COMPLAINT, content="网帖")
    with pytest.raises(actions.ComplaintError):
        actions.enter(world.head, Intake(**fields))
    complaint, _code = actions.enter(
        world.head, Intake(**fields, source="https://bbs.example.cn/t/1")
    )
    assert complaint.source == "https://bbs.example.cn/t/1"


@pytest.mark.parametrize("channel", [Channel.BOX, Channel.HOTLINE])
def test_box_and_hotline_items_are_entered_by_the_units_staff(world, clock, channel):
    intake = Intake(unit=world.office, channel=channel, kind=Kind.SUGGESTION, content="建议")
    assert actions.enter(world.clerk, intake)[0].channel == channel
    for persona in (world.outsider, world.supervisor, world.unit_admin, world.system_admin):
        with pytest.raises(PermissionDenied):
            actions.enter(persona, intake)


def test_staff_cannot_file_as_the_online_form_nor_the_public_as_staff(world, clock):
    with pytest.raises(actions.ComplaintError):
        actions.enter(
            world.clerk,
            Intake(unit=world.office, channel=Channel.ONLINE, kind=Kind.COMPLAINT, content="x"),
        )
    with pytest.raises(actions.ComplaintError):
        actions.submit_online(
            Intake(unit=world.office, channel=Channel.BOX, kind=Kind.COMPLAINT, content="x")
        )


def test_the_staff_concerned_must_be_of_the_unit(world, clock):
    with pytest.raises(actions.ComplaintError):
        f.hotline(world, staff_concerned=world.outsider)
    # A staff no. of another unit does not find its owner.
    complaint, _code = f.online(world, staff_no="B001")
    assert complaint.staff_concerned is None and complaint.staff_no_given == "B001"
