"""Escalation (N-6.1, N-6.2): a complaint that names the unit's only head on duty as the
staff member concerned (a complainant may type the head's 工号) would be stuck — nobody in
the unit may accept or assign it. The supervisor of the department above then routes it:
assigns a handler of the unit who is not concerned, accepts, refuses or refers it, and
archives it once replied; the handler carries the other steps. The supervisor never sees
the complainant's identity, the staff member concerned never sees the complaint, and a
supervisor cannot step in while a head on duty who is not concerned exists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from servicehall.ledger.models import LedgerEntry
from servicehall.org.choices import Role
from servicehall.testing import log_in, make_user

from .. import access, actions
from ..choices import Finding, ReplyMethod, Step
from ..identity import mask_name, mask_phone
from ..models import Complaint
from ..sweep import sweep
from . import factories as f

pytestmark = pytest.mark.django_db

SECRETS = (f.NAME, mask_name(f.NAME), f.PHONE, mask_phone(f.PHONE), f.ID_NUMBER)


@pytest.fixture
def about_the_head(world, clock):
    """An online complaint naming zhang (A000), the office's only head on duty."""
    complaint, _code = f.online(world, staff_no="A000")
    assert complaint.staff_concerned == world.head
    return complaint


def page_of(complaint) -> str:
    return f"/complaints/staff/{complaint.number}/"


def post_step(client, complaint, name, **data):
    return client.post(
        f"{page_of(complaint)}{name}/", {f"{name}-{key}": value for key, value in data.items()}
    )


def refused(callable_, *args, error=PermissionDenied, **kwargs) -> None:
    """The action is refused and changes nothing (no ledger entry, same step and handler)."""
    complaint = args[1]
    entries = LedgerEntry.objects.count()
    before = f.fresh(complaint)
    with pytest.raises(error):
        callable_(*args, **kwargs)
    after = f.fresh(complaint)
    assert (after.step, after.handler_id, after.last_actor_id) == (
        before.step, before.handler_id, before.last_actor_id,
    )  # fmt: skip
    assert LedgerEntry.objects.count() == entries


def test_nobody_in_the_unit_can_accept_or_assign_a_complaint_about_its_only_head(
    world, about_the_head
):
    """The stuck case: the head is the staff member concerned, the clerks are no handlers."""
    complaint = about_the_head
    refused(actions.accept, world.head, complaint, handler=world.reviewer)
    refused(actions.assign, world.head, complaint, handler=world.reviewer)
    refused(actions.refuse, world.head, complaint, reason="不受理。")
    for clerk in (world.clerk, world.reviewer):
        refused(actions.accept, clerk, complaint)
        refused(actions.assign, clerk, complaint, handler=world.reviewer)
    assert access.is_escalated(complaint)
    assert not access.may_route(world.head, complaint)
    # So the supervisor of the department above routes it.
    assert access.may_route(world.supervisor, complaint)


