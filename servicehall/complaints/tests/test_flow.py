"""The GB/T 36113 flow of a complaint (N-6.1): accept → investigate → handle → reply →
archive; not accepted; referred; and the transitions refused (wrong step, no reply, no
violation or accountability after a substantiated finding, N-5.6e), which change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.ledger.models import LedgerEntry
from servicehall.supervision import actions as supervision
from servicehall.supervision.violations import Accountability, Violation

from .. import actions
from ..choices import Channel, Finding, Kind, ReplyMethod, Step
from ..models import Complaint
from . import factories as f

pytestmark = pytest.mark.django_db


def entries(complaint) -> list[str]:
    return list(
        LedgerEntry.objects.filter(
            subject_type="complaints.complaint", subject_id=str(complaint.pk)
        )
        .order_by("seq")
        .values_list("event_type", flat=True)
    )


def test_the_whole_flow_with_a_substantiated_finding_records_violation_and_accountability(
    world, clock
):
    complaint = f.archived(world)
    assert complaint.step == Step.ARCHIVED
    assert complaint.handler == world.reviewer
    assert complaint.accepted_at and complaint.investigated_at and complaint.handled_at
    assert complaint.replied_at and complaint.archived_at
    assert entries(complaint) == [
        "complaints.received", "complaints.accepted", "complaints.investigated",
        "complaints.handled", "complaints.replied", "complaints.archived",
    ]  # fmt: skip
    violation = Violation.objects.get(source_id=str(complaint.pk))
    assert violation.clause.code == "D-05" and violation.staff == world.clerk
    assert violation.unit == world.office and violation.recorded_by == world.head
    decision = Accountability.objects.get(violation=violation)
    assert decision.staff == world.clerk and decision.measure == "criticism"
    assert decision.decided_by == world.head
    # The handled entry points at the violation.
    handled = LedgerEntry.objects.get(event_type="complaints.handled")
    assert f'"violation":{violation.pk}' in handled.payload


def test_the_assigned_handler_carries_the_steps(world, clock):
    complaint = f.accepted(world)
    li = world.reviewer
    complaint = actions.investigate(
        li, complaint, finding=Finding.UNSUBSTANTIATED, findings="监控显示一直在办理业务。"
    )
    complaint = actions.handle(li, complaint, measures="向投诉人说明情况。")
    complaint = actions.reply(li, complaint, text="经查不属实。", method=ReplyMethod.PHONE)
    assert complaint.step == Step.REPLIED
    # Archiving is the head on duty's.
    with pytest.raises(PermissionDenied):
        actions.archive(li, complaint)
    assert actions.archive(world.head, complaint).step == Step.ARCHIVED


def test_not_accepted_needs_a_reason_and_closes_it(world, clock):
    complaint, _code = f.online(world)
    with pytest.raises(actions.ComplaintError):
        actions.refuse(world.head, complaint, reason="  ")
    complaint = actions.refuse(world.head, complaint, reason="不属于人社部门职责。")
    assert complaint.step == Step.NOT_ACCEPTED and complaint.step_due_at is None
    assert complaint.closed_reason == "不属于人社部门职责。"


def test_referred_to_another_unit(world, clock):
    complaint, _code = f.online(world)
    complaint = actions.refer(
        world.head, complaint, reason="属乙市业务。", to_unit=world.other_office
    )
    assert complaint.step == Step.REFERRED
    assert complaint.referred_to_unit == world.other_office
    assert complaint.referred_to_name == world.other_office.name


def refused(callable_, *args, error=actions.ComplaintError, **kwargs):
    """The action is refused and nothing is written."""
    before = (LedgerEntry.objects.count(), list(Complaint.objects.order_by("pk").values()))
    with pytest.raises(error) as caught:
        callable_(*args, **kwargs)
    assert (LedgerEntry.objects.count(), list(Complaint.objects.order_by("pk").values())) == before
    return caught.value


def test_steps_out_of_order_are_refused(world, clock):
    complaint, _code = f.online(world)
    refused(actions.investigate, world.head, complaint, finding="unsubstantiated", findings="x")
    refused(actions.handle, world.head, complaint, measures="x")
    refused(actions.reply, world.head, complaint, text="x", method=ReplyMethod.PHONE)
    refused(actions.archive, world.head, complaint)
    complaint = actions.accept(world.head, complaint)
    error = refused(actions.accept, world.head, complaint)
    assert error.code == "wrong_step"
    archived = f.archived(world)
    refused(actions.refuse, world.head, archived, reason="迟了")
    refused(actions.assign, world.head, archived, handler=world.reviewer)


def test_a_reply_is_required_when_the_complainant_can_be_reached(world, clock):
    complaint = f.handled(world)
    refused(actions.reply, world.head, complaint, text="  ", method=ReplyMethod.PHONE)
    refused(actions.reply, world.head, complaint, text="", method=ReplyMethod.NONE)
    refused(actions.reply, world.head, complaint, text="已处理", method="pigeon")


def test_an_anonymous_box_suggestion_without_contact_needs_no_reply(world, clock):
    complaint, _code = actions.enter(
        world.clerk,
        actions.Intake(
            unit=world.office, channel=Channel.BOX, kind=Kind.SUGGESTION, anonymous=True,
            content="建议在大厅放老花镜。",
        ),
    )  # fmt: skip
    assert not complaint.reply_needed
    complaint = actions.accept(world.head, complaint)
    refused(actions.investigate, world.head, complaint, finding=Finding.NOT_APPLICABLE, findings="")
    complaint = actions.investigate(
        world.head, complaint, finding=Finding.NOT_APPLICABLE, findings="建议可行。"
    )
    complaint = actions.handle(world.head, complaint, measures="已配备。")
    complaint = actions.reply(world.head, complaint, text="", method=ReplyMethod.NONE)
    assert complaint.step == Step.REPLIED and complaint.reply == ""


def test_an_anonymous_online_complaint_still_gets_a_reply_on_the_tracking_page(world, clock):
    complaint, _code = f.online(world, anonymous=True)
    assert complaint.reply_needed


def test_a_substantiated_finding_names_its_clause(world, clock):
    complaint, _code = f.online(world, clause=None)
    complaint = actions.accept(world.head, complaint)
    refused(
        actions.investigate, world.head, complaint, finding=Finding.SUBSTANTIATED, findings="属实"
    )
    complaint = actions.investigate(
        world.head, complaint, finding=Finding.SUBSTANTIATED, findings="属实",
        clause=f.clause("D-06"),
    )  # fmt: skip
    assert complaint.clause.code == "D-06"


def test_a_phrase_is_no_clause_to_complain_about(world, clock):
    complaint = f.accepted(world)
    refused(
        actions.investigate, world.head, complaint, finding=Finding.SUBSTANTIATED,
        findings="属实", clause=f.clause("P-W24"),
    )  # fmt: skip


def test_handling_a_substantiated_complaint_needs_the_violation_then_the_accountability(
    world, clock
):
    complaint = f.investigated(world)
    error = refused(actions.handle, world.head, complaint, measures="批评教育")
    assert error.code == "violation_missing"
    violation = supervision.record_violation(
        world.head, unit=world.office, clause=complaint.clause, staff=world.clerk,
        source=complaint, description="看手机",
    )  # fmt: skip
    error = refused(actions.handle, world.head, complaint, measures="批评教育")
    assert error.code == "accountability_missing"
    supervision.decide_accountability(
        world.head, violation, staff=world.clerk, measure="transfer", reason="屡教不改"
    )
    assert actions.handle(world.head, complaint, measures="调离窗口岗位").step == Step.REPLYING


def test_the_staff_member_concerned_never_handles_it(world, clock):
    complaint, _code = f.online(world)  # about wang (A001), found by the staff no. given
    assert complaint.staff_concerned == world.clerk
    refused(actions.assign, world.head, complaint, handler=world.clerk)
    refused(actions.accept, world.clerk, complaint, error=PermissionDenied)


def test_only_the_handlers_act(world, clock):
    complaint, _code = f.online(world)
    for persona in ("reviewer", "unit_admin", "supervisor", "social_supervisor", "system_admin",
                    "security_admin", "audit_admin", "outsider"):  # fmt: skip
        refused(actions.accept, getattr(world, persona), complaint, error=PermissionDenied)
    # A clerk given the complaint by the head may act on it; the assigning is the head's.
    refused(
        actions.assign, world.reviewer, complaint, handler=world.reviewer, error=PermissionDenied
    )
    complaint = actions.assign(world.head, complaint, handler=world.reviewer)
    assert actions.accept(world.reviewer, complaint).step == Step.INVESTIGATING


def test_a_handler_of_another_unit_is_refused(world, clock):
    complaint, _code = f.online(world)
    refused(actions.assign, world.head, complaint, handler=world.outsider)
