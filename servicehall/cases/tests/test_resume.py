"""The client returns with the missing materials (N-5.6c, N-5.6d): before acceptance the
clock starts; after a stop during the reviews it restarts and the deadlines move by the
working days it stood."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied

from .. import actions
from ..choices import Stage
from ..models import Case
from .conftest import written
from .factories import DAY, accept, in_correction, local


def test_bringing_everything_is_the_acceptance_and_starts_the_clock(desk, clock):
    case = in_correction(desk, received=1)
    clock.move_to(local(dt.date(2026, 3, 4), 15))  # Wednesday
    with written() as w:
        case = actions.resume(desk.clerk, case, received=desk.materials()[1:])

    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.FIRST_REVIEW
    assert case.accepted_at == local(dt.date(2026, 3, 4), 15) and case.accepted_by == desk.clerk
    assert case.received_at == local(DAY, 10)
    # Ten working days from Wednesday 4 March, the day of return.
    assert case.due_at == local(dt.date(2026, 3, 18), 17)
    assert case.suspended_days == 0
    assert set(case.materials.all()) == set(desk.materials())
    (entry,) = w.entries
    assert entry.event_type == "cases.resumed"
    assert w.payload()["accepted"] is True and w.payload()["stood_days"] == 0


def test_all_missing_materials_or_nothing_moves(desk, refused):
    case = in_correction(desk, received=1)
    with refused(match="Still missing: 银行卡"):
        actions.resume(desk.clerk, case, received=desk.materials()[1:2])


def test_materials_of_another_item_do_not_count(desk, refused):
    case = in_correction(desk, received=1)
    with refused(match="Only materials listed"):
        actions.resume(
            desk.clerk, case, received=desk.materials()[1:] + desk.materials(desk.other)[:1]
        )


def test_a_material_received_already_is_not_received_again(desk, refused):
    case = in_correction(desk, received=1)
    with refused(match="received already"):
        actions.resume(desk.clerk, case, received=desk.materials())


def test_only_a_case_waiting_for_corrections_resumes(desk, refused):
    case = accept(desk)
    with refused(match="“Waiting for first review”; that cannot be done now"):
        actions.resume(desk.clerk, case, received=[])


def test_taking_materials_back_is_acceptance_work(desk, refused):
    case = in_correction(desk, received=1)
    with refused(PermissionDenied, flagged="D-08"):
        actions.resume(desk.reviewer, case, received=desk.materials()[1:])


def _stopped_in_review(desk, clock):
    """Accepted Monday 2 March 10:00 (due Monday 16 March); on Tuesday 3 March the first
    review finds the bank card unreadable and sends the case to correction."""
    case = accept(desk)
    clock.move_to(local(dt.date(2026, 3, 3), 11))
    bank_card = desk.materials()[2]
    return actions.first_review(
        desk.reviewer, case, passed=False, note="银行卡复印件不清晰", missing=[bank_card],
        return_place="一楼3号窗口",
    )  # fmt: skip


def test_a_stop_during_review_stands_the_clock(desk, clock):
    case = Case.objects.get(pk=_stopped_in_review(desk, clock).pk)
    assert case.stage == Stage.CORRECTION
    assert case.suspended_at == local(dt.date(2026, 3, 3), 11)
    assert case.stage_due_at is None and case.stage_yellow_at is None
    assert case.due_at == local(dt.date(2026, 3, 16), 17)  # as promised, until the return
    assert case.materials.count() == 2
    # While the clock stands the case is not overdue, whenever one asks.
    assert not Case.objects.overdue(local(dt.date(2026, 4, 1), 9)).exists()
    assert not Case.objects.due_soon(local(dt.date(2026, 3, 16), 9)).exists()


def test_the_return_moves_every_deadline_by_the_working_days_stood(desk, clock):
    case = _stopped_in_review(desk, clock)
    # Back on Monday 9 March: Wed 4, Thu 5, Fri 6, Mon 9 stood (the weekend does not count).
    clock.move_to(local(dt.date(2026, 3, 9), 14))
    with written() as w:
        case = actions.resume(desk.clerk, case, received=desk.materials()[2:])
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.FIRST_REVIEW
    assert case.suspended_days == 4 and case.suspended_at is None
    assert case.accepted_at == local(DAY, 10)  # acceptance stays
    assert case.due_at == local(dt.date(2026, 3, 20), 17)  # 16 March + 4 working days
    # First review's share: ceil(10 / 3) = 4 days after acceptance, + 4 stood.
    assert case.stage_due_at == local(dt.date(2026, 3, 12), 17)
    assert w.payload()["stood_days"] == 4 and w.payload()["accepted"] is False


def test_a_stop_across_the_spring_festival_counts_only_working_days(desk, clock):
    clock.move_to(local(dt.date(2026, 2, 10), 10))  # Tuesday
    case = accept(desk)
    # Due: Feb 11, 12, 13, 14 (Saturday, worked), 24, 25, 26, 27, 28 (Saturday, worked),
    # Mar 2: the tenth working day.
    assert case.due_at == local(dt.date(2026, 3, 2), 17)
    clock.move_to(local(dt.date(2026, 2, 13), 10))  # Friday before the holiday
    case = actions.first_review(
        desk.reviewer, case, passed=False, note="缺少解除劳动合同证明原件",
        missing=desk.materials()[1:2], return_place="一楼",
    )  # fmt: skip
    clock.move_to(local(dt.date(2026, 2, 25), 10))  # Wednesday after
    case = actions.resume(desk.clerk, case, received=desk.materials()[1:2])
    # Stood: Saturday 14 (worked), Tuesday 24, Wednesday 25: 3 working days; 15-23 are off.
    assert case.suspended_days == 3
    assert case.due_at == local(dt.date(2026, 3, 5), 17)


def test_several_stops_add_up(desk, clock):
    case = _stopped_in_review(desk, clock)
    clock.move_to(local(dt.date(2026, 3, 5), 9))  # Thu: Wed 4, Thu 5 stood
    case = actions.resume(desk.clerk, case, received=desk.materials()[2:])
    case = actions.first_review(
        desk.reviewer, case, passed=False, note="银行卡非本人", missing=desk.materials()[2:],
        return_place="一楼",
    )  # fmt: skip
    clock.move_to(local(dt.date(2026, 3, 6), 9))  # Fri: one more
    case = actions.resume(desk.clerk, case, received=desk.materials()[2:])
    assert case.suspended_days == 3
    assert case.due_at == local(dt.date(2026, 3, 19), 17)