def test_the_supervisor_above_assigns_and_the_handler_completes_it(
    en_client, world, about_the_head
):
    complaint = about_the_head
    log_in(en_client, world.supervisor)
    page = en_client.get(page_of(complaint)).content.decode()
    assert 'data-testid="stepping-in"' in page and 'data-testid="read-only"' not in page
    assert 'data-testid="form-assign"' in page and 'data-testid="form-refuse"' in page
    assert 'data-testid="form-refer"' in page
    # No accept before a handler is assigned: the supervisor does not investigate.
    assert 'data-testid="form-accept"' not in page
    for secret in SECRETS:
        assert secret not in page
    # The handler offered: the unit's staff, the head concerned left out.
    assert f'value="{world.reviewer.pk}"' in page and f'value="{world.head.pk}"' not in page

    assert post_step(en_client, complaint, "assign", handler=world.reviewer.pk).status_code == 302
    complaint = f.fresh(complaint)
    assert complaint.handler == world.reviewer and complaint.last_actor == world.supervisor
    entry = LedgerEntry.objects.filter(event_type="complaints.assigned").get()
    assert entry.actor == world.supervisor and entry.unit_id == world.office.pk
    page = en_client.get(page_of(complaint)).content.decode()
    assert 'data-testid="form-accept"' in page and 'data-testid="form-investigate"' not in page
    assert en_client.post(f"{page_of(complaint)}identity/").status_code == 404

    # The handler carries it as usual, with the identity (masked) before them.
    en_client.logout()
    log_in(en_client, world.reviewer)
    page = en_client.get(page_of(complaint)).content.decode()
    assert mask_name(f.NAME) in page and 'data-testid="stepping-in"' not in page
    assert post_step(en_client, complaint, "accept").status_code == 302
    response = post_step(
        en_client, complaint, "investigate", finding=Finding.UNSUBSTANTIATED,
        findings="监控显示该负责人当时不在大厅。", clause=f.clause("D-05").pk,
        staff_concerned=world.head.pk,
    )  # fmt: skip
    assert response.status_code == 302
    assert (
        post_step(en_client, complaint, "handle", measures="向投诉人说明情况。").status_code == 302
    )
    response = post_step(
        en_client, complaint, "reply", method=ReplyMethod.PHONE, text="经查不属实。"
    )
    assert response.status_code == 302
    assert f.fresh(complaint).step == Step.REPLIED
    assert 'data-testid="form-archive"' not in en_client.get(page_of(complaint)).content.decode()

    # Archiving is the head's: here the supervisor's in the head's place.
    en_client.logout()
    log_in(en_client, world.supervisor)
    assert post_step(en_client, complaint, "archive").status_code == 302
    complaint = f.fresh(complaint)
    assert complaint.step == Step.ARCHIVED and complaint.last_actor == world.supervisor
    # The head concerned saw nothing of it, from start to end.
    en_client.logout()
    log_in(en_client, world.head)
    assert en_client.get(page_of(complaint)).status_code == 404
    assert complaint.number not in en_client.get("/complaints/staff/").content.decode()


def test_the_supervisor_above_accepts_naming_the_handler(world, about_the_head):
    complaint = about_the_head
    # Accepting without a handler would leave nobody to investigate: refused.
    refused(actions.accept, world.supervisor, about_the_head, error=actions.ComplaintError)
    complaint = actions.accept(world.supervisor, complaint, handler=world.reviewer)
    assert complaint.step == Step.INVESTIGATING and complaint.handler == world.reviewer
    # The supervisor routes; they do not investigate.
    refused(
        actions.investigate, world.supervisor, complaint, finding=Finding.UNSUBSTANTIATED,
        findings="x",
    )  # fmt: skip
    complaint = actions.investigate(
        world.reviewer, complaint, finding=Finding.UNSUBSTANTIATED, findings="不属实。"
    )
    assert complaint.step == Step.HANDLING


def test_the_supervisor_above_cannot_make_the_head_concerned_the_handler(world, about_the_head):
    refused(
        actions.assign, world.supervisor, about_the_head, handler=world.head,
        error=actions.ComplaintError,
    )  # fmt: skip


@pytest.mark.parametrize("how", ["refuse", "refer"])
def test_the_supervisor_above_refuses_or_refers_it(world, about_the_head, how):
    if how == "refuse":
        complaint = actions.refuse(world.supervisor, about_the_head, reason="不属于本单位职责。")
        assert complaint.step == Step.NOT_ACCEPTED
    else:
        complaint = actions.refer(
            world.supervisor, about_the_head, reason="属医保业务。", to_name="市医疗保障局"
        )
        assert complaint.step == Step.REFERRED
    assert complaint.last_actor == world.supervisor


def test_a_unit_with_no_head_on_duty_escalates_too(world, clock):
    world.head.is_active = False
    world.head.save(update_fields=["is_active"])
    complaint, _code = f.online(world)  # about wang, a clerk
    assert access.is_escalated(complaint)
    complaint = actions.assign(world.supervisor, complaint, handler=world.reviewer)
    assert actions.accept(world.reviewer, complaint).step == Step.INVESTIGATING


