"""The ledger holds keyed digests of the evaluations' free texts, never the texts (D-10,
invariant 9): unit staff, the unit administrator and supervisors read the ledger, and a
client's comment or a rectification note may carry names, phone or ID numbers. The digests
still vouch for the texts: one edited behind the application's back is found (invariant 2)."""

from __future__ import annotations

import pytest

from servicehall.feedback import actions
from servicehall.feedback.models import Rating, Rectification
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.registry import event_type
from servicehall.ledger.verify import verify_all

from .factories import bad_rating

pytestmark = pytest.mark.usefixtures("clock", "english")

COMMENT = "张三丰 13912345678 110101199003074477 等了两小时"
TEXTS = {
    "contact_note": "联系张三丰 13912345678 note-contact",
    "appeal_reason": "申诉：客户李四 110101199003074477 系误评 note-appeal",
    "appeal_note": "驳回：王五 13700001111 note-decision",
    "findings": "核实：赵六 13600002222 note-findings",
    "measures": "措施：向钱七 13500003333 致歉 note-measures",
    "follow_up_note": "回访孙八 13400004444 note-follow-up",
}


def _whole_flow(world) -> Rectification:
    rect = bad_rating(world, comment=COMMENT).rectification
    actions.record_contact(world.clerk, rect, note=TEXTS["contact_note"])
    actions.appeal(world.clerk, rect, reason=TEXTS["appeal_reason"])
    actions.decide_appeal(world.supervisor, rect, upheld=False, note=TEXTS["appeal_note"])
    actions.classify(world.clerk, rect, classification="needs_time", findings=TEXTS["findings"])
    actions.record_measures(world.clerk, rect, measures=TEXTS["measures"])
    return actions.record_follow_up(world.clerk, rect, satisfied=True, note=TEXTS["follow_up_note"])


def _payloads() -> str:
    return "\n".join(LedgerEntry.objects.values_list("payload", flat=True))


def _problems() -> list[str]:
    problems, _summary = verify_all()
    return [f"{p.kind}: {p.detail}" for p in problems if "feedback." in p.detail]


def test_no_comment_or_note_is_in_any_ledger_payload_d10(world):
    _whole_flow(world)
    payloads = _payloads()
    assert "feedback.rectification_followed_up" in set(
        LedgerEntry.objects.values_list("event_type", flat=True)
    )
    for text in (COMMENT, *TEXTS.values()):
        for part in text.split():
            assert part not in payloads
    assert _problems() == []


def test_the_states_hold_a_digest_of_each_text_salted_per_row(world):
    rect = _whole_flow(world)
    other = bad_rating(world, comment=COMMENT)
    first = actions.rating_state(Rating.objects.get(pk=rect.rating_id))
    second = actions.rating_state(other)
    assert "comment" not in first and len(first["comment_digest"]) == 64
    # The same words in two ratings do not show as the same in the ledger.
    assert first["comment_digest"] != second["comment_digest"]
    state = actions.rectification_state(Rectification.objects.get(pk=rect.pk))
    for field in TEXTS:
        assert field not in state and len(state[f"{field}_digest"]) == 64
    # An empty text stays empty: the ledger shows which steps were written, not what.
    fresh = actions.rectification_state(other.rectification)
    assert fresh["contact_note_digest"] == ""


def test_the_event_types_are_at_version_2_or_3_with_the_digests():
    # Version 3: the rectification's state names who did each step, and the follow-up call
    # records the round it ends (its texts as digests too).
    for name in (
        "feedback.rating_submitted",
        "feedback.rectification_contacted", "feedback.rectification_classified",
        "feedback.rectification_appealed", "feedback.appeal_decided",
        "feedback.rectification_measures", "feedback.rectification_followed_up",
    ):  # fmt: skip
        assert event_type(name).version == 3, name
    assert event_type("feedback.rating_defaulted").version == 2
    assert event_type("feedback.rectification_notice").version == 1


@pytest.mark.parametrize(
    ("model", "change"),
    [
        ("rating", {"comment": "改过的评价"}),
        ("rating", {"comment": ""}),
        ("rectification", {"contact_note": "改过的联系记录"}),
        ("rectification", {"findings": "改过的核实情况"}),
        ("rectification", {"measures": ""}),
        ("rectification", {"appeal_reason": "改过的申诉理由"}),
        ("rectification", {"appeal_note": "改过的决定理由"}),
        ("rectification", {"follow_up_note": "客户满意（改）"}),
    ],
)
def test_a_text_edited_behind_the_applications_back_is_found(world, model, change):
    rect = _whole_flow(world)
    assert _problems() == []
    if model == "rating":
        Rating.objects.filter(pk=rect.rating_id).update(**change)
    else:
        Rectification.objects.filter(pk=rect.pk).update(**change)
    assert _problems() == [
        f"row changed behind the ledger: feedback.{model} "
        f"{rect.rating_id if model == 'rating' else rect.pk} differs from the state its "
        "latest entry recorded"
    ]
