"""First review (初审) and second review (复核): layered review (N-5.5), the second by
another person than the acceptance and the first review (N-6.4, invariant 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from servicehall.org.choices import CaseStage

from .. import actions
from ..choices import Stage
from ..models import Case
from .conftest import detections, written
from .factories import accept, local, reviewed_once, reviewed_twice

# --- first review ---------------------------------------------------------------------------


def test_first_review_passes_the_case_to_second_review(desk, clock):
    case = accept(desk)
    clock.move_to(local(dt.date(2026, 3, 3), 9))
    with written() as w:
        case = actions.first_review(desk.reviewer, case, note="材料齐全，符合条件")
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.SECOND_REVIEW
    assert case.first_reviewed_by == desk.reviewer
    assert case.first_reviewed_at == local(dt.date(2026, 3, 3), 9)
    assert case.first_review_note == "材料齐全，符合条件"
    assert case.handler == desk.reviewer and case.owner == desk.clerk
    # Second review's share of the 10 days ends on day ceil(20 / 3) = 7: Wednesday 11 March.
    assert case.stage_due_at == local(dt.date(2026, 3, 11), 17)
    assert [entry.event_type for entry in w.entries] == ["cases.first_reviewed"]


def test_first_review_sends_back_to_correction_with_the_reason_and_the_notice(desk):
    case = accept(desk)
    bank_card = desk.materials()[2]
    with written() as w:
        case = actions.first_review(
            desk.reviewer, case, passed=False, note="银行卡复印件不清晰", missing=[bank_card],
            return_place="一楼3号窗口",
        )  # fmt: skip
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.CORRECTION and case.first_reviewed_by is None
    notice = case.notices.get()
    assert list(notice.missing.all()) == [bank_card] and notice.clerk == desk.reviewer
    assert notice.notes == "银行卡复印件不清晰"
    (entry,) = w.entries
    assert entry.event_type == "cases.sent_back"
    assert w.payload() | {"state": None} == {
        "state": None, "case": case.number, "escalation": None, "from": "first_review",
        "to": "correction", "reason": "银行卡复印件不清晰", "notice": notice.number,
        "missing": [bank_card.pk],
        # The notice's own state, so that `ledger verify` reconciles it with this entry.
        "also": [{
            "subject": f"catalogue.onetimenotice:{notice.pk}",
            "state": {"clerk": desk.reviewer.pk, "missing": [bank_card.pk],
                      "number": notice.number, "version": case.version_id},
        }],
    }  # fmt: skip


def test_sending_back_needs_a_reason(desk, refused):
    case = accept(desk)
    with refused(match="Say why the case goes back"):
        actions.first_review(
            desk.reviewer, case, passed=False, note=" ", missing=desk.materials()[2:],
            return_place="一楼",
        )  # fmt: skip


def test_sending_back_to_correction_names_materials_of_the_guide(desk, refused):
    case = accept(desk)
    with refused(match="Tick every material"):
        actions.first_review(
            desk.reviewer, case, passed=False, note="不清晰", missing=[], return_place="一楼"
        )
    with refused(match="Only materials listed"):
        actions.first_review(
            desk.reviewer, case, passed=False, note="不清晰",
            missing=desk.materials(desk.other)[:1], return_place="一楼",
        )  # fmt: skip


def test_first_review_only_of_a_case_waiting_for_it(desk, refused):
    case = reviewed_once(desk)
    with refused(match="“Waiting for second review”; that cannot be done now"):
        actions.first_review(desk.reviewer, case)


def test_first_review_outside_the_post_is_refused_and_flagged(desk, refused):
    case = accept(desk)
    with refused(PermissionDenied, flagged="D-08"):
        actions.first_review(desk.clerk, case)
    (flag,) = detections()
    assert (flag.subject_type, flag.subject_id, flag.staff) == (
        "cases.case", str(case.pk), desk.clerk,
    )  # fmt: skip
    assert case.number in flag.detail and "first_review" in flag.detail


def test_the_acceptor_may_also_do_the_first_review_if_the_post_covers_it(desk):
    desk.clerk.post.stages = [CaseStage.ACCEPT, CaseStage.FIRST_REVIEW]
    desk.clerk.post.save(update_fields=["stages"])
    case = actions.first_review(desk.clerk, accept(desk))
    assert case.stage == Stage.SECOND_REVIEW


# --- second review --------------------------------------------------------------------------


def test_second_review_by_another_person_passes_the_case_to_completion(desk):
    case = reviewed_once(desk)
    with written() as w:
        case = actions.second_review(desk.checker, case, note="同意")
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.COMPLETION
    assert (case.first_reviewed_by, case.second_reviewed_by) == (desk.reviewer, desk.checker)
    assert case.second_review_note == "同意"
    # The last stage's deadline is the case's.
    assert case.stage_due_at == case.due_at == local(dt.date(2026, 3, 16), 17)
    assert [entry.event_type for entry in w.entries] == ["cases.second_reviewed"]


def test_the_first_reviewer_cannot_do_the_second_review(desk, refused):
    case = reviewed_once(desk)
    with refused(match="another person than the acceptance and the first review", flagged="N-6.4"):
        actions.second_review(desk.reviewer, case)
    (flag,) = detections("N-6.4")
    assert flag.staff == desk.reviewer and flag.subject_id == str(case.pk)


def test_the_acceptor_cannot_do_the_second_review(desk, refused):
    case = accept(desk)
    # Give the acceptor the reviewer's post as well: authority is not the point here.
    desk.clerk.post.stages += [CaseStage.SECOND_REVIEW]
    desk.clerk.post.save(update_fields=["stages"])
    case = actions.first_review(desk.reviewer, case)
    with refused(match="another person", flagged="N-6.4"):
        actions.second_review(desk.clerk, case)


def test_the_database_refuses_a_second_review_by_the_first_reviewer(desk):
    case = reviewed_twice(desk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(second_reviewed_by=desk.reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(second_reviewed_by=desk.clerk)


def test_second_review_sends_back_to_first_review_with_the_reason(desk):
    case = reviewed_once(desk)
    with written() as w:
        case = actions.second_review(desk.checker, case, passed=False, note="工作年限核算有误")
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.FIRST_REVIEW
    # The first review is to be done again: its record is cleared (the ledger keeps it).
    assert case.first_reviewed_by is None and case.first_review_note == ""
    assert case.stage_due_at == local(dt.date(2026, 3, 6), 17)
    assert w.payload()["from"] == "second_review" and w.payload()["to"] == "first_review"
    assert w.payload()["reason"] == "工作年限核算有误"


def test_second_review_sending_back_needs_a_reason(desk, refused):
    case = reviewed_once(desk)
    with refused(match="Say why the case goes back"):
        actions.second_review(desk.checker, case, passed=False)


def test_second_review_only_of_a_case_waiting_for_it(desk, refused):
    case = accept(desk)
    with refused(match="“Waiting for first review”; that cannot be done now"):
        actions.second_review(desk.checker, case)


def test_second_review_outside_the_post_is_refused_and_flagged(desk, refused):
    case = reviewed_once(desk)
    with refused(PermissionDenied, flagged="D-08"):
        actions.second_review(desk.trainee, case)


def test_items_without_a_second_review_go_from_first_review_to_completion(desk):
    from servicehall.catalogue.models import Category
    from servicehall.catalogue.tests.conftest import make_item

    version = make_item(
        desk.world.office, desk.world.unit_admin, "UNEMP-REG", "失业登记",
        Category.objects.get(code="CASE-U"), stages=["accept", "first_review", "complete"],
        promised_limit_days=4,
    )  # fmt: skip
    for post in (desk.clerk.post, desk.reviewer.post):
        post.item_codes.append("UNEMP-REG")
        post.save(update_fields=["item_codes"])
    case = accept(desk, version=version)
    # Two stages share 4 days: first review by day 2, completion by day 4.
    assert case.stage_due_at == local(dt.date(2026, 3, 4), 17)
    case = actions.first_review(desk.reviewer, case)
    assert case.stage == Stage.COMPLETION
    assert case.stage_due_at == case.due_at == local(dt.date(2026, 3, 6), 17)