def test_a_supervisor_cannot_step_in_while_a_head_who_is_not_concerned_exists(
    en_client, world, about_the_head
):
    he = make_user("he", Role.HEAD_ON_DUTY, world.office, "A009")
    complaint = about_the_head
    assert not access.is_escalated(complaint)
    refused(actions.assign, world.supervisor, complaint, handler=world.reviewer)
    refused(actions.accept, world.supervisor, complaint, handler=world.reviewer)
    refused(actions.refuse, world.supervisor, complaint, reason="不受理。")
    refused(actions.refer, world.supervisor, complaint, reason="转办。", to_name="市医保局")
    log_in(en_client, world.supervisor)
    page = en_client.get(page_of(complaint)).content.decode()
    assert 'data-testid="read-only"' in page and 'data-testid="form-' not in page
    assert 'data-testid="stepping-in"' not in page
    assert post_step(en_client, complaint, "assign", handler=world.reviewer.pk).status_code == 403
    assert (
        f"escalated-{complaint.number}" not in en_client.get("/complaints/staff/").content.decode()
    )
    # The other head routes it.
    assert actions.assign(he, complaint, handler=world.reviewer).handler == world.reviewer


def test_once_replied_a_head_named_concerned_by_the_finding_leaves_archiving_to_the_supervisor(
    world, clock
):
    """The finding may name the head who assigned it as the staff member concerned; from then
    on they neither see nor archive it, and the supervisor above archives it."""
    complaint = f.accepted(world)  # the head zhang gave it to li
    complaint = actions.investigate(
        world.reviewer, complaint, finding=Finding.UNSUBSTANTIATED, findings="系负责人所为。",
        staff_concerned=world.head,
    )  # fmt: skip
    complaint = actions.handle(world.reviewer, complaint, measures="说明。")
    complaint = actions.reply(world.reviewer, complaint, text="已答复。", method=ReplyMethod.PHONE)
    refused(actions.archive, world.head, complaint)
    assert actions.archive(world.supervisor, complaint).step == Step.ARCHIVED


def test_only_a_supervisor_of_a_department_above_steps_in(world, about_the_head):
    elsewhere = make_user("qin", Role.SUPERVISOR, world.other_city)
    refused(actions.assign, elsewhere, about_the_head, handler=world.reviewer)
    in_the_office = make_user("zhou", Role.SUPERVISOR, world.office)
    refused(actions.assign, in_the_office, about_the_head, handler=world.reviewer)
    above_the_city = make_user("qian", Role.SUPERVISOR, world.province)
    assert actions.assign(above_the_city, about_the_head, handler=world.reviewer).handler_id


def test_the_supervisors_list_marks_the_complaints_theirs_to_route(
    en_client, world, about_the_head
):
    ordinary, _code = f.online(world)  # about wang: the head handles it
    nobody, _code = f.online(world, staff_no="")  # nobody named
    log_in(en_client, world.supervisor)
    page = en_client.get("/complaints/staff/").content.decode()
    assert f'data-testid="escalated-{about_the_head.number}"' in page
    assert f'data-testid="escalated-{ordinary.number}"' not in page
    assert f'data-testid="escalated-{nobody.number}"' not in page
    marked = set(
        access.with_escalated(Complaint.objects.all())
        .filter(escalated=True)
        .values_list("pk", flat=True)
    )
    assert marked == {about_the_head.pk}
    assert [access.is_escalated(c) for c in (about_the_head, ordinary, nobody)] == [
        True, False, False,
    ]  # fmt: skip


def test_the_supervisor_stepping_in_sees_the_deadline_warnings(
    en_client, world, about_the_head, clock
):
    """Routing it, they need to know it is late (N-6.1); the read-only view shows none."""
    clock.move_to(f.local(f.DAY, 10) + dt.timedelta(days=3))
    assert sweep()
    log_in(en_client, world.supervisor)
    page = en_client.get(page_of(about_the_head)).content.decode()
    assert 'id="warnings-title"' in page and 'data-testid="overdue"' in page
    make_user("he", Role.HEAD_ON_DUTY, world.office, "A009")  # no longer theirs to route
    assert 'id="warnings-title"' not in en_client.get(page_of(about_the_head)).content.decode()
