"""The public figures page (公开, N-2.5, N-6.1): per office and month, ratings, the share of
good ones, bad reviews and those rectified, complaints received and closed; nothing personal."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from servicehall.complaints.tests import factories as complaint_factories
from servicehall.feedback.tests.factories import DAY, finished_visit, local, rate_visit


def _row(page: str, code: str) -> str:
    start = page.index(f'data-office="{code}"')
    return page[start : page.index("</tr>", start)]


def _cell(row: str, name: str) -> str:
    start = row.index(f'class="{name}">') + len(name) + 9
    return row[start : row.index("</td>", start)]


def test_figures_show_each_office_and_change_with_ratings_and_complaints(client, world):
    with time_machine.travel(local(DAY, 10), tick=False):
        url = reverse("portal:figures") + "?month=2026-03"
        empty = client.get(url).content.decode()
        assert _cell(_row(empty, world.office.code), "ratings") == "0"

        rate_visit(finished_visit(world), 5, reasons=())
        bad = rate_visit(finished_visit(world), 2, comment="等了很久")
        complaint, _code = complaint_factories.online(world)
        page = client.get(url).content.decode()

    row = _row(page, world.office.code)
    assert _cell(row, "ratings") == "2"
    assert _cell(row, "good") == "1（50.0%）"
    assert _cell(row, "bad") == "1"
    assert _cell(row, "rectified") == "0"
    assert _cell(row, "received") == "1"
    assert _cell(row, "closed") == "0"
    # The other office has nothing; no client's words or identity reach the public page.
    assert _cell(_row(page, world.other_office.code), "ratings") == "0"
    assert "等了很久" not in page
    assert complaint_factories.NAME not in page
    assert bad.rectification is not None


def test_a_month_that_is_not_offered_is_not_found(client, world):
    assert client.get(reverse("portal:figures") + "?month=1999-01").status_code == 404


def test_the_page_is_chinese_by_default_and_linked_from_home(client, world):
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:figures") in home
    page = client.get(reverse("portal:figures")).content.decode()
    assert "<h1>服务评价与投诉公开</h1>" in page


def test_figures_page_costs_the_same_queries_for_any_number_of_offices(
    client, world, django_assert_num_queries
):
    """The offices, one grouped query of ratings and one of complaints: never per office."""
    from servicehall.org.choices import UnitKind
    from servicehall.org.models import Unit

    with django_assert_num_queries(3):
        client.get(reverse("portal:figures"))
    for number in range(3, 8):
        Unit.objects.create(
            code=f"O{number}", name=f"第{number}服务中心", kind=UnitKind.OFFICE, parent=world.city
        )
    with django_assert_num_queries(3):
        page = client.get(reverse("portal:figures")).content.decode()
    assert 'data-office="O7"' in page
