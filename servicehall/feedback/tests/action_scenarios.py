"""The feedback actions for the invariant test: each writes exactly one ledger entry (a bad
rating's rectification and an upheld appeal's set-aside rating are recorded in it)."""

from __future__ import annotations

from servicehall.testing import Scenario

NOT_ACTIONS = {
    "servicehall.feedback.actions.rating_state": "what every rating entry records",
    "servicehall.feedback.actions.rectification_state": "what every rectification entry records",
    "servicehall.feedback.actions.notice_state": "what a rectification notice's entry records",
    "servicehall.feedback.actions.round_state": "what a follow-up call records of its round",
    "servicehall.feedback.actions.deadlines": "computes a rectification's deadline and warning",
}


def _visit(world):
    from servicehall.feedback.tests.factories import finished_visit

    return finished_visit(world)


def _bad(world):
    from servicehall.feedback.tests.factories import rectification

    return rectification(world)


def _contacted(world):
    from servicehall.feedback import actions

    return actions.record_contact(world.clerk, _bad(world), note="电话联系，客户说明情况")


def _classified(world):
    from servicehall.feedback import actions

    return actions.classify(
        world.clerk, _contacted(world), classification="fixed", findings="属实，态度生硬"
    )


def _appealed(world):
    from servicehall.feedback import actions

    return actions.appeal(world.clerk, _contacted(world), reason="客户误评")


def _measured(world):
    from servicehall.feedback import actions

    return actions.record_measures(world.clerk, _classified(world), measures="当面致歉")


def _perform(name):
    def perform(world, prepared):
        from servicehall.feedback import actions
        from servicehall.feedback.tests.factories import rate_visit

        if name == "submit_rating":
            return rate_visit(prepared, 1, reasons=["slow"])
        if name == "record_contact":
            return actions.record_contact(world.clerk, prepared, note="已电话联系")
        if name == "classify":
            return actions.classify(
                world.head, prepared, classification="needs_time", findings="属实"
            )
        if name == "appeal":
            return actions.appeal(world.clerk, prepared, reason="恶意差评")
        if name == "decide_appeal":
            return actions.decide_appeal(world.supervisor, prepared, upheld=True, note="查实误评")
        if name == "record_measures":
            return actions.record_measures(world.clerk, prepared, measures="加强培训")
        return actions.record_follow_up(world.clerk, prepared, satisfied=True, note="满意")

    return perform


def _status(status, **more):
    def changed(world, prepared, row):
        from servicehall.feedback.models import Rectification

        return Rectification.objects.filter(pk=row.pk, status=status, **more).exists()

    return changed


def _closed_with_its_round(world, prepared, row):
    from servicehall.feedback.models import RectificationRound

    return _status("closed", client_satisfied=True)(world, prepared, row) and (
        RectificationRound.objects.filter(
            rectification=row, round=1, measures="当面致歉", follow_up_note="满意"
        ).exists()
    )


def _rated(world, prepared, row):
    from servicehall.feedback.models import Rating, Rectification

    return (
        Rating.objects.filter(pk=row.pk, level=1, clerk=world.clerk).exists()
        and Rectification.objects.filter(rating=row, assignee=world.clerk).exists()
    )


def _set_aside(world, prepared, row):
    from servicehall.feedback.models import Rating

    return (
        _status("set_aside")(world, prepared, row)
        and Rating.objects.filter(pk=row.rating_id, status="set_aside").exists()
    )


P = "servicehall.feedback.actions."
SCENARIOS = {
    P + "submit_rating": Scenario(
        prepare=_visit,
        perform=_perform("submit_rating"),
        changed=_rated,
        event="feedback.rating_submitted",
    ),
    P + "record_contact": Scenario(
        prepare=_bad,
        perform=_perform("record_contact"),
        changed=_status("open", contacted_at__isnull=False),
        event="feedback.rectification_contacted",
    ),
    P + "classify": Scenario(
        prepare=_contacted,
        perform=_perform("classify"),
        changed=_status("open", classification="needs_time"),
        event="feedback.rectification_classified",
    ),
    P + "appeal": Scenario(
        prepare=_contacted,
        perform=_perform("appeal"),
        changed=_status("appealed", classification="mistaken"),
        event="feedback.rectification_appealed",
    ),
    P + "decide_appeal": Scenario(
        prepare=_appealed,
        perform=_perform("decide_appeal"),
        changed=_set_aside,
        event="feedback.appeal_decided",
    ),
    P + "record_measures": Scenario(
        prepare=_classified,
        perform=_perform("record_measures"),
        changed=_status("follow_up"),
        event="feedback.rectification_measures",
    ),
    P + "record_follow_up": Scenario(
        prepare=_measured,
        perform=_perform("record_follow_up"),
        changed=_closed_with_its_round,
        event="feedback.rectification_followed_up",
    ),
}
