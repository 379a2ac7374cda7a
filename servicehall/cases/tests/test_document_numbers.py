"""Each kind of case document has its own number: receipts (SL), refusal notices (BSL) and
completion notices (BJ) count per unit and year, without gap or duplicate, and each number
is recorded in the entry of the action that drew it (N-2.1, N-5.3)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import verify_all
from servicehall.org.choices import CaseStage
from servicehall.org.models import Post

from .. import actions
from ..models import Case
from .factories import accept, in_correction, local, person

EXAMPLES = settings(max_examples=15, deadline=None, database=None)
RULE, WHY = "《失业保险条例》第十四条", "参保不满一年"


def _refuse(desk, seq: int, clerk=None) -> Case:
    return actions.refuse_acceptance(
        clerk or desk.clerk, rule=RULE, explanation=WHY, version=desk.card,
        applicant=person(seq), channel="onsite",
    )  # fmt: skip


def _complete(desk, seq: int, approved: bool, clerk=None) -> Case:
    """A case completed on the spot (the card item): accept, then complete."""
    clerk = clerk or desk.clerk
    case = accept(desk, seq, version=desk.card, clerk=clerk, channel="onsite")
    decision = {"approved": True} if approved else {"approved": False, "rule": RULE, "reason": WHY}
    return actions.complete(clerk, case, **decision)


def _sequence(numbers: list[str], prefix: str, unit: str = "O1", year: int = 2026) -> None:
    assert numbers == [f"{prefix}-{unit}-{year}-{n:06d}" for n in range(1, len(numbers) + 1)]


def test_refusals_and_completions_count_apart_from_receipts(desk):
    approved = _complete(desk, 1, True)
    refused_case = _refuse(desk, 2)
    refused_later = _complete(desk, 3, False)
    not_accepted = actions.refuse_acceptance(
        desk.clerk, case=in_correction(desk, 4), rule=RULE, explanation=WHY
    )
    assert [approved.decision_number, refused_later.decision_number] == [
        "BJ-O1-2026-000001", "BJ-O1-2026-000002",
    ]  # fmt: skip
    assert [refused_case.decision_number, not_accepted.decision_number] == [
        "BSL-O1-2026-000001", "BSL-O1-2026-000002",
    ]  # fmt: skip
    _sequence(list(Case.objects.order_by("pk").values_list("number", flat=True)), "SL")


def test_each_unit_counts_its_own(desk):
    world = desk.world
    post = Post.objects.create(
        unit=world.other_office, code="COUNTER", name="综合受理岗", item_codes=["SSC-PROGRESS"],
        stages=[CaseStage.ACCEPT, CaseStage.COMPLETE],
    )  # fmt: skip
    world.outsider.post = post
    world.outsider.save(update_fields=["post"])
    _complete(desk, 1, True)
    theirs = _complete(desk, 2, True, clerk=world.outsider)
    refusal = _refuse(desk, 3, clerk=world.outsider)
    assert theirs.number == "SL-O2-2026-000001"
    assert theirs.decision_number == "BJ-O2-2026-000001"
    assert refusal.decision_number == "BSL-O2-2026-000001"


def test_numbers_start_again_each_year(desk, clock):
    clock.move_to(local(dt.date(2026, 12, 31), 10))
    assert _complete(desk, 1, True).decision_number == "BJ-O1-2026-000001"
    clock.move_to(local(dt.date(2027, 1, 4), 10))
    assert _complete(desk, 2, True).decision_number == "BJ-O1-2027-000001"


def test_the_database_refuses_a_duplicate_number(desk):
    first, second = _complete(desk, 1, True), _complete(desk, 2, True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=second.pk).update(decision_number=first.decision_number)


# A step opens a case that ends refused at acceptance, approved or refused at completion.
steps = st.lists(st.sampled_from(["refuse", "approve", "decline"]), min_size=1, max_size=10)


def test_numbers_are_unique_and_sequential_per_kind_and_recorded(desk):
    """Property: whatever the order of refusals and completions, each kind's numbers run
    1, 2, 3... without gap, receipts apart, and each entry's state holds its number."""

    @EXAMPLES
    @given(steps)
    def check(script):
        with transaction.atomic():
            cases = []
            for seq, step in enumerate(script, 1):
                if step == "refuse":
                    cases.append(("BSL", _refuse(desk, seq)))
                else:
                    cases.append(("BJ", _complete(desk, seq, step == "approve")))
            for prefix in ("BSL", "BJ"):
                _sequence([c.decision_number for p, c in cases if p == prefix], prefix)
            _sequence([c.number for _p, c in cases], "SL")
            for prefix, case in cases:
                event = "cases.acceptance_refused" if prefix == "BSL" else "cases.completed"
                entry = LedgerEntry.objects.get(
                    subject_type="cases.case", subject_id=str(case.pk), event_type=event
                )
                assert json.loads(entry.payload)["state"]["decision_number"] == (
                    case.decision_number
                )
            transaction.set_rollback(True)

    check()


def test_a_number_changed_behind_the_ledger_is_found(desk):
    """The printed number is provable: ``ledger verify`` finds a row whose number is not
    the one its entry recorded (D-11)."""
    case = _complete(desk, 1, True)
    assert [p for p in verify_all()[0] if "cases." in p.detail] == []
    Case.objects.filter(pk=case.pk).update(decision_number="BJ-O1-2026-000099")
    (problem,) = [p for p in verify_all()[0] if "cases." in p.detail]
    assert f"cases.case {case.pk} differs" in problem.detail
