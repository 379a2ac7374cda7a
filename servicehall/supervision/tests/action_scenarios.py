"""The supervision actions for the invariant test: each writes exactly one ledger entry."""

from servicehall.complaints.tests import factories as f
from servicehall.supervision.violations import Accountability, Violation
from servicehall.testing import Scenario

NOT_ACTIONS = {
    "servicehall.supervision.actions.violation_state": "the violation's reconciler state",
    "servicehall.supervision.actions.accountability_state": "the decision's reconciler state",
    "servicehall.supervision.actions.may_decide": "says who may record; changes nothing",
}


def _record(world, complaint):
    from servicehall.supervision.actions import record_violation

    return record_violation(
        world.head, unit=world.office, clause=complaint.clause, staff=world.clerk,
        source=complaint, description="服务时间看手机。",
    )  # fmt: skip


def _recorded(world):
    return _record(world, f.investigated(world))


def _decide(world, violation):
    from servicehall.supervision.actions import decide_accountability

    return decide_accountability(
        world.supervisor, violation, staff=world.clerk, measure="warning", reason="屡次违反。",
        decision_body="市局局务会",
    )  # fmt: skip


SCENARIOS = {
    "servicehall.supervision.actions.record_violation": Scenario(
        prepare=f.investigated,
        perform=_record,
        changed=lambda world, complaint, row: Violation.objects.filter(
            pk=row.pk,
            clause__code="D-05",
            staff=world.clerk,
            source_id=str(complaint.pk),
            source_type="complaints.complaint",
        ).exists(),
        event="supervision.violation_recorded",
    ),
    "servicehall.supervision.actions.decide_accountability": Scenario(
        prepare=_recorded,
        perform=_decide,
        changed=lambda world, violation, row: Accountability.objects.filter(
            pk=row.pk,
            violation=violation,
            staff=world.clerk,
            measure="warning",
            decided_by=world.supervisor,
        ).exists(),
        event="supervision.accountability_decided",
    ),
}
