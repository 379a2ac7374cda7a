"""Non-acceptance (不予受理, N-2.1, N-5.3): never without the rule it rests on and an
explanation; a new request, or a case still waiting for corrections before acceptance."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from .. import actions
from ..choices import Stage
from ..models import Case
from .conftest import written
from .factories import accept, in_correction, person

RULE = "《失业保险条例》第十四条"
WHY = "您在本市参保缴费不满一年，暂不符合领取条件；满一年后可再来申请。"


def _refuse(desk, **extra):
    data = {
        "rule": RULE, "explanation": WHY, "version": desk.benefit, "applicant": person(),
        "channel": "online", "received": desk.materials()[:1],
    } | extra  # fmt: skip
    return actions.refuse_acceptance(desk.clerk, **data)


def test_a_refusal_records_the_rule_and_the_explanation(desk):
    with written() as w:
        case = _refuse(desk)
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.NOT_ACCEPTED
    assert (case.decision_rule, case.decision_reason) == (RULE, WHY)
    assert (case.completed_by, case.owner, case.handler) == (desk.clerk,) * 3
    assert case.accepted_at is None and case.due_at is None
    assert list(case.materials.all()) == desk.materials()[:1]
    (entry,) = w.entries
    assert entry.event_type == "cases.acceptance_refused"
    assert w.payload()["state"]["decision_rule"] == RULE


@pytest.mark.parametrize(
    ("missing", "message"),
    [("rule", "Cite the rule"), ("explanation", "Explain the refusal")],
)
def test_no_refusal_without_both_rule_and_explanation(desk, refused, missing, message):
    with refused(match=message):
        _refuse(desk, **{missing: "   "})


def test_the_database_refuses_a_refusal_without_its_reasons(desk):
    case = _refuse(desk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(decision_reason="")


def test_a_case_waiting_for_corrections_can_be_refused(desk):
    case = in_correction(desk)
    with written() as w:
        refused_case = actions.refuse_acceptance(desk.clerk, case=case, rule=RULE, explanation=WHY)
    assert refused_case.pk == case.pk
    case.refresh_from_db()
    assert case.stage == Stage.NOT_ACCEPTED and case.decision_reason == WHY
    assert [entry.event_type for entry in w.entries] == ["cases.acceptance_refused"]


def test_an_accepted_case_is_not_refused_acceptance(desk, refused):
    case = accept(desk)
    with refused(match="cannot be done now"):
        actions.refuse_acceptance(desk.clerk, case=case, rule=RULE, explanation=WHY)


def test_refusing_is_acceptance_work(desk, refused):
    with refused(PermissionDenied, flagged="D-08"):
        actions.refuse_acceptance(
            desk.reviewer, rule=RULE, explanation=WHY, version=desk.benefit,
            applicant=person(), channel="online",
        )  # fmt: skip


def test_materials_of_another_item_do_not_count(desk, refused):
    with refused(match="Only materials listed"):
        _refuse(desk, received=desk.materials(desk.other)[:1])
