"""The complaints admin (N-6.1): complaints read only, listed by unit, step, channel, kind
and deadline; a unit administrator sees only their own unit's; nothing of the complainant
but named or anonymous, nor the free texts, anywhere in the admin (D-10); the unit
administrator sets the step limits through ``actions.set_limits`` (one ledger entry)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from servicehall.ledger.models import LedgerEntry
from servicehall.org.choices import Role
from servicehall.testing import log_in, make_user

from ..identity import mask_name, mask_phone
from ..models import Complaint, ComplaintSettings
from . import factories as f

pytestmark = pytest.mark.django_db

LIST = "admin:complaints_complaint_changelist"
LIMITS = "admin:complaints_complaintsettings_changelist"
ADD_LIMITS = "admin:complaints_complaintsettings_add"
CONTENT = "窗口工作人员服务时一直看手机。"
SECRETS = (f.NAME, mask_name(f.NAME), f.PHONE, mask_phone(f.PHONE), f.ID_NUMBER, CONTENT)


def change(complaint: Complaint) -> str:
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


@pytest.fixture
def complaints(world, clock):
    """A named and an anonymous complaint about the office, a named one about the other
    office."""
    named, _code = f.online(world)
    anonymous, _code = f.online(world, anonymous=True, phone="")
    other, _code = f.online(world, unit=world.other_office, staff_no="B001")
    return named, anonymous, other


def _page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_unit_administrator_lists_only_their_units_complaints(en_client, world, complaints):
    named, anonymous, other = complaints
    log_in(en_client, world.unit_admin)

    text = _page(en_client, reverse(LIST))

    assert named.number in text and anonymous.number in text
    assert other.number not in text and world.other_office.name not in text
    assert "Named" in text and "Anonymous" in text
    for secret in SECRETS:
        assert secret not in text
    assert en_client.get(change(other)).status_code == 302  # not among theirs: back to index


def test_the_system_administrator_lists_every_unit(en_client, world, complaints):
    log_in(en_client, world.system_admin)
    text = _page(en_client, reverse(LIST))
    assert all(complaint.number in text for complaint in complaints)
    filtered = _page(en_client, reverse(LIST), unit__id__exact=world.other_office.pk)
    assert complaints[2].number in filtered and complaints[0].number not in filtered


def test_a_complaints_page_shows_the_record_without_the_identity(en_client, world, complaints):
    named, _anonymous, _other = complaints
    log_in(en_client, world.unit_admin)

    text = _page(en_client, change(named))

    assert named.number in text and "Named" in text and "D-05" in text
    for secret in SECRETS:
        assert secret not in text
    assert "<textarea" not in text and 'name="content"' not in text  # nothing to edit
    assert 'name="_save"' not in text


def test_the_filters_by_step_channel_kind_and_deadline(en_client, world, complaints, clock):
    named, anonymous, _other = complaints
    from .. import actions

    actions.accept(world.head, anonymous, handler=world.reviewer)
    clock.move_to(f.local(f.DAY + dt.timedelta(days=2), 10))  # past the 1-day acceptance
    log_in(en_client, world.unit_admin)

    overdue = _page(en_client, reverse(LIST), deadline="overdue")
    received = _page(en_client, reverse(LIST), step="received")
    investigating = _page(en_client, reverse(LIST), step="investigating")

    assert named.number in overdue and anonymous.number not in overdue
    assert named.number in received and anonymous.number not in received
    assert anonymous.number in investigating and named.number not in investigating
    assert named.number in _page(en_client, reverse(LIST), channel="online", kind="complaint")
    assert named.number not in _page(en_client, reverse(LIST), channel="box")


def test_complaints_are_never_added_changed_or_deleted_here(client, world, complaints):
    named, _anonymous, _other = complaints
    before = LedgerEntry.objects.count()
    log_in(client, world.system_admin)

    add = client.get(reverse("admin:complaints_complaint_add"))
    edit = client.post(change(named), {"step": "archived", "_save": "1"})
    delete = client.post(
        reverse("admin:complaints_complaint_delete", args=[named.pk]), {"post": "yes"}
    )
    bulk = client.post(
        reverse(LIST), {"action": "delete_selected", "_selected_action": [named.pk], "post": "yes"}
    )

    assert (add.status_code, edit.status_code, delete.status_code) == (403, 403, 403)
    assert bulk.status_code in (200, 302)
    assert f.fresh(named).step == "received" and Complaint.objects.count() == 3
    assert LedgerEntry.objects.count() == before


def test_staff_who_are_not_administrators_have_no_complaints_admin(client, world, complaints):
    world.head.is_staff = True
    world.head.save(update_fields=["is_staff"])
    log_in(client, world.head)
    assert client.get(reverse(LIST)).status_code == 403
    assert client.get(reverse(LIMITS)).status_code == 403


# --- the step limits -------------------------------------------------------------------------


def _limits(unit, **days) -> dict:
    return {"unit": unit.pk, **ComplaintSettings.DEFAULTS, **days}


def test_the_unit_administrator_sets_the_limits_through_the_action(client, world, clock):
    log_in(client, world.unit_admin)

    response = client.post(reverse(ADD_LIMITS), _limits(world.office, investigate_days=8))

    assert response.status_code == 302
    row = ComplaintSettings.objects.get(unit=world.office)
    assert (row.accept_days, row.investigate_days) == (1, 8)
    (entry,) = LedgerEntry.objects.all()
    assert (entry.event_type, entry.actor) == ("complaints.limits_set", world.unit_admin)

    url = reverse("admin:complaints_complaintsettings_change", args=[row.pk])
    response = client.post(url, _limits(world.office, investigate_days=8, reply_days=3))

    assert response.status_code == 302
    assert ComplaintSettings.objects.get(pk=row.pk).reply_days == 3
    assert LedgerEntry.objects.filter(event_type="complaints.limits_set").count() == 2


def test_a_limit_out_of_range_is_refused_by_the_form(en_client, world, clock):
    log_in(en_client, world.unit_admin)

    response = en_client.post(reverse(ADD_LIMITS), _limits(world.office, handle_days=61))

    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not ComplaintSettings.objects.exists() and not LedgerEntry.objects.exists()


def test_a_unit_administrator_sets_only_their_own_units_limits(client, world, clock):
    other_admin = make_user("ma", Role.UNIT_ADMIN, world.other_office, is_staff=True)
    from .. import actions

    theirs = actions.set_limits(other_admin, world.other_office, accept_days=2)
    log_in(client, world.unit_admin)

    listing = client.get(reverse(LIMITS)).content.decode()
    refused = client.post(reverse(ADD_LIMITS), _limits(world.other_office, accept_days=9))
    form = client.get(reverse(ADD_LIMITS)).content.decode()

    assert world.other_office.name not in listing
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert world.office.name in form and world.other_office.name not in form
    assert ComplaintSettings.objects.get(pk=theirs.pk).accept_days == 2
    assert LedgerEntry.objects.filter(event_type="complaints.limits_set").count() == 1


def test_the_system_administrator_reads_the_limits_only(client, world, clock):
    from .. import actions

    row = actions.set_limits(world.unit_admin, world.office, accept_days=2)
    log_in(client, world.system_admin)
    url = reverse("admin:complaints_complaintsettings_change", args=[row.pk])

    assert client.get(reverse(LIMITS)).status_code == 200
    assert 'name="_save"' not in client.get(url).content.decode()
    assert client.post(url, _limits(world.office, accept_days=5)).status_code == 403
    assert client.get(reverse(ADD_LIMITS)).status_code == 403
    assert ComplaintSettings.objects.get().accept_days == 2
