"""Applying online (网上申请, N-1.2): the client's own submission on the portal makes a case
waiting for acceptance at the chosen office, with no staff member, its applicant encrypted,
its acceptance deadline one working day on (不积压, N-5.4), and no time limit running yet
(N-5.6d). Bad input changes nothing; an item the guide does not offer online is refused."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from servicehall.catalogue.actions import new_draft
from servicehall.catalogue.models import Category
from servicehall.catalogue.tests.conftest import make_item
from servicehall.ledger.choices import Channel
from servicehall.lib.idnumbers import mask_id_number

from .. import actions
from ..choices import Stage
from ..models import Case
from .conftest import written
from .factories import CREDIT_CODE, DAY, MOBILE, employer, local, person, submitted, valid_id

pytestmark = pytest.mark.django_db


def application(desk, **changes) -> actions.OnlineApplication:
    base = actions.OnlineApplication(
        office=desk.world.office, version=desk.benefit, applicant=person(),
        declared=tuple(desk.materials()[:2]),
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def test_an_online_application_waits_for_acceptance_with_one_portal_entry(desk):
    """N-1.2, N-5.4: one entry by the portal, no actor; the clock has not started."""
    with written() as w:
        case = actions.submit_online(application(desk, note="  下午方便接电话  "))
    case = Case.objects.get(pk=case.pk)
    assert case.number == f"SL-O1-{DAY.year}-000001"
    assert case.stage == Stage.SUBMITTED and case.channel == "online"
    assert case.unit == desk.world.office and case.ticket is None
    assert (case.owner, case.handler, case.agent, case.accepted_at) == (None,) * 4
    assert case.received_at == local(DAY, 10)
    # Submitted on Monday 2 March at 10:00: taken by closing time of Tuesday 3 March.
    assert case.accept_due_at == local(dt.date(2026, 3, 3), 17)
    assert case.due_at is None and case.stage_due_at is None  # N-5.6d: from acceptance
    assert case.limit_days == 10
    assert list(case.materials.order_by("order")) == desk.materials()[:2]
    assert case.client_note == "下午方便接电话"
    assert len(w.entries) == 1
    entry = w.entries[0]
    assert entry.event_type == "cases.submitted_online"
    assert entry.channel == Channel.PORTAL and entry.actor_id is None
    state = w.payload()["state"]
    assert state["stage"] == "submitted" and state["owner"] is None
    assert state["accept_due_at"] and state["client_note"] == "下午方便接电话"


def test_the_applicant_is_encrypted_and_shown_masked(desk):
    """Invariant 9: neither number is stored in clear; the lookup hashes still match."""
    case = submitted(desk)
    applicant = case.applicant
    stored = " ".join([applicant.id_token, applicant.phone_token, applicant.id_index])
    assert valid_id(1) not in stored and MOBILE not in stored
    assert applicant.masked_id_number == mask_id_number(valid_id(1))
    assert applicant.masked_phone == "138****5678"
    assert applicant.matches_last4(MOBILE[-4:]) and applicant.matches_last4(valid_id(1)[-4:])


def test_an_employer_applies_with_its_credit_code(desk):
    case = submitted(desk, applicant=employer())
    assert case.applicant.kind == "employer"
    assert case.applicant.id_number() == CREDIT_CODE


def test_a_conditional_material_may_be_declared_not_to_apply(desk):
    bank_card = desk.materials()[2]
    case = submitted(desk, declared=2, not_applicable=(bank_card,))
    assert list(case.materials_not_applicable.all()) == [bank_card]


def test_submitted_on_a_friday_evening_it_is_due_on_monday(desk, clock):
    """After closing time the day of receipt is the next day; weekends are not counted:
    the first working day after Friday's close is Monday, the deadline its close."""
    clock.move_to(local(dt.date(2026, 3, 6), 18))
    case = submitted(desk)
    assert case.accept_due_at == local(dt.date(2026, 3, 9), 17)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "110105198001010010", "does not match"),
        ("id_number", "12345", "18 characters"),
        ("name", "  ", "applicant's name"),
        ("phone", "12345", "area code"),
        ("phone", "", "phone number"),
    ],
)
def test_bad_applicant_details_change_nothing(desk, refused, field, value, message):
    details = dataclasses.replace(person(), **{field: value})
    with refused(match=message):
        actions.submit_online(application(desk, applicant=details))


def test_a_required_material_cannot_be_declared_not_to_apply(desk, refused):
    """N-5.6c, D-09: only a conditional material may not apply."""
    with refused(match="Always required"):
        actions.submit_online(application(desk, declared=(), not_applicable=(desk.materials()[0],)))


def test_materials_of_another_item_do_not_count(desk, refused):
    with refused(match="Only materials listed"):
        actions.submit_online(application(desk, declared=tuple(desk.materials(desk.other))))


def test_a_note_longer_than_allowed_changes_nothing(desk, refused):
    with refused(match="Keep the note"):
        actions.submit_online(application(desk, note="x" * (actions.NOTE_MAX + 1)))


def test_an_item_without_the_online_channel_is_refused(desk, refused):
    """N-1.2: only what the guide offers online is applied for online."""
    onsite = make_item(
        desk.world.office, desk.world.unit_admin, "RETIRE-CERT", "退休资格认证",
        Category.objects.get(code="CASE-U"), channels=["onsite"],
    )  # fmt: skip
    with refused(match="cannot be applied for online"):
        actions.submit_online(
            application(desk, version=onsite, declared=tuple(desk.materials(onsite)))
        )


def test_only_the_version_in_force_is_applied_for(desk, refused):
    draft = new_draft(desk.world.unit_admin, desk.benefit.item)
    with refused(match="cannot be applied for online"):
        actions.submit_online(application(desk, version=draft, declared=()))


def test_an_office_that_does_not_handle_the_item_is_refused(desk, refused):
    """The office's own item is applied for at that office, not at another city's."""
    with refused(match="office that handles"):
        actions.submit_online(application(desk, office=desk.world.other_office))
    with refused(match="office that handles"):
        actions.submit_online(application(desk, office=desk.world.city))
