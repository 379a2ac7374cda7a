"""A complaint referred (转办) to another unit of the system reaches that unit: its heads on
duty see it, content and reason only, until one of them takes it (``take_referral``); it is
then a complaint of their unit, channel "referral", with its own number and deadlines, the
identity re-encrypted under its own reference, one entry in that unit's chain. Taken once,
only while referred there, never by the staff member it names; when every head on duty
there is named (or there is none), the supervisor above takes it. The complainant follows it
on the referred complaint's tracking page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import verify_all
from servicehall.org.choices import Role
from servicehall.testing import log_in, make_user

from .. import access, actions
from ..actions import ComplaintError
from ..choices import Channel, Finding, ReplyMethod, Step
from ..deadlines import step_deadline
from ..identity import mask_name, mask_phone
from ..models import Complaint
from . import factories as f

pytestmark = pytest.mark.django_db

REASON = "所述窗口属乙市社保中心，转该单位处理。"
SECRETS = (f.NAME, mask_name(f.NAME), f.PHONE, mask_phone(f.PHONE), f.ID_NUMBER)
LIST = "/complaints/staff/"


def take_url(origin) -> str:
    return f"/complaints/staff/referred/{origin.number}/take/"


@pytest.fixture
def receiving_head(world):
    """zhou (B000), head on duty of the other city's office, the unit referred to."""
    return make_user("zhou", Role.HEAD_ON_DUTY, world.other_office, "B000")


def referred_from_office(world, to_unit=None, **extra) -> Complaint:
    """A named online complaint to the office, referred by its head to the other office."""
    complaint, _code = f.online(world, **extra)
    return actions.refer(
        world.head, complaint, reason=REASON, to_unit=to_unit or world.other_office
    )


@pytest.fixture
def origin(world, clock, receiving_head):
    return referred_from_office(world)


def refused(actor, origin, error) -> None:
    """Refused, and nothing changed: no complaint, no entry, the origin as it was."""
    complaints, entries = Complaint.objects.count(), LedgerEntry.objects.count()
    before = f.fresh(origin)
    with pytest.raises(error):
        actions.take_referral(actor, origin)
    assert Complaint.objects.count() == complaints
    assert LedgerEntry.objects.count() == entries
    after = f.fresh(origin)
    assert (after.step, after.last_actor_id) == (before.step, before.last_actor_id)


# --- the action ---------------------------------------------------------------------------------


def test_a_head_of_the_unit_referred_to_takes_it_as_a_complaint_of_the_unit(
    world, origin, receiving_head
):
    actions.set_limits(
        make_user("bai", Role.UNIT_ADMIN, world.other_office), world.other_office, accept_days=3
    )
    entries = LedgerEntry.objects.count()

    taken = actions.take_referral(receiving_head, origin)

    taken = f.fresh(taken)
    assert taken.unit == world.other_office and taken.channel == Channel.REFERRAL
    assert taken.referred_from == origin and f.fresh(origin).taken_as == taken
    assert (taken.kind, taken.content, taken.clause) == (origin.kind, origin.content, origin.clause)
    assert taken.number.startswith("TS-O2-2026-") and taken.number != origin.number
    assert taken.step == Step.RECEIVED and taken.received_by == receiving_head
    due = step_deadline(world.other_office, Step.RECEIVED, taken.received_at)
    assert (taken.step_due_at, taken.step_warn_at) == (due.due_at, due.warn_at)
    assert taken.step_due_at != step_deadline(world.office, Step.RECEIVED, taken.received_at).due_at
    # The identity is the same, encrypted under the new complaint's own reference.
    assert taken.identity() == origin.identity() == {
        "name": f.NAME, "phone": f.PHONE, "id_number": f.ID_NUMBER,
    }  # fmt: skip
    assert taken.ref != origin.ref and taken.name_token != origin.name_token
    assert taken.phone_token != origin.phone_token and taken.id_token != origin.id_token
    # wang (A001) is of the referring office, not concerned here; nobody has a tracking code.
    assert taken.staff_concerned is None and taken.staff_no_given == "A001"
    assert taken.code_hash == "" and not taken.matches_code("anything")
    # One entry, in the taking unit's chain; the origin is not changed.
    assert LedgerEntry.objects.count() == entries + 1
    entry = LedgerEntry.objects.latest("pk")
    assert entry.unit == world.other_office and entry.event_type == "complaints.referral_taken"
    assert (entry.subject_type, entry.subject_id) == ("complaints.complaint", str(taken.pk))
    assert entry.actor == receiving_head
    payload = json.loads(entry.payload)
    assert payload["origin"] == origin.number and payload["state"]["referred_from"] == origin.pk
    assert payload["state"]["channel"] == Channel.REFERRAL
    for secret in SECRETS + (origin.content,):
        assert secret not in entry.payload
    assert f.fresh(origin).step == Step.REFERRED and f.fresh(origin).last_actor == world.head
    assert verify_all()[0] == []


