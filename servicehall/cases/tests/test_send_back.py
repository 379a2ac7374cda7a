"""Sending a case back to an earlier stage: always with the reason (N-5.5), only backwards,
by whoever may act at the stage it waits in."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied

from .. import actions
from ..choices import Stage
from ..models import Case
from .conftest import written
from .factories import accept, in_correction, local, reviewed_once, reviewed_twice


def test_completion_sends_back_to_first_review(desk):
    case = reviewed_twice(desk)
    with written() as w:
        case = actions.send_back(
            desk.reviewer, case, to_stage=Stage.FIRST_REVIEW, reason="缴费记录需重新核对"
        )
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.FIRST_REVIEW
    assert case.first_reviewed_by is None and case.second_reviewed_by is None
    assert case.handler == desk.reviewer
    assert case.stage_due_at == local(dt.date(2026, 3, 6), 17)
    (entry,) = w.entries
    assert entry.event_type == "cases.sent_back"
    assert (w.payload()["from"], w.payload()["to"]) == ("completion", "first_review")


def test_completion_sends_back_to_second_review_keeping_the_first(desk):
    case = actions.send_back(
        desk.reviewer, reviewed_twice(desk), to_stage=Stage.SECOND_REVIEW, reason="复核意见不明"
    )
    assert case.stage == Stage.SECOND_REVIEW
    assert case.first_reviewed_by == desk.reviewer and case.second_reviewed_by is None


def test_completion_sends_back_to_correction_with_the_notice(desk, clock):
    case = reviewed_twice(desk)
    clock.move_to(local(dt.date(2026, 3, 10), 9))
    case = actions.send_back(
        desk.reviewer, case, to_stage=Stage.CORRECTION, reason="解除劳动合同证明缺少单位盖章",
        missing=desk.materials()[1:2], return_place="一楼3号窗口",
    )  # fmt: skip
    assert case.stage == Stage.CORRECTION
    assert case.suspended_at == local(dt.date(2026, 3, 10), 9)
    assert list(case.notices.get().missing.all()) == desk.materials()[1:2]
    # On return the case starts its reviews again, with the new material.
    clock.move_to(local(dt.date(2026, 3, 11), 9))
    case = actions.resume(desk.clerk, case, received=desk.materials()[1:2])
    assert case.stage == Stage.FIRST_REVIEW and case.suspended_days == 1


def test_no_send_back_without_a_reason(desk, refused):
    case = reviewed_twice(desk)
    with refused(match="Say why the case goes back"):
        actions.send_back(desk.reviewer, case, to_stage=Stage.FIRST_REVIEW, reason="  ")


def test_only_to_an_earlier_stage(desk, refused):
    case = reviewed_once(desk)
    with refused(match="only to an earlier stage"):
        actions.send_back(desk.checker, case, to_stage=Stage.COMPLETION, reason="跳过")
    with refused(match="only to an earlier stage"):
        actions.send_back(desk.checker, case, to_stage=Stage.SECOND_REVIEW, reason="原地")


def test_materials_are_asked_for_only_with_correction(desk, refused):
    case = reviewed_twice(desk)
    with refused(match="only when going to correction"):
        actions.send_back(
            desk.reviewer, case, to_stage=Stage.FIRST_REVIEW, reason="重审",
            missing=desk.materials()[:1],
        )  # fmt: skip


def test_a_case_not_under_way_does_not_go_back(desk, refused):
    case = in_correction(desk)
    with refused(match="Only a case under way"):
        actions.send_back(desk.reviewer, case, to_stage=Stage.CORRECTION, reason="再补")


def test_sending_back_from_second_review_is_a_second_review_decision(desk, refused):
    # The first reviewer holds the second review post too, but not for their own case.
    case = reviewed_once(desk)
    with refused(match="another person", flagged="N-6.4"):
        actions.send_back(desk.reviewer, case, to_stage=Stage.FIRST_REVIEW, reason="再看看")


def test_sending_back_outside_the_post_is_refused_and_flagged(desk, refused):
    case = accept(desk)
    with refused(PermissionDenied, flagged="D-08"):
        actions.send_back(
            desk.clerk, case, to_stage=Stage.CORRECTION, reason="缺材料",
            missing=desk.materials()[:1], return_place="一楼",
        )  # fmt: skip
