"""The admin views cases, escalations and cards read only, with personal data masked; a
case is found by receipt number or by a whole ID number through the blind index."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from servicehall.testing import log_in

from .. import actions
from ..sweep import sweep
from .factories import MOBILE, accept, local, valid_id


def test_cases_are_masked_and_read_only(client, desk):
    case = accept(desk, 1)
    log_in(client, desk.world.system_admin)
    listing = client.get(reverse("admin:cases_case_changelist")).content.decode()
    detail = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    for html in (listing, detail):
        assert case.number in html and case.applicant.masked_id_number in html
        assert valid_id(1) not in html and case.applicant.id_token not in html
    assert "138****5678" in detail and MOBILE not in detail
    assert 'name="stage"' not in detail
    response = client.post(reverse("admin:cases_case_change", args=[case.pk]), {})
    assert response.status_code == 403
    assert client.get(reverse("admin:cases_case_add")).status_code == 403
    assert client.get(reverse("admin:cases_case_delete", args=[case.pk])).status_code == 403


def test_a_case_is_found_by_receipt_number_or_id_number(client, desk):
    wanted, other = accept(desk, 1), accept(desk, 2)
    log_in(client, desk.world.system_admin)
    url = reverse("admin:cases_case_changelist")
    html = client.get(url, {"q": valid_id(1)}).content.decode()
    assert wanted.number in html and other.number not in html
    html = client.get(url, {"q": other.number}).content.decode()
    assert other.number in html and wanted.number not in html


def test_a_unit_administrator_sees_only_the_unit(client, desk):
    case = accept(desk)
    admin = desk.world.unit_admin
    log_in(client, admin)
    assert case.number in client.get(reverse("admin:cases_case_changelist")).content.decode()
    admin.unit = desk.world.other_office
    admin.save(update_fields=["unit"])
    assert case.number not in client.get(reverse("admin:cases_case_changelist")).content.decode()


def test_counter_staff_do_not_use_the_admin(client, desk):
    log_in(client, desk.clerk)
    response = client.get(reverse("admin:cases_case_changelist"))
    assert response.status_code in (302, 403)


def test_escalations_and_cards_are_listed(client, desk, clock):
    case = accept(desk)
    actions.escalate(desk.trainee, case=case, reason="外出")
    clock.move_to(local(dt.date(2026, 3, 9), 9))
    sweep()
    log_in(client, desk.world.system_admin)
    html = client.get(reverse("admin:cases_escalation_changelist")).content.decode()
    assert case.number in html
    html = client.get(
        reverse("admin:cases_deadlinecard_changelist"), headers={"Accept-Language": "en"}
    ).content.decode()
    assert case.number in html and "Red card" in html