def test_the_taken_complaint_goes_through_the_flow_of_its_unit(world, origin, receiving_head):
    taken = actions.take_referral(receiving_head, origin)
    handler = make_user("qin", Role.CLERK, world.other_office, "B002")
    taken = actions.accept(receiving_head, taken, handler=handler)
    taken = actions.investigate(
        handler, taken, finding=Finding.UNSUBSTANTIATED, findings="经查不属实。"
    )
    taken = actions.handle(handler, taken, measures="已向当事人说明。")
    # Reachable through the origin's tracking page: a reply is owed.
    assert taken.reply_needed
    with pytest.raises(ComplaintError):
        actions.reply(handler, taken, text="", method=ReplyMethod.NONE)
    actions.reply(handler, taken, text="已核实。", method=ReplyMethod.ONLINE)
    assert f.fresh(taken).step == Step.REPLIED


def test_a_head_of_another_unit_does_not_take_it(world, origin):
    refused(world.head, origin, PermissionDenied)  # the referring unit's own head
    stranger = make_user("he", Role.HEAD_ON_DUTY, world.city)
    refused(stranger, origin, PermissionDenied)


def test_only_a_head_on_duty_of_the_unit_takes_it(world, origin):
    refused(world.outsider, origin, PermissionDenied)  # a clerk of the unit referred to
    refused(make_user("bai", Role.UNIT_ADMIN, world.other_office), origin, PermissionDenied)
    refused(world.supervisor, origin, PermissionDenied)  # not above the other office
    above = make_user("qian", Role.SUPERVISOR, world.other_city)
    refused(above, origin, PermissionDenied)  # the unit has a head on duty who may


def test_a_complaint_referred_to_another_unit_is_not_taken_here(world, clock, receiving_head):
    to_city = referred_from_office(world, to_unit=world.city)
    refused(receiving_head, to_city, PermissionDenied)


def test_only_a_complaint_referred_to_a_unit_of_the_system_is_taken(world, clock, receiving_head):
    complaint, _code = f.online(world)
    refused(receiving_head, complaint, ComplaintError)  # not referred at all
    outside = actions.refer(world.head, f.online(world)[0], reason=REASON, to_name="市医保局")
    refused(receiving_head, outside, ComplaintError)  # referred by name, outside the system


def test_it_is_taken_once(world, origin, receiving_head):
    taken = actions.take_referral(receiving_head, origin)
    second = make_user("zheng", Role.HEAD_ON_DUTY, world.other_office, "B009")
    refused(second, origin, ComplaintError)
    refused(receiving_head, origin, ComplaintError)
    assert list(Complaint.objects.filter(referred_from=origin)) == [taken]


