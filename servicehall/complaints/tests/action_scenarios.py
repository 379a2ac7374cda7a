"""The complaints' actions for the invariant test: each writes exactly one ledger entry."""

from servicehall.testing import Scenario

from ..choices import Channel, Finding, Kind, ReplyMethod, Step
from ..models import Complaint, ComplaintSettings
from . import factories as f

NOT_ACTIONS = {
    "servicehall.complaints.actions.complaint_state": "the complaint's reconciler state",
    "servicehall.complaints.actions.settings_state": "the time limits' reconciler state",
}


def _at(step: str):
    def changed(world, prepared, result) -> bool:
        return Complaint.objects.filter(pk=result.pk, step=step, last_actor=world.head).exists()

    return changed


def _act(name: str, **kwargs):
    def perform(world, complaint):
        from .. import actions

        return getattr(actions, name)(world.head, complaint, **kwargs)

    return perform


def _online(world):
    return f.online(world)[0]


def _enter(world, _prepared=None):
    from .. import actions

    return actions.enter(
        world.clerk,
        actions.Intake(
            unit=world.office, channel=Channel.HOTLINE_12345, kind=Kind.COMPLAINT,
            content="12345转办：咨询电话打不通。", work_order_no="GD-2026-0001",
        ),
    )[0]  # fmt: skip


def _referred_to_other_office(world):
    """A complaint the office referred to the other office, and a head on duty there."""
    from servicehall.org.choices import Role
    from servicehall.testing import make_user

    from .. import actions

    head = make_user("zhou", Role.HEAD_ON_DUTY, world.other_office, "B000")
    origin = actions.refer(
        world.head, _online(world), reason="属乙市业务。", to_unit=world.other_office
    )
    return origin, head


def _take(world, prepared):
    from .. import actions

    origin, head = prepared
    return actions.take_referral(head, origin)


def _limits(world, _prepared=None):
    from .. import actions

    return actions.set_limits(world.unit_admin, world.office, investigate_days=10)


SCENARIOS = {
    "servicehall.complaints.actions.submit_online": Scenario(
        prepare=lambda world: None,
        perform=lambda world, _p: f.online(world, anonymous=True)[0],
        changed=lambda world, _p, row: Complaint.objects.filter(
            pk=row.pk, unit=world.office, step=Step.RECEIVED, anonymous=True, name_token=""
        ).exists(),
        event="complaints.received",
    ),
    "servicehall.complaints.actions.enter": Scenario(
        prepare=lambda world: None,
        perform=_enter,
        changed=lambda world, _p, row: Complaint.objects.filter(
            pk=row.pk, channel=Channel.HOTLINE_12345, received_by=world.clerk
        ).exists(),
        event="complaints.received",
    ),
    "servicehall.complaints.actions.assign": Scenario(
        prepare=_online,
        perform=lambda world, complaint: _act("assign", handler=world.reviewer)(world, complaint),
        changed=lambda world, c, _r: Complaint.objects.filter(
            pk=c.pk, handler=world.reviewer
        ).exists(),
        event="complaints.assigned",
    ),
    "servicehall.complaints.actions.accept": Scenario(
        prepare=_online,
        perform=_act("accept"),
        changed=_at(Step.INVESTIGATING),
        event="complaints.accepted",
    ),
    "servicehall.complaints.actions.refuse": Scenario(
        prepare=_online,
        perform=_act("refuse", reason="不属于本单位职责。"),
        changed=_at(Step.NOT_ACCEPTED),
        event="complaints.not_accepted",
    ),
    "servicehall.complaints.actions.refer": Scenario(
        prepare=_online,
        perform=_act("refer", reason="属医保业务。", to_name="市医疗保障局"),
        changed=_at(Step.REFERRED),
        event="complaints.referred",
    ),
    "servicehall.complaints.actions.take_referral": Scenario(
        prepare=_referred_to_other_office,
        perform=_take,
        changed=lambda world, prepared, row: Complaint.objects.filter(
            pk=row.pk,
            unit=world.other_office,
            channel=Channel.REFERRAL,
            referred_from=prepared[0],
            step=Step.RECEIVED,
            received_by=prepared[1],
        ).exists(),  # fmt: skip
        event="complaints.referral_taken",
    ),
    "servicehall.complaints.actions.investigate": Scenario(
        prepare=f.accepted,
        perform=_act("investigate", finding=Finding.UNSUBSTANTIATED, findings="经查不属实。"),
        changed=_at(Step.HANDLING),
        event="complaints.investigated",
    ),
    "servicehall.complaints.actions.handle": Scenario(
        prepare=f.with_accountability,
        perform=_act("handle", measures="书面检查。"),
        changed=_at(Step.REPLYING),
        event="complaints.handled",
    ),
    "servicehall.complaints.actions.reply": Scenario(
        prepare=f.handled,
        perform=_act("reply", text="已处理。", method=ReplyMethod.PHONE),
        changed=_at(Step.REPLIED),
        event="complaints.replied",
    ),
    "servicehall.complaints.actions.archive": Scenario(
        prepare=f.replied,
        perform=_act("archive"),
        changed=_at(Step.ARCHIVED),
        event="complaints.archived",
    ),
    "servicehall.complaints.actions.set_limits": Scenario(
        prepare=lambda world: None,
        perform=_limits,
        changed=lambda world, _p, _r: ComplaintSettings.objects.filter(
            unit=world.office, investigate_days=10, accept_days=1
        ).exists(),
        event="complaints.limits_set",
    ),
}
