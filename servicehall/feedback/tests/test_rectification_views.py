"""The rectification pages: the head on duty sees and handles the unit's, the clerk their
own; other units' staff get 404, and so does a supervisor of another province; the
supervisor above decides appeals on the page; the full phone number view is logged (D-10)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from servicehall.feedback.models import Rectification
from servicehall.ledger.models import PersonalDataAccess
from servicehall.org.choices import Role, UnitKind
from servicehall.org.models import Unit
from servicehall.testing import log_in, make_user

from .factories import bad_rating, rectification

pytestmark = pytest.mark.usefixtures("clock")


def _step(web, rect, step, data):
    return web.post(reverse("feedback:rectification-step", args=[rect.pk, step]), data, follow=True)


def test_the_head_sees_the_units_rectifications_and_the_clerk_their_own(world, web):
    rect = rectification(world)
    log_in(web, world.head)
    page = web.get(reverse("feedback:rectifications")).content.decode()
    assert f'data-testid="rectification-{rect.pk}"' in page and "A001" in page

    log_in(web, world.reviewer)
    page = web.get(reverse("feedback:rectifications")).content.decode()
    assert 'data-testid="no-rectifications"' in page
    assert web.get(reverse("feedback:rectification", args=[rect.pk])).status_code == 404

    log_in(web, world.clerk)
    page = web.get(reverse("feedback:rectification", args=[rect.pk])).content.decode()
    assert 'data-testid="form-contact"' in page and "Poor attitude" in page


@pytest.mark.parametrize("persona", ["outsider", "unit_admin", "social_supervisor"])
def test_others_get_404_or_403(world, web, persona):
    rect = rectification(world)
    log_in(web, getattr(world, persona))
    assert web.get(reverse("feedback:rectification", args=[rect.pk])).status_code == 404
    listing = web.get(reverse("feedback:rectifications"))
    assert listing.status_code == (200 if persona == "outsider" else 403)
    if persona == "outsider":
        assert f"rectification-{rect.pk}" not in listing.content.decode()


def test_a_supervisor_of_another_province_sees_none(world, web):
    rect = rectification(world)
    elsewhere = Unit.objects.create(code="P2", name="外省厅", kind=UnitKind.PROVINCIAL_DEPARTMENT)
    log_in(web, make_user("qin", Role.SUPERVISOR, elsewhere))
    assert web.get(reverse("feedback:rectification", args=[rect.pk])).status_code == 404
    assert f"appeal-{rect.pk}" not in web.get(reverse("feedback:appeals")).content.decode()


def test_the_flow_through_the_pages_with_an_appeal_and_a_second_round(world, web):
    rect = rectification(world)
    log_in(web, world.head)
    page = _step(web, rect, "contact", {"note": "电话联系客户"}).content.decode()
    assert "The contact with the client is recorded." in page
    _step(web, rect, "appeal", {"reason": "监控显示系误评"})
    assert Rectification.objects.get(pk=rect.pk).status == "appealed"

    log_in(web, world.supervisor)
    waiting = web.get(reverse("feedback:appeals")).content.decode()
    assert f'data-testid="appeal-{rect.pk}"' in waiting
    page = web.get(reverse("feedback:rectification", args=[rect.pk])).content.decode()
    assert 'data-testid="form-decide"' in page and 'data-testid="form-contact"' not in page
    _step(web, rect, "decide", {"decision": "rejected", "note": "差评成立"})
    assert Rectification.objects.get(pk=rect.pk).status == "open"

    log_in(web, world.head)
    _step(web, rect, "classify", {"classification": "explained", "findings": "无政策依据"})
    _step(web, rect, "measures", {"measures": "已向客户解释政策"})
    page = _step(web, rect, "follow-up", {"satisfied": "no", "note": "仍不满意"}).content.decode()
    row = Rectification.objects.get(pk=rect.pk)
    assert (row.round, row.status) == (2, "open")
    assert 'data-testid="round">2<' in page and 'data-testid="follow-up"' in page
    assert page.count("<li>") >= 7  # the history from the ledger


def test_a_refused_step_shows_the_actions_message(world, web):
    rect = rectification(world)
    log_in(web, world.clerk)
    page = _step(web, rect, "measures", {"measures": "x"}).content.decode()
    assert Rectification.objects.get(pk=rect.pk).measures == ""
    assert "Verify and classify the rating first." in page


def test_the_full_phone_number_is_shown_to_the_handler_and_logged(world, web):
    rect = bad_rating(world, contact_phone="13812345678").rectification
    log_in(web, world.clerk)
    page = web.get(reverse("feedback:rectification", args=[rect.pk])).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert not PersonalDataAccess.objects.exists()

    shown = web.post(reverse("feedback:rectification-phone", args=[rect.pk])).content.decode()

    assert 'data-testid="full-phone">13812345678<' in shown
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.field, access.purpose) == (world.clerk, "contact_phone", "callback")
    log_in(web, world.reviewer)
    assert web.post(reverse("feedback:rectification-phone", args=[rect.pk])).status_code == 404
    assert PersonalDataAccess.objects.count() == 1


def _list_queries(web) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert web.get(reverse("feedback:rectifications")).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_one_row_or_many(world, web):
    rectification(world)
    log_in(web, world.head)
    one = _list_queries(web)
    for _n in range(4):
        rectification(world)
    assert _list_queries(web) == one


def test_the_overdue_count_covers_every_row_not_only_those_listed(world, web, clock, monkeypatch):
    """Overdue is a query on the indexed deadline (N-5.6e): the count is not taken from the
    rows the list has room for."""
    from servicehall.feedback import views

    rows = [rectification(world) for _n in range(3)]
    monkeypatch.setattr(views, "LIST_MAX", 2)
    log_in(web, world.head)
    page = web.get(reverse("feedback:rectifications")).content.decode()
    assert 'data-testid="overdue-count"' not in page

    clock.move_to(rows[0].due_at + dt.timedelta(minutes=1))
    log_in(web, world.head)  # three weeks on: a new session
    page = web.get(reverse("feedback:rectifications")).content.decode()
    assert page.count('data-testid="rectification-') == 2
    assert 'data-testid="overdue-count">Overdue: 3<' in page
