"""Acceptance (受理, N-5.3): by phone, online or from a called ticket; every material of the
guide received or not applying; the owner, the receipt number and the clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.catalogue.actions import new_draft
from servicehall.supervision.models import Detection

from .. import actions
from ..choices import Stage
from ..models import Case, CaseCounter
from .conftest import detections, written
from .factories import DAY, accept, called_ticket, local, person


def test_accepting_opens_a_case_in_first_review_with_its_deadline(desk):
    materials = desk.materials()
    with written() as w:
        case = actions.accept(
            desk.clerk, version=desk.benefit, applicant=person(), channel="online",
            received=materials,
        )  # fmt: skip

    case = Case.objects.get(pk=case.pk)
    assert case.number == f"SL-O1-{DAY.year}-000001"
    assert case.stage == Stage.FIRST_REVIEW
    assert (case.owner, case.handler, case.accepted_by) == (desk.clerk,) * 3
    assert case.agent is None
    assert case.accepted_at == case.received_at == local(DAY, 10)
    assert list(case.materials.order_by("order")) == materials
    assert case.version == desk.benefit and case.channel == "online" and case.ticket is None
    # 10 working days after Monday 2 March 2026: Monday 16 March, at closing time.
    assert case.limit_days == 10
    assert case.due_at == local(dt.date(2026, 3, 16), 17)
    assert case.promised_date == dt.date(2026, 3, 16)
    assert not case.deadline_provisional and case.deadline_warning == ""
    (entry,) = w.entries
    assert (entry.event_type, entry.subject_type, entry.subject_id) == (
        "cases.accepted", "cases.case", str(case.pk),
    )  # fmt: skip
    payload = w.payload()
    assert payload["case"] == case.number and payload["promised_date"] == "2026-03-16"
    assert payload["state"] == actions.case_state(case)
    assert entry.actor == desk.clerk and entry.actor_staff_no == "A001"


def test_receipt_numbers_count_per_unit_and_year(desk, clock):
    first, second = accept(desk, 1), accept(desk, 2)
    assert (first.number, second.number) == ("SL-O1-2026-000001", "SL-O1-2026-000002")
    assert CaseCounter.objects.get(unit=desk.world.office, year=2026).last == 2
    clock.move_to(local(dt.date(2027, 1, 4), 10))
    assert accept(desk, 3).number == "SL-O1-2027-000001"


def test_a_case_from_the_called_ticket_keeps_the_ticket_and_its_green_channel(desk):
    ticket = called_ticket(desk, green_reason="elderly")
    case = actions.accept(
        desk.clerk, version=desk.benefit, applicant=person(), channel="onsite",
        received=desk.materials(), ticket=ticket,
    )  # fmt: skip
    assert case.ticket == ticket and case.green_reason == "elderly"
    # The green channel halves the promised limit: 5 working days, Monday 9 March.
    assert case.limit_days == 5
    assert case.due_at == local(dt.date(2026, 3, 9), 17)


def test_the_ticket_must_be_called_to_the_accepting_clerk(desk, refused):
    ticket = called_ticket(desk, clerk=desk.clerk)
    desk.checker.post = desk.clerk.post
    desk.checker.save(update_fields=["post"])
    with refused(match="ticket called to your window"):
        actions.accept(
            desk.checker, version=desk.benefit, applicant=person(), channel="onsite",
            received=desk.materials(), ticket=ticket,
        )  # fmt: skip


def test_a_ticket_case_is_opened_on_site(desk, refused):
    ticket = called_ticket(desk)
    with refused(match="on site"):
        actions.accept(
            desk.clerk, version=desk.benefit, applicant=person(), channel="online",
            received=desk.materials(), ticket=ticket,
        )  # fmt: skip


def test_materials_that_do_not_apply_are_recorded_apart(desk):
    id_card, separation, bank_card = desk.materials()
    case = actions.accept(
        desk.clerk, version=desk.benefit, applicant=person(), channel="online",
        received=[id_card, separation], not_applicable=[bank_card],
    )  # fmt: skip
    assert list(case.materials.order_by("order")) == [id_card, separation]
    assert list(case.materials_not_applicable.all()) == [bank_card]


def test_missing_materials_refuse_acceptance_and_name_each_one(desk, refused):
    id_card, *_rest = desk.materials()
    with refused(match="Missing: 解除劳动合同证明、银行卡. Ask for corrections"):
        actions.accept(
            desk.clerk, version=desk.benefit, applicant=person(), channel="online",
            received=[id_card],
        )  # fmt: skip


def test_materials_of_another_item_do_not_count(desk, refused):
    with refused(match="Only materials listed in this version"):
        actions.accept(
            desk.clerk, version=desk.benefit, applicant=person(), channel="online",
            received=desk.materials() + desk.materials(desk.other)[:1],
        )  # fmt: skip


def test_materials_of_another_version_of_the_same_item_do_not_count(desk, refused):
    draft = new_draft(desk.world.unit_admin, desk.benefit.item)
    with refused(match="Only materials listed in this version"):
        actions.accept(
            desk.clerk, version=desk.benefit, applicant=person(), channel="online",
            received=desk.materials()[:2] + desk.materials(draft)[2:],
        )  # fmt: skip


def test_a_material_is_either_received_or_not_applicable(desk, refused):
    materials = desk.materials()
    with refused(match="either received or not applicable"):
        actions.accept(
            desk.clerk, version=desk.benefit, applicant=person(), channel="online",
            received=materials, not_applicable=materials[:1],
        )  # fmt: skip


def test_only_the_version_in_force_is_accepted(desk, refused):
    draft = new_draft(desk.world.unit_admin, desk.benefit.item)
    with refused(match="version in force"):
        actions.accept(
            desk.clerk, version=draft, applicant=person(), channel="online",
            received=desk.materials(draft),
        )  # fmt: skip


def test_a_channel_the_guide_does_not_offer_is_refused(desk, refused):
    with refused(match="not offered through that channel"):
        actions.accept(
            desk.clerk, version=desk.benefit, applicant=person(), channel="video",
            received=desk.materials(),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "110105198001010010", "does not match"),
        ("id_number", "12345", "18 characters"),
        ("name", "  ", "applicant's name"),
        ("phone", "12345", "area code"),
    ],
)
def test_applicant_details_are_checked(desk, refused, field, value, message):
    details = person()
    applicant = type(details)(**{**details.__dict__, field: value})
    with refused(match=message):
        actions.accept(
            desk.clerk, version=desk.benefit, applicant=applicant, channel="online",
            received=desk.materials(),
        )  # fmt: skip


def test_a_clerk_whose_post_does_not_cover_acceptance_is_refused_and_flagged(desk, refused):
    with refused(PermissionDenied, match="escalation", flagged="D-08"):
        actions.accept(
            desk.reviewer, version=desk.benefit, applicant=person(), channel="online",
            received=desk.materials(),
        )  # fmt: skip
    (flag,) = detections()
    assert flag.staff == desk.reviewer and flag.unit == desk.world.office
    item = desk.benefit.item
    assert (flag.subject_type, flag.subject_id) == ("catalogue.serviceitem", str(item.pk))
    assert "accept of UNEMP-BENEFIT beyond the post's authority" in flag.detail


def test_every_attempt_beyond_authority_is_flagged(desk, refused):
    for _attempt in range(2):
        with refused(PermissionDenied, flagged="D-08"):
            actions.accept(
                desk.trainee, version=desk.benefit, applicant=person(), channel="online",
                received=desk.materials(),
            )  # fmt: skip
    assert len(detections()) == 2


def test_a_post_for_other_items_does_not_cover_this_one(desk, refused):
    with refused(PermissionDenied, flagged="D-08"):
        actions.accept(
            desk.clerk, version=desk.other, applicant=person(), channel="online",
            received=desk.materials(desk.other),
        )  # fmt: skip


def test_staff_of_another_unit_are_refused_and_flagged(desk, refused):
    outsider = desk.world.outsider
    outsider.post = desk.clerk.post  # even with a post of this unit's
    outsider.save(update_fields=["post"])
    with refused(PermissionDenied, flagged="D-08"):
        actions.accept(
            outsider, version=desk.benefit, applicant=person(), channel="online",
            received=desk.materials(),
        )  # fmt: skip
    assert Detection.objects.get().unit == desk.world.other_office


def test_an_item_completed_on_the_spot_goes_straight_to_completion(desk):
    case = actions.accept(
        desk.clerk, version=desk.card, applicant=person(), channel="onsite",
        received=desk.materials(desk.card),
    )  # fmt: skip
    assert case.stage == Stage.COMPLETION
    assert case.limit_days == 0
    assert case.due_at == case.stage_due_at == local(DAY, 17)


def test_the_agent_carries_the_case_and_is_its_handler(desk):
    case = actions.accept(
        desk.clerk, version=desk.benefit, applicant=person(), channel="online",
        received=desk.materials(), agent=desk.checker,
    )  # fmt: skip
    assert (case.owner, case.agent, case.handler) == (desk.clerk, desk.checker, desk.checker)


def test_the_first_contact_owner_may_be_another_staff_member(desk, refused):
    case = actions.accept(
        desk.clerk, version=desk.benefit, applicant=person(), channel="online",
        received=desk.materials(), owner=desk.trainee,
    )  # fmt: skip
    assert (case.owner, case.accepted_by) == (desk.trainee, desk.clerk)
    with refused(match="staff member of this unit"):
        actions.accept(
            desk.clerk, version=desk.benefit, applicant=person(2), channel="online",
            received=desk.materials(), owner=desk.world.outsider,
        )  # fmt: skip


def test_an_administrator_of_no_unit_is_refused_and_flagged_in_the_items_unit(desk, refused):
    with refused(PermissionDenied, flagged="D-08"):
        actions.accept(
            desk.world.system_admin, version=desk.benefit, applicant=person(), channel="online",
            received=desk.materials(),
        )  # fmt: skip
    assert Detection.objects.get().unit == desk.benefit.item.unit
