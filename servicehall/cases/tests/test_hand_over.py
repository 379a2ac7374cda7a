"""The first-contact owner (首问负责, N-5.6a) stays answerable until completion unless the
case is handed over formally, with a reason, by the owner or the head on duty."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from .. import actions
from ..models import Case
from .conftest import written
from .factories import accept, reviewed_twice


def test_the_owner_hands_over_with_a_reason(desk):
    case = accept(desk)
    with written() as w:
        case = actions.hand_over(desk.clerk, case, to=desk.trainee, reason="本人调岗")
    case = Case.objects.get(pk=case.pk)
    assert case.owner == desk.trainee and case.accepted_by == desk.clerk
    (entry,) = w.entries
    assert entry.event_type == "cases.handed_over"
    assert w.payload()["previous_owner"] == desk.clerk.pk and w.payload()["reason"] == "本人调岗"


def test_the_head_on_duty_hands_over_any_case_of_the_unit(desk):
    case = actions.hand_over(desk.head, accept(desk), to=desk.checker, reason="原受理人病假")
    assert case.owner == desk.checker


def test_the_owner_stays_through_the_stages(desk):
    case = reviewed_twice(desk)
    assert case.owner == desk.clerk and case.handler == desk.checker


def test_others_cannot_hand_over_and_the_attempt_is_flagged(desk, refused):
    case = accept(desk)
    with refused(PermissionDenied, flagged="D-08"):
        actions.hand_over(desk.reviewer, case, to=desk.reviewer, reason="我来负责")


def test_a_hand_over_needs_a_reason(desk, refused):
    case = accept(desk)
    with refused(match="Say why the case is handed over"):
        actions.hand_over(desk.clerk, case, to=desk.trainee, reason="")


def test_only_to_counter_staff_of_the_unit(desk, refused):
    case = accept(desk)
    for person in (desk.world.outsider, desk.world.unit_admin, desk.world.supervisor):
        with refused(match="counter staff of this unit"):
            actions.hand_over(desk.clerk, case, to=person, reason="移交")


def test_not_to_the_owner_again(desk, refused):
    case = accept(desk)
    with refused(match="owner already"):
        actions.hand_over(desk.clerk, case, to=desk.clerk, reason="移交")


def test_a_completed_case_is_not_handed_over(desk, refused):
    case = actions.complete(desk.reviewer, reviewed_twice(desk), approved=True)
    with refused(match="cannot be done now"):
        actions.hand_over(desk.clerk, case, to=desk.trainee, reason="移交")
