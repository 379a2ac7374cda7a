"""The cases' actions for the invariant test: each writes exactly one ledger entry, the
one-time notice of a correction included (the case's entry records it)."""

from __future__ import annotations

from servicehall.testing import Scenario

NOT_ACTIONS = {
    "servicehall.cases.actions.case_state": "what every case entry records of the case",
    "servicehall.cases.actions.escalation_state": "what every escalation entry records",
    "servicehall.cases.actions.card_state": "what a deadline card's entry records",
}


def _desk(world):
    from servicehall.cases.tests.factories import make_desk

    return make_desk(world)


def _prepare(step):
    """A desk and, after ``step``, the case the action works on."""

    def prepare(world):
        from servicehall.cases import actions
        from servicehall.cases.tests import factories

        desk = _desk(world)
        if step == "new":
            return desk, None
        if step == "submitted":
            return desk, factories.submitted(desk)
        if step == "correction":
            return desk, factories.in_correction(desk)
        if step == "accepted":
            return desk, factories.accept(desk)
        if step == "reviewed_once":
            return desk, factories.reviewed_once(desk)
        if step == "reviewed_twice":
            return desk, factories.reviewed_twice(desk)
        case = factories.accept(desk)
        return desk, actions.escalate(desk.trainee, case=case, reason="审核岗外出")

    return prepare


def _perform(name):
    def perform(world, prepared):
        from servicehall.cases import actions
        from servicehall.cases.choices import Stage
        from servicehall.cases.tests.factories import accept, in_correction, person, submitted

        desk, subject = prepared
        if name == "submit_online":
            return submitted(desk)
        if name == "accept":
            return accept(desk)
        if name == "request_correction":
            return in_correction(desk)
        if name == "refuse_acceptance":
            return actions.refuse_acceptance(
                desk.clerk, rule="《失业保险条例》第十四条", explanation="参保不满一年",
                version=desk.benefit, applicant=person(), channel="online",
            )  # fmt: skip
        if name == "resume":
            return actions.resume(desk.clerk, subject, received=desk.materials()[1:])
        if name == "first_review":
            return actions.first_review(desk.reviewer, subject)
        if name == "second_review":
            return actions.second_review(desk.checker, subject)
        if name == "send_back":
            return actions.send_back(
                desk.reviewer, subject, to_stage=Stage.FIRST_REVIEW, reason="重新核对"
            )
        if name == "complete":
            return actions.complete(desk.reviewer, subject, approved=True)
        if name == "escalate":
            return actions.escalate(desk.trainee, case=subject, reason="审核岗外出")
        if name == "decide_escalation":
            return actions.decide_escalation(desk.head, subject, approve=True, reason="同意")
        return actions.hand_over(desk.clerk, subject, to=desk.trainee, reason="调岗")

    return perform


def _stage_is(stage):
    def changed(world, prepared, case):
        from servicehall.cases.models import Case

        return Case.objects.filter(pk=case.pk, stage=stage).exists()

    return changed


def _scenario(name, step, event, changed):
    return Scenario(prepare=_prepare(step), perform=_perform(name), changed=changed, event=event)


def _owner_is_trainee(world, prepared, case):
    desk, _case = prepared
    return case.__class__.objects.filter(pk=case.pk, owner=desk.trainee).exists()


def _approved(world, prepared, row):
    return row.__class__.objects.filter(pk=row.pk, status="approved").exists()


def _requested(world, prepared, row):
    return row.__class__.objects.filter(pk=row.pk, status="requested").exists()


def _submitted_online(world, prepared, case):
    """Waiting for acceptance at the office, with no staff member, by the portal."""
    from servicehall.cases.models import Case

    return Case.objects.filter(
        pk=case.pk, unit=world.office, stage="submitted", owner=None, handler=None,
        channel="online", accept_due_at__isnull=False,
    ).exists()  # fmt: skip


_A = "servicehall.cases.actions."
SCENARIOS = {
    _A + "submit_online": _scenario(
        "submit_online", "new", "cases.submitted_online", _submitted_online
    ),
    _A + "accept": _scenario("accept", "new", "cases.accepted", _stage_is("first_review")),
    _A + "request_correction": _scenario(
        "request_correction", "new", "cases.correction_requested", _stage_is("correction")
    ),
    _A + "refuse_acceptance": _scenario(
        "refuse_acceptance", "new", "cases.acceptance_refused", _stage_is("not_accepted")
    ),
    _A + "resume": _scenario("resume", "correction", "cases.resumed", _stage_is("first_review")),
    _A + "first_review": _scenario(
        "first_review", "accepted", "cases.first_reviewed", _stage_is("second_review")
    ),
    _A + "second_review": _scenario(
        "second_review", "reviewed_once", "cases.second_reviewed", _stage_is("completion")
    ),
    _A + "send_back": _scenario(
        "send_back", "reviewed_twice", "cases.sent_back", _stage_is("first_review")
    ),
    _A + "complete": _scenario(
        "complete", "reviewed_twice", "cases.completed", _stage_is("approved")
    ),
    _A + "escalate": _scenario("escalate", "accepted", "cases.escalated", _requested),
    _A + "decide_escalation": _scenario(
        "decide_escalation", "escalated", "cases.escalation_decided", _approved
    ),
    _A + "hand_over": _scenario("hand_over", "accepted", "cases.handed_over", _owner_is_trainee),
}
