"""The ledger holds keyed digests of a violation's description and an accountability
decision's reasons, never the texts (D-10): they quote complaints, names and numbers
included, and the unit's staff read the ledger. An edit behind the application's back is
still found (invariant 2)."""

from __future__ import annotations

import pytest

from servicehall.complaints.tests import factories as f
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.registry import event_type
from servicehall.ledger.verify import verify_all
from servicehall.supervision import actions
from servicehall.supervision.violations import Accountability, AccountabilityMeasure, Violation

pytestmark = pytest.mark.django_db

DESCRIPTION = "投诉人张三丰 13912345678 称窗口人员看手机 violation-text"
REASON = "经查属实，李四 110101199003074477 作证 reason-text"


def _recorded(world) -> tuple[Violation, Accountability]:
    violation = actions.record_violation(
        world.head, unit=world.office, clause=f.clause("D-05"), staff=world.clerk,
        description=DESCRIPTION,
    )  # fmt: skip
    decision = actions.decide_accountability(
        world.head, violation, staff=world.clerk, measure=AccountabilityMeasure.CRITICISM,
        reason=REASON, decision_body="中心办公会",
    )  # fmt: skip
    return violation, decision


def _problems() -> list[str]:
    problems, _summary = verify_all()
    return [f"{p.kind}: {p.detail}" for p in problems if "supervision." in p.detail]


def test_no_description_or_reason_is_in_any_ledger_payload_d10(world):
    violation, decision = _recorded(world)
    payloads = "\n".join(LedgerEntry.objects.values_list("payload", flat=True))
    for part in (*DESCRIPTION.split(), *REASON.split()):
        assert part not in payloads
    assert len(actions.violation_state(violation)["description_digest"]) == 64
    assert len(actions.accountability_state(decision)["reason_digest"]) == 64
    assert "中心办公会" in payloads  # the deciding body is no personal text
    assert event_type("supervision.violation_recorded").version == 2
    assert event_type("supervision.accountability_decided").version == 2
    assert _problems() == []


def test_an_edited_description_is_found(world):
    violation, _decision = _recorded(world)
    Violation.objects.filter(pk=violation.pk).update(description="服务时间看手机（改轻）")
    assert _problems() == [
        f"row changed behind the ledger: supervision.violation {violation.pk} differs from "
        "the state its latest entry recorded"
    ]


def test_edited_reasons_are_found(world):
    _violation, decision = _recorded(world)
    Accountability.objects.filter(pk=decision.pk).update(reason="情节轻微")
    assert _problems() == [
        f"row changed behind the ledger: supervision.accountability {decision.pk} differs "
        "from the state its latest entry recorded"
    ]
