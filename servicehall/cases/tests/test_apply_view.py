"""The portal's online application pages (网上申请, N-1.2), without logging in: the items the
guide offers online, one item's form (office, applicant, materials had, conditional ones
not applying, note; no scans: originals at acceptance), the result with the application
number, submissions limited per address, and the progress lookup of an application not
taken yet (N-5.4)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from servicehall.catalogue.models import Category
from servicehall.catalogue.tests.conftest import make_item
from servicehall.ledger.models import LedgerEntry

from ..choices import Stage
from ..models import Applicant, Case
from ..views_apply import MAX_SUBMISSIONS
from .conftest import snapshot
from .factories import MOBILE, valid_id

pytestmark = pytest.mark.django_db

IP = "203.0.113.9"


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


def url(desk, version=None) -> str:
    return reverse("cases:apply-item", args=[(version or desk.benefit).item.code])


def form_data(desk, **changes) -> dict:
    materials = desk.materials()
    return {
        "office": desk.world.office.pk, "kind": "person", "name": "欧阳娜娜",
        "id_number": valid_id(5), "phone": MOBILE,
        "declared": [materials[0].pk, materials[1].pk], "not_applicable": [materials[2].pk],
        "note": "工作日下午可接电话",
    } | changes  # fmt: skip


def test_the_urls():
    assert reverse("cases:apply") == "/cases/apply/"


def test_the_index_lists_the_items_offered_online_only(client, desk):
    make_item(
        desk.world.office, desk.world.unit_admin, "RETIRE-CERT", "退休资格认证",
        Category.objects.get(code="CASE-U"), channels=["onsite"],
    )  # fmt: skip
    response = client.get(reverse("cases:apply"))
    assert response.status_code == 200
    page = response.content.decode()
    assert url(desk) in page and "失业保险金申领" in page
    assert "退休资格认证" not in page
    assert client.get(reverse("cases:apply-item", args=["RETIRE-CERT"])).status_code == 404
    assert client.get(reverse("cases:apply-item", args=["NO-SUCH"])).status_code == 404


def test_the_form_offers_the_offices_the_materials_and_says_no_scans(client, desk):
    response = client.get(url(desk))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="originals-note"' in page and "No scans are needed." in page
    assert "甲市社保中心" in page and "乙市社保中心" not in page  # the office's own item
    for material in desk.materials():
        assert material.name in page
    # Only the conditional bank card is offered as not applying (N-5.6c).
    not_applicable = response.context["form"].fields["not_applicable"].choices
    assert [int(pk) for pk, _label in not_applicable] == [desk.materials()[2].pk]
    assert 'type="file"' not in page


def test_submitting_shows_the_number_and_how_to_follow_it(client, desk):
    response = client.post(url(desk), form_data(desk), REMOTE_ADDR=IP)
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.stage == Stage.SUBMITTED and case.unit == desk.world.office
    assert case.owner is None and case.client_note == "工作日下午可接电话"
    assert list(case.materials.order_by("order")) == desk.materials()[:2]
    assert list(case.materials_not_applicable.all()) == [desk.materials()[2]]
    assert case.applicant.name == "欧阳娜娜" and case.applicant.id_number() == valid_id(5)
    page = response.content.decode()
    assert f'data-testid="number">{case.number}<' in page
    assert "2026-03-03 17:00" in page  # taken by the close of the next working day (N-5.4)
    assert f"{reverse('cases:lookup')}?number={case.number}" in page
    assert valid_id(5) not in page and MOBILE not in page


def test_bad_input_shows_the_errors_and_saves_nothing(client, desk):
    before = snapshot()
    response = client.post(
        url(desk), form_data(desk, id_number="110105198001010010", phone=""), REMOTE_ADDR=IP
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"phone"}
    assert snapshot() == before
    # The action's own check, on its field: the credit code's check character (an
    # employer), and a required material is never offered as "does not apply".
    response = client.post(
        url(desk), form_data(desk, kind="employer", id_number="91440300708461136X"),
        REMOTE_ADDR=IP,
    )  # fmt: skip
    assert "typing error" in str(response.context["form"].errors["id_number"])
    response = client.post(
        url(desk), form_data(desk, not_applicable=[desk.materials()[0].pk]), REMOTE_ADDR=IP
    )
    assert "not_applicable" in response.context["form"].errors
    assert snapshot() == before


def test_an_office_that_does_not_handle_the_item_cannot_be_chosen(client, desk):
    before = snapshot()
    response = client.post(
        url(desk), form_data(desk, office=desk.world.other_office.pk), REMOTE_ADDR=IP
    )
    assert "office" in response.context["form"].errors
    assert snapshot() == before


def test_submissions_are_limited_per_address(client, desk):
    for seq in range(MAX_SUBMISSIONS):
        data = form_data(desk, id_number=valid_id(seq + 1))
        assert client.post(url(desk), data, REMOTE_ADDR=IP).status_code == 200
    assert Case.objects.count() == MAX_SUBMISSIONS
    entries = LedgerEntry.objects.count()
    response = client.post(url(desk), form_data(desk, id_number=valid_id(9)), REMOTE_ADDR=IP)
    assert response.status_code == 429
    assert "Many applications came from this connection" in response.content.decode()
    assert Case.objects.count() == MAX_SUBMISSIONS and LedgerEntry.objects.count() == entries
    # Another address is not held up.
    other = client.post(
        url(desk), form_data(desk, id_number=valid_id(9)), REMOTE_ADDR="198.51.100.1"
    )
    assert other.status_code == 200 and Applicant.objects.count() == MAX_SUBMISSIONS + 1


def test_a_submitted_application_is_followed_with_the_lookup(client, desk):
    """N-5.4: the stage says it waits for acceptance; no date, no clerk, nothing personal."""
    client.post(url(desk), form_data(desk), REMOTE_ADDR=IP)
    case = Case.objects.get()
    response = client.post(
        reverse("cases:lookup"), {"number": case.number, "last4": MOBILE[-4:]}, REMOTE_ADDR=IP
    )
    page = response.content.decode()
    assert 'data-testid="stage">Submitted online, waiting for acceptance<' in page
    assert "Not accepted yet" in page
    assert 'data-testid="staff-no">—<' in page
    assert "欧阳娜娜" not in page and valid_id(5) not in page
    answer = client.post(
        reverse("cases:lookup-json"), {"number": case.number, "last4": valid_id(5)[-4:]}
    ).json()
    assert answer["stage"] == "submitted" and answer["staff_no"] == ""
    assert answer["accepted_on"] is None and answer["promised_on"] is None


def test_the_home_page_and_an_online_items_guide_link_here(client, desk):
    assert f'href="{reverse("cases:apply")}"' in client.get(reverse("portal:home")).content.decode()
    guide = client.get(reverse("catalogue:guide", args=[desk.benefit.item.code]))
    assert f'href="{url(desk)}"' in guide.content.decode()
    onsite = make_item(
        desk.world.office, desk.world.unit_admin, "RETIRE-CERT", "退休资格认证",
        Category.objects.get(code="CASE-U"), channels=["onsite"],
    )  # fmt: skip
    guide = client.get(reverse("catalogue:guide", args=[onsite.item.code]))
    assert 'data-testid="apply-online"' not in guide.content.decode()