def test_the_database_refuses_a_second_complaint_from_the_same_referral(
    world, origin, receiving_head
):
    taken = actions.take_referral(receiving_head, origin)
    copy = Complaint(
        unit=world.other_office, number="TS-O2-2026-999999", channel=Channel.REFERRAL,
        kind=taken.kind, content=taken.content, received_at=taken.received_at,
        referred_from=origin,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save(force_insert=True)


def test_a_referral_channel_needs_its_origin(world, clock):
    row = Complaint(
        unit=world.office, number="TS-O1-2026-999999", channel=Channel.REFERRAL, kind="complaint",
        content="x", received_at=f.local(f.DAY, 10),
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save(force_insert=True)


def test_the_staff_member_it_names_there_does_not_take_it_another_head_does(
    world, clock, receiving_head
):
    """The complainant gave B000, zhou's 工号: unknown to the office, known where it went."""
    origin = referred_from_office(world, staff_no="B000")
    assert origin.staff_concerned is None and origin.staff_no_given == "B000"
    refused(receiving_head, origin, PermissionDenied)
    assert not access.referrals_waiting(receiving_head).exists()
    other = make_user("zheng", Role.HEAD_ON_DUTY, world.other_office, "B009")
    assert list(access.referrals_waiting(other)) == [origin]
    taken = actions.take_referral(other, origin)
    assert taken.staff_concerned == receiving_head
    assert not access.is_handler(receiving_head, taken)


def test_the_staff_member_concerned_moved_there_does_not_take_it(world, clock, receiving_head):
    origin = referred_from_office(world, staff_no="A001")  # about wang
    world.clerk.unit, world.clerk.role, world.clerk.staff_no = (
        world.other_office, Role.HEAD_ON_DUTY, "A001",
    )  # fmt: skip
    world.clerk.save()
    refused(world.clerk, origin, PermissionDenied)
    assert actions.take_referral(receiving_head, origin).staff_concerned == world.clerk


def test_when_every_head_there_is_named_the_supervisor_above_takes_it(
    client, world, clock, receiving_head
):
    origin = referred_from_office(world, staff_no="B000")
    above = make_user("qian", Role.SUPERVISOR, world.other_city)
    assert list(access.referrals_waiting(above)) == [origin]
    assert access.routing_count(above) == 1
    assert access.may_take(above, origin) and not access.may_take(world.supervisor, origin)
    log_in(client, above)
    listing = client.get(LIST).content.decode()
    assert f'data-testid="referral-{origin.number}"' in listing
    assert 'data-testid="routing-count"' not in listing  # the routing count is of complaints
    response = client.post(take_url(origin))
    taken = Complaint.objects.get(referred_from=origin)
    assert response.status_code == 302 and response["Location"].endswith(f"/{taken.number}/")
    assert taken.received_by == above and access.is_escalated(taken)
    assert access.routing_count(above) == 1  # now to be accepted and given a handler
    page = client.get(response["Location"]).content.decode()
    for secret in SECRETS:
        assert secret not in page


def test_the_ledger_finds_a_taken_complaint_changed_behind_its_back(world, origin, receiving_head):
    taken = actions.take_referral(receiving_head, origin)
    assert verify_all()[0] == []
    other = referred_from_office(world)
    Complaint.objects.filter(pk=taken.pk).update(referred_from=other)
    problems, _summary = verify_all()
    assert [problem.kind for problem in problems] == ["row changed behind the ledger"]


def test_the_ledger_finds_the_copied_content_changed(world, origin, receiving_head):
    taken = actions.take_referral(receiving_head, origin)
    Complaint.objects.filter(pk=taken.pk).update(content="改过的内容")
    problems, _summary = verify_all()
    assert [problem.kind for problem in problems] == ["row changed behind the ledger"]


# --- the staff pages ----------------------------------------------------------------------------


def test_the_receiving_heads_list_shows_the_referral_without_the_identity(
    en_client, world, origin, receiving_head
):
    log_in(en_client, receiving_head)
    page = en_client.get(LIST).content.decode()
    assert f'data-testid="referral-{origin.number}"' in page
    assert origin.content in page and REASON in page and world.office.name in page
    assert 'data-testid="referral-count">1<' in page
    for secret in SECRETS:
        assert secret not in page


@pytest.mark.parametrize(
    "persona", ["clerk", "reviewer", "head", "supervisor", "outsider", "unit_admin"]
)
def test_nobody_else_sees_the_referral_or_takes_it(client, world, origin, persona):
    user = getattr(world, persona)
    log_in(client, user)
    listing = client.get(LIST)
    assert f"referral-{origin.number}" not in listing.content.decode()
    entries = LedgerEntry.objects.count()
    assert client.post(take_url(origin)).status_code == 404
    assert LedgerEntry.objects.count() == entries
    assert not Complaint.objects.filter(referred_from=origin).exists()


def test_a_supervisor_above_the_unit_gets_403_while_a_head_there_may_take_it(client, world, origin):
    above = make_user("qian", Role.SUPERVISOR, world.other_city)
    log_in(client, above)
    assert f"referral-{origin.number}" not in client.get(LIST).content.decode()
    assert client.post(take_url(origin)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_and_get_is_refused(client, origin, receiving_head):
    response = client.post(take_url(origin))
    assert response.status_code == 302 and "/login" in response["Location"]
    log_in(client, receiving_head)
    assert client.get(take_url(origin)).status_code == 405
    assert client.post("/complaints/staff/referred/TS-NOPE/take/").status_code == 404


def test_taking_it_opens_the_new_complaint_and_a_second_try_says_it_is_taken(
    en_client, world, origin, receiving_head
):
    log_in(en_client, receiving_head)
    response = en_client.post(take_url(origin))
    taken = Complaint.objects.get(referred_from=origin)
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/staff/{taken.number}/"
    page = en_client.get(response["Location"]).content.decode()
    assert 'data-testid="referred-from"' in page and origin.number in page
    assert REASON in page and origin.content in page
    assert mask_name(f.NAME) in page and f.NAME not in page  # the handlers' masked view
    assert 'data-testid="form-accept"' in page
    # Gone from the list; a second post changes nothing and says why.
    assert f"referral-{origin.number}" not in en_client.get(LIST).content.decode()
    entries = LedgerEntry.objects.count()
    again = en_client.post(take_url(origin), follow=True)
    assert "This referral has been taken already." in again.content.decode()
    assert LedgerEntry.objects.count() == entries and Complaint.objects.count() == 2


def test_the_referring_unit_sees_where_it_went(en_client, world, origin, receiving_head):
    log_in(en_client, world.head)
    page = en_client.get(f"/complaints/staff/{origin.number}/").content.decode()
    assert "Not yet taken by the unit it is referred to" in page
    taken = actions.take_referral(receiving_head, origin)
    page = en_client.get(f"/complaints/staff/{origin.number}/").content.decode()
    assert taken.number in page and "Waiting for acceptance" in page
    # ... but not the new complaint itself: it is the other unit's.
    assert en_client.get(f"/complaints/staff/{taken.number}/").status_code == 404


# --- the complainant's tracking page --------------------------------------------------------------


def test_the_tracking_page_says_where_it_went_and_how_it_stands_there(
    en_client, world, clock, receiving_head
):
    complaint, code = f.online(world)
    origin = actions.refer(world.head, complaint, reason=REASON, to_unit=world.other_office)

    def track() -> str:
        response = en_client.post("/complaints/track/", {"number": origin.number, "code": code})
        assert response.status_code == 200
        return response.content.decode()

    page = track()
    assert world.other_office.name in page and "Waiting for that unit to take it" in page
    taken = actions.take_referral(receiving_head, origin)
    page = track()
    assert f'data-testid="taken">{taken.number}' in page
    assert 'data-testid="taken-step">Waiting for acceptance<' in page
    handler = make_user("qin", Role.CLERK, world.other_office, "B002")
    clock.move_to(f.local(f.DAY + dt.timedelta(days=1), 10))
    taken = actions.accept(receiving_head, taken, handler=handler)
    taken = actions.investigate(handler, taken, finding=Finding.UNSUBSTANTIATED, findings="无。")
    taken = actions.handle(handler, taken, measures="已说明。")
    actions.reply(handler, taken, text="已转本单位核实处理。", method=ReplyMethod.ONLINE)
    page = track()
    assert 'data-testid="taken-step">Replied, waiting to be archived<' in page
    assert "已转本单位核实处理。" in page
    for secret in (*SECRETS, receiving_head.full_name, handler.full_name, "B002"):
        assert secret not in page


# --- escalation: the supervisor's list ---------------------------------------------------------


def test_the_supervisor_sees_what_waits_for_them_first_marked_and_counted(en_client, world, clock):
    ordinary, _code = f.online(world)  # due first, a head on duty handles it
    clock.move_to(f.local(f.DAY + dt.timedelta(days=2), 10))
    about_head, _code = f.online(world, staff_no="A000")  # escalated, due later
    log_in(en_client, world.supervisor)
    page = en_client.get(LIST).content.decode()
    assert page.index(f"row-{about_head.number}") < page.index(f"row-{ordinary.number}")
    assert f'data-testid="waiting-{about_head.number}"' in page
    assert f'data-testid="waiting-{ordinary.number}"' not in page
    assert "Waiting for you to route: 1" in page
    assert access.routing_count(world.supervisor) == 1
    # Given a handler and accepted, it is the handler's to carry: no longer waiting.
    actions.accept(world.supervisor, about_head, handler=world.reviewer)
    page = en_client.get(LIST).content.decode()
    assert 'data-testid="routing-count"' not in page
    assert f'data-testid="waiting-{about_head.number}"' not in page
    assert f'data-testid="escalated-{about_head.number}"' in page
    assert access.routing_count(world.supervisor) == 0
    # Replied, it waits for them again, to be archived.
    complaint = actions.investigate(
        world.reviewer, f.fresh(about_head), finding=Finding.UNSUBSTANTIATED, findings="不属实。"
    )
    complaint = actions.handle(world.reviewer, complaint, measures="已说明。")
    actions.reply(world.reviewer, complaint, text="经查不属实。", method=ReplyMethod.ONLINE)
    assert access.routing_count(world.supervisor) == 1
    assert f'data-testid="waiting-{about_head.number}"' in en_client.get(LIST).content.decode()


def test_the_routing_count_is_the_supervisors_only(world, clock):
    f.online(world, staff_no="A000")
    assert access.routing_count(world.supervisor) == 1
    for persona in ("head", "clerk", "outsider", "social_supervisor", "system_admin"):
        assert access.routing_count(getattr(world, persona)) == 0


def test_the_staff_home_counts_what_waits_for_the_head_and_the_supervisor(
    en_client, world, origin, receiving_head
):
    log_in(en_client, receiving_head)
    page = en_client.get("/staff/").content.decode()
    assert 'data-testid="referrals-waiting"' in page
    assert "Referred to this unit, waiting to be taken: 1" in page
    actions.take_referral(receiving_head, origin)
    assert 'data-testid="referrals-waiting"' not in en_client.get("/staff/").content.decode()

    f.online(world, staff_no="A000")  # about the office's only head: the supervisor routes it
    log_in(en_client, world.supervisor)
    page = en_client.get("/staff/").content.decode()
    assert "Waiting for you to route: 1" in page
    log_in(en_client, world.head)
    assert "Waiting for you to route" not in en_client.get("/staff/").content.decode()
