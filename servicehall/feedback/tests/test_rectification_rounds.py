"""The rounds of a rectification (差评整改, N-2.5, N-6.1): an unsatisfied client starts
another round with the row's steps empty, and the round that ended is kept in a
``RectificationRound`` with its texts, who did each step and the client's answer — no data is
lost. The follow-up call still writes exactly one ledger entry (invariant 1), which records
the round with keyed digests of its texts, never the texts (D-10); ``ledger verify`` finds a
round changed, deleted or added behind the application's back (invariant 2)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from servicehall.feedback import actions
from servicehall.feedback.models import Rectification, RectificationRound
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import verify_all
from servicehall.testing import log_in

from .factories import DAY, local, rectification

pytestmark = pytest.mark.usefixtures("clock", "english")

ROUND_1 = {
    "contact_note": "电话联系张三丰 13912345678 r1-contact",
    "appeal_reason": "申诉：系统故障 r1-appeal",
    "appeal_note": "驳回：应提前告知 r1-decision",
    "findings": "核实：告知不到位属实 r1-findings",
    "measures": "措施：增加故障公告牌 r1-measures",
    "follow_up_note": "回访：仍不满意 13912345678 r1-follow-up",
}
ROUND_2 = {
    "contact_note": "负责人再次联系 r2-contact",
    "findings": "已加急办结 r2-findings",
    "measures": "当日办结并回电 r2-measures",
    "follow_up_note": "客户表示满意 r2-follow-up",
}


def _first_round(world, clock) -> Rectification:
    """Round 1 by the clerk, with an appeal the department above rejects; the client is
    still not satisfied at the follow-up call three days later."""
    rect = rectification(world)
    actions.record_contact(world.clerk, rect, note=ROUND_1["contact_note"])
    actions.appeal(world.clerk, rect, reason=ROUND_1["appeal_reason"])
    actions.decide_appeal(world.supervisor, rect, upheld=False, note=ROUND_1["appeal_note"])
    actions.classify(world.clerk, rect, classification="needs_time", findings=ROUND_1["findings"])
    actions.record_measures(world.clerk, rect, measures=ROUND_1["measures"])
    clock.move_to(local(DAY + dt.timedelta(days=3), 10))
    return actions.record_follow_up(
        world.clerk, rect, satisfied=False, note=ROUND_1["follow_up_note"]
    )


def _second_round(world, clock, rect) -> Rectification:
    clock.move_to(local(DAY + dt.timedelta(days=4), 10))
    actions.record_contact(world.head, rect, note=ROUND_2["contact_note"])
    actions.classify(world.head, rect, classification="fixed", findings=ROUND_2["findings"])
    actions.record_measures(world.head, rect, measures=ROUND_2["measures"])
    return actions.record_follow_up(
        world.head, rect, satisfied=True, note=ROUND_2["follow_up_note"]
    )


def _problems() -> list[str]:
    problems, _summary = verify_all()
    return [f"{p.kind}: {p.detail}" for p in problems if "feedback." in p.detail]


def test_round_one_texts_survive_the_second_round_n25(world, clock):
    rect = _first_round(world, clock)

    # The row starts round 2 with its steps empty ...
    row = Rectification.objects.get(pk=rect.pk)
    assert (row.round, row.status, row.contact_note, row.findings, row.measures) == (
        2, "open", "", "", ""
    )  # fmt: skip
    assert (row.contacted_by, row.classified_by, row.measures_by) == (None, None, None)
    # ... and round 1 is kept whole: texts, classification, who, when, the client's answer.
    kept = RectificationRound.objects.get(rectification=row)
    assert (kept.round, kept.unit_id, kept.classification) == (1, world.office.pk, "needs_time")
    for field, text in ROUND_1.items():
        assert getattr(kept, field) == text, field
    assert (kept.contacted_by, kept.classified_by, kept.measures_by, kept.follow_up_by) == (
        world.clerk, world.clerk, world.clerk, world.clerk
    )  # fmt: skip
    assert (kept.appealed_by, kept.appeal_decision, kept.appeal_decided_by) == (
        world.clerk, "rejected", world.supervisor
    )  # fmt: skip
    assert kept.client_satisfied is False
    assert kept.started_at == local(DAY, 10)
    assert kept.follow_up_at == local(DAY + dt.timedelta(days=3), 10)


def test_the_closing_call_keeps_the_last_round_too_and_the_row_keeps_its_texts(world, clock):
    """Every follow-up call writes its round, satisfied or not: a closed rectification's
    rounds are all in ``RectificationRound``; the row still shows the final round."""
    rect = _second_round(world, clock, _first_round(world, clock))

    row = Rectification.objects.get(pk=rect.pk)
    assert (row.status, row.round, row.measures, row.measures_by) == (
        "closed", 2, ROUND_2["measures"], world.head
    )  # fmt: skip
    first, second = RectificationRound.objects.filter(rectification=row).order_by("round")
    assert first.measures == ROUND_1["measures"]
    assert (second.round, second.client_satisfied, second.classification) == (2, True, "fixed")
    for field, text in ROUND_2.items():
        assert getattr(second, field) == text, field
    assert (second.contacted_by, second.follow_up_by) == (world.head, world.head)
    # The appeal was made in round 1: it is kept there, not again with round 2.
    assert (second.appeal_reason, second.appealed_at, second.appeal_decision) == ("", None, "")


def test_the_follow_up_call_writes_one_entry_that_records_the_round_as_digests_d10(world, clock):
    rect = rectification(world)
    actions.record_contact(world.clerk, rect, note=ROUND_1["contact_note"])
    actions.classify(world.clerk, rect, classification="explained", findings=ROUND_1["findings"])
    actions.record_measures(world.clerk, rect, measures=ROUND_1["measures"])
    before = LedgerEntry.objects.count()

    actions.record_follow_up(world.clerk, rect, satisfied=False, note=ROUND_1["follow_up_note"])

    assert LedgerEntry.objects.count() == before + 1
    entry = LedgerEntry.objects.order_by("-pk").first()
    assert (entry.event_type, entry.event_version) == ("feedback.rectification_followed_up", 3)
    kept = RectificationRound.objects.get(rectification=rect)
    payload = json.loads(entry.payload)
    [also] = payload["also"]
    assert also["subject"] == f"feedback.rectificationround:{kept.pk}"
    assert also["state"] == actions.round_state(kept)
    assert (also["state"]["round"], also["state"]["client_satisfied"]) == (1, False)
    for field in ("contact_note", "findings", "measures", "follow_up_note"):
        assert len(also["state"][f"{field}_digest"]) == 64
        assert field not in also["state"]
    # No text of the round in clear in any payload: not the notes, not the phone number.
    payloads = "\n".join(LedgerEntry.objects.values_list("payload", flat=True))
    for text in ROUND_1.values():
        for part in text.split():
            assert part not in payloads


def test_a_refused_follow_up_call_keeps_no_round_and_writes_no_entry(world):
    rect = rectification(world)
    actions.record_contact(world.clerk, rect, note="联系")
    actions.classify(world.clerk, rect, classification="fixed", findings="属实")
    actions.record_measures(world.clerk, rect, measures="致歉")
    before = LedgerEntry.objects.count()
    with pytest.raises(actions.FeedbackError):
        actions.record_follow_up(world.clerk, rect, satisfied=False, note="  ")
    with pytest.raises(PermissionDenied):
        actions.record_follow_up(world.outsider, rect, satisfied=False, note="x")
    assert not RectificationRound.objects.exists()
    assert LedgerEntry.objects.count() == before


def test_the_page_shows_the_earlier_rounds_to_those_who_see_the_rectification(world, clock, web):
    rect = _first_round(world, clock)
    url = reverse("feedback:rectification", args=[rect.pk])
    for persona in (world.head, world.clerk):
        log_in(web, persona)
        page = web.get(url).content.decode()
        assert 'data-testid="earlier-rounds"' in page and 'data-testid="round-1"' in page
        section = page.split('data-testid="round-1"')[1].split("</dl>")[0]
        for text in ROUND_1.values():
            assert text in section, text
        assert "Not satisfied" in section and "Rejected: back to rectification" in section
        assert f"Staff no. {world.clerk.staff_no}" in section
        # Round 2 is the current one: in "Where it stands", with nothing written yet.
        assert 'data-testid="round">2<' in page and 'data-testid="round-2"' not in page

    rect = _second_round(world, clock, rect)
    log_in(web, world.head)  # a day later: a new session
    page = web.get(url).content.decode()
    assert ROUND_2["measures"] in page.split('data-testid="earlier-rounds"')[0]
    assert 'data-testid="round-1"' in page and 'data-testid="round-2"' not in page

    for persona in (world.outsider, world.reviewer):
        log_in(web, persona)
        response = web.get(url)
        assert response.status_code == 404
        assert ROUND_1["measures"] not in response.content.decode()


def test_a_single_round_shows_no_earlier_rounds(world, web):
    rect = rectification(world)
    log_in(web, world.head)
    page = web.get(reverse("feedback:rectification", args=[rect.pk])).content.decode()
    assert 'data-testid="earlier-rounds"' not in page


def test_ledger_verify_passes_after_the_rounds(world, clock):
    _second_round(world, clock, _first_round(world, clock))
    assert RectificationRound.objects.count() == 2
    assert _problems() == []


@pytest.mark.parametrize(
    "change",
    [
        {"contact_note": "改过的联系记录"},
        {"findings": "改过的核实情况"},
        {"measures": ""},
        {"appeal_reason": "改过的申诉理由"},
        {"appeal_note": "改过的决定理由"},
        {"follow_up_note": "客户满意（改）"},
        {"classification": "fixed"},
        {"client_satisfied": True},
    ],
)
def test_a_round_changed_behind_the_applications_back_is_found(world, clock, change):
    rect = _first_round(world, clock)
    assert _problems() == []
    kept = RectificationRound.objects.get(rectification=rect)
    RectificationRound.objects.filter(pk=kept.pk).update(**change)
    assert _problems() == [
        f"row changed behind the ledger: feedback.rectificationround {kept.pk} differs from "
        "the state its latest entry recorded"
    ]


def test_a_round_who_changed_or_added_behind_the_applications_back_is_found(world, clock):
    rect = _first_round(world, clock)
    kept = RectificationRound.objects.get(rectification=rect)
    RectificationRound.objects.filter(pk=kept.pk).update(contacted_by=world.head)
    forged = RectificationRound.objects.create(
        unit=world.office, rectification=rect, round=2, started_at=kept.started_at,
        due_at=kept.due_at, follow_up_at=kept.follow_up_at, client_satisfied=True,
    )  # fmt: skip
    assert _problems() == [
        f"row changed behind the ledger: feedback.rectificationround {kept.pk} differs from "
        "the state its latest entry recorded",
        f"unrecorded row: feedback.rectificationround {forged.pk} has no ledger entry",
    ]
