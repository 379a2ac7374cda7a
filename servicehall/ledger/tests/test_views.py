"""The ledger browser, its export, corrections shown with their entry, and verification."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from servicehall.ledger.actions import correct
from servicehall.ledger.models import LedgerEntry
from servicehall.org.actions import assign_duty
from servicehall.testing import log_in


@pytest.fixture
def roster(world):
    import datetime as dt

    day = dt.date(2026, 12, 1)
    mine = assign_duty(world.head, unit=world.office, date=day, staff=world.clerk,
                       window=world.office.window_set.get(number=1))  # fmt: skip
    theirs = assign_duty(world.outsider.__class__.objects.create(
        username="o-head", role="head", unit=world.other_office, staff_no="B000"),
        unit=world.other_office, date=day, staff=world.outsider)  # fmt: skip
    return mine, theirs


def shown_units(client):
    page = client.get(reverse("ledger:entries"))
    assert page.status_code == 200
    return {row.unit_id for row in page.context["page"]}


def test_head_sees_own_unit_only(client, world, roster):
    log_in(client, world.head)
    assert shown_units(client) == {world.office.pk}


def test_audit_admin_sees_every_unit(client, world, roster):
    log_in(client, world.audit_admin)
    assert shown_units(client) == {world.office.pk, world.other_office.pk}


def test_supervisor_sees_the_units_below(client, world, roster):
    log_in(client, world.supervisor)
    assert shown_units(client) == {world.office.pk}


def test_clerk_sees_only_entries_they_made(client, world, roster):
    log_in(client, world.clerk)
    assert shown_units(client) == set()


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "social_supervisor"])
def test_roles_without_ledger_business_are_refused(client, world, role):
    log_in(client, world.personas()[role])
    assert client.get(reverse("ledger:entries")).status_code == 403


def test_a_correction_is_shown_with_the_entry_it_corrects(client, world, roster):
    entry = LedgerEntry.objects.get(unit=world.office, seq=1)
    correct(actor=world.head, entry=entry, corrected={"window": 2}, reason="录入错误")
    log_in(client, world.head)
    page = client.get(reverse("ledger:entries")).content.decode()
    assert "录入错误" in page and "由第 2 条记录更正" in page


def test_export_is_an_xlsx_of_the_visible_entries(client, world, roster):
    log_in(client, world.head)
    response = client.get(reverse("ledger:export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "unit" and {row[0] for row in rows[1:]} == {world.office.code}


def test_audit_admin_verifies_from_the_page(client, world, roster):
    log_in(client, world.audit_admin)
    page = client.post(reverse("ledger:verify")).content.decode()
    assert 'data-testid="verified"' in page
    log_in(client, world.head)
    assert client.post(reverse("ledger:verify")).status_code == 403
