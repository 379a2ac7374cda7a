"""The catalogue's actions for the invariant test: each writes exactly one ledger entry."""

from servicehall.catalogue.models import Consultation, OneTimeNotice, ServiceItemVersion
from servicehall.testing import Scenario

NOT_ACTIONS = {
    "servicehall.catalogue.actions.consultation_state": "the consultation's reconciler state",
    "servicehall.catalogue.actions.notice_state": "the one-time notice's reconciler state",
}


def _published(world):
    from servicehall.catalogue.models import Category
    from servicehall.catalogue.tests.conftest import make_item

    category = Category.objects.create(code="T", name="测试", order=1)
    return make_item(world.office, world.unit_admin, "T-1", "失业保险金申领", category)


def _draft(world):
    from servicehall.catalogue.actions import new_draft

    return new_draft(world.unit_admin, _published(world).item)


def _perform(name):
    def perform(world, version):
        from servicehall.catalogue import actions

        if name == "new_draft":
            return actions.new_draft(world.unit_admin, version.item)
        if name == "publish":
            return actions.publish(world.unit_admin, version)
        if name == "record_consultation":
            return actions.record_consultation(
                world.clerk, version=version, channel="onsite", client_type="unemployed",
                eligibility="eligible",
            )  # fmt: skip
        return actions.issue_one_time_notice(
            world.clerk, version=version, missing=list(version.materials.all()),
            return_place="一楼",
        )  # fmt: skip

    return perform


SCENARIOS = {
    "servicehall.catalogue.actions.new_draft": Scenario(
        prepare=_published,
        perform=_perform("new_draft"),
        changed=lambda world, old, draft: ServiceItemVersion.objects.filter(
            pk=draft.pk, status="draft", number=old.number + 1
        ).exists(),
        event="catalogue.version_drafted",
    ),
    "servicehall.catalogue.actions.publish": Scenario(
        prepare=_draft,
        perform=_perform("publish"),
        changed=lambda world, draft, _r: ServiceItemVersion.objects.filter(
            pk=draft.pk, status="published", item__current=draft.pk
        ).exists(),
        event="catalogue.version_published",
    ),
    "servicehall.catalogue.actions.record_consultation": Scenario(
        prepare=_published,
        perform=_perform("record_consultation"),
        changed=lambda world, v, row: Consultation.objects.filter(pk=row.pk, version=v).exists(),
        event="catalogue.consultation_recorded",
    ),
    "servicehall.catalogue.actions.issue_one_time_notice": Scenario(
        prepare=_published,
        perform=_perform("issue_one_time_notice"),
        changed=lambda world, v, row: OneTimeNotice.objects.filter(pk=row.pk, version=v).exists(),
        event="catalogue.one_time_notice_issued",
    ),
}
