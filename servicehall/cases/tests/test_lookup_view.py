"""The public progress lookup (N-5.6a/d): receipt number plus the last four characters of
the ID or phone number; the item, the stage, the dates and the 工号, and nothing more; one
answer for every miss; failed lookups limited per address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from servicehall.lib.idnumbers import mask_id_number

from .. import actions
from ..choices import Stage
from ..personal import mask_phone
from ..views_lookup import MAX_FAILURES
from .factories import DAY, accept, in_correction, local, make_desk, person, reviewed_twice

pytestmark = pytest.mark.django_db

PHONE = "13955554321"
URL = "/cases/lookup/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(client, settings):
    """A visitor who chose English (the tests read the English msgids)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def applicant(seq: int = 7):
    return person(seq, phone=PHONE, name="欧阳娜娜")


def look_up(client, number: str, last4: str, *, ip: str = "203.0.113.5"):
    return client.post(URL, {"number": number, "last4": last4}, REMOTE_ADDR=ip)


def assert_no_personal_data(page: str, details) -> None:
    id_number = details.id_number
    for secret in (
        details.name, id_number, mask_id_number(id_number), id_number[-4:],
        PHONE, mask_phone(PHONE), PHONE[-4:],
    ):  # fmt: skip
        assert secret not in page


def test_the_url_is_the_cases_lookup():
    assert reverse("cases:lookup") == URL


def test_found_with_the_last_four_of_the_id_number_shows_only_the_listed_facts(client, desk, clock):
    case = accept(desk, applicant=applicant())
    details = applicant()
    response = look_up(client, case.number, details.id_number[-4:])
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="progress"' in page
    assert "失业保险金申领" in page
    assert "Waiting for first review" in page
    assert "Accepted on" in page and DAY.isoformat() in page
    assert case.promised_date.isoformat() in page
    assert 'data-testid="staff-no">A001<' in page
    assert "Completed on" not in page and 'data-testid="provisional"' not in page
    assert_no_personal_data(page, details)
    # Nor who the staff are by name, nor the channel, nor the ticket.
    assert desk.clerk.full_name not in page and desk.clerk.display_name not in page


def test_found_with_the_last_four_of_the_phone_number(client, desk, clock):
    case = accept(desk, applicant=applicant())
    response = look_up(client, case.number, PHONE[-4:])
    page = response.content.decode()
    assert 'data-testid="progress"' in page and "Waiting for first review" in page
    assert_no_personal_data(page, applicant())


def test_the_receipt_number_may_be_typed_in_lower_case_with_spaces(client, desk, clock):
    case = accept(desk, applicant=applicant())
    response = look_up(client, " " + case.number.lower().replace("-2026-", "-2026- "), "4321")
    assert 'data-testid="progress"' in response.content.decode()


def test_a_wrong_number_and_wrong_last_four_get_the_same_answer(client, desk, clock):
    case = accept(desk, applicant=applicant())
    other = accept(desk, 8)  # exists, but the four characters are not its applicant's
    answers = []
    for number, last4 in (
        ("SL-O1-2026-999999", PHONE[-4:]),  # no such receipt
        (case.number, "0000"),  # wrong last four
        (other.number, PHONE[-4:]),  # another applicant's last four
    ):
        response = look_up(client, number, last4)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-testid="progress"' not in page
        start = page.index('data-testid="lookup-error"')
        answers.append(page[start : page.index("</div>", start)])
    assert answers[0] == answers[1] == answers[2]
    assert "No case matches this receipt number and these four characters" in answers[0]


def test_a_completed_case_shows_its_completion_date(client, desk, clock):
    case = reviewed_twice(desk, applicant=applicant())
    clock.move_to(local(DAY + dt.timedelta(days=2), 15))
    case = actions.complete(desk.reviewer, case, approved=True)
    page = look_up(client, case.number, PHONE[-4:]).content.decode()
    assert "Completed: approved" in page
    assert "Completed on" in page and (DAY + dt.timedelta(days=2)).isoformat() in page
    assert 'data-testid="staff-no">A002<' in page  # whoever moved it last


def test_a_case_waiting_for_corrections_is_not_accepted_yet(client, desk, clock):
    case = in_correction(desk, applicant=applicant())
    page = look_up(client, case.number, PHONE[-4:]).content.decode()
    assert "Waiting for corrected materials" in page and "Not accepted yet" in page
    assert_no_personal_data(page, applicant())


def test_a_deadline_on_a_provisional_calendar_says_so(client, desk, clock):
    clock.move_to(local(dt.date(2026, 12, 24), 10))
    case = accept(desk, applicant=applicant())
    page = look_up(client, case.number, PHONE[-4:]).content.decode()
    assert "2027-01-07" in page
    assert 'data-testid="provisional"' in page and "provisional calendar for 2027" in page


def test_chinese_by_default(world, clock):
    client = Client()
    case = accept(make_desk(world), applicant=applicant())
    page = client.get(URL).content.decode()
    assert '<html lang="zh-Hans"' in page
    page = look_up(client, case.number, PHONE[-4:]).content.decode()
    assert "待初审" in page and "Waiting for first review" not in page


def test_the_receipts_qr_code_fills_in_the_number(client, desk, clock):
    page = client.get(URL, {"number": "SL-O1-2026-000001"}).content.decode()
    assert 'value="SL-O1-2026-000001"' in page
    assert 'for="id_last4"' in page and 'for="id_number"' in page  # labelled fields


def test_ten_failures_from_one_address_block_it_for_ten_minutes(client, desk, clock):
    case = accept(desk, applicant=applicant())
    for guess in range(MAX_FAILURES):
        assert "No case matches" in look_up(client, case.number, f"{guess:04d}").content.decode()
    # Even the right four characters are refused now, and nothing is shown.
    response = look_up(client, case.number, PHONE[-4:])
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many lookups failed" in page and 'data-testid="progress"' not in page
    # Another address is not blocked.
    assert 'data-testid="progress"' in (
        look_up(client, case.number, PHONE[-4:], ip="198.51.100.9").content.decode()
    )
    clock.shift(dt.timedelta(minutes=9))
    assert look_up(client, case.number, PHONE[-4:]).status_code == 429
    clock.shift(dt.timedelta(minutes=1, seconds=1))
    response = look_up(client, case.number, PHONE[-4:])
    assert response.status_code == 200 and 'data-testid="progress"' in response.content.decode()


def test_failures_older_than_ten_minutes_do_not_count(client, desk, clock):
    case = accept(desk, applicant=applicant())
    for guess in range(MAX_FAILURES - 1):
        look_up(client, case.number, f"{guess:04d}")
    clock.shift(dt.timedelta(minutes=10, seconds=1))
    look_up(client, case.number, "9999")
    assert look_up(client, case.number, PHONE[-4:]).status_code == 200


def test_the_json_lookup_gives_the_same_facts(client, desk, clock):
    case = accept(desk, applicant=applicant())
    response = client.post(
        reverse("cases:lookup-json"), {"number": case.number, "last4": PHONE[-4:]}
    )
    assert response.status_code == 200
    assert response.json() == {
        "item": "失业保险金申领",
        "stage": Stage.FIRST_REVIEW,
        "stage_label": "Waiting for first review",
        "accepted_on": DAY.isoformat(),
        "promised_on": case.promised_date.isoformat(),
        "deadline_warning": "",
        "completed_on": None,
        "completed": False,
        "staff_no": "A001",
    }
    missing = client.post(reverse("cases:lookup-json"), {"number": case.number, "last4": "0000"})
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
