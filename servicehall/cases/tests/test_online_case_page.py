"""The staff's side of online applications: the case page of an application waiting for
acceptance (what the client declared, the acceptance deadline, the take form: accept, ask
for corrections, do not accept; N-5.3, N-5.6a, N-5.6c, N-2.1), the escalation instead for a
clerk without authority (N-3.4, D-08), 404 for another office, and the work lists' tab of
applications waiting for acceptance, late ones among the overdue and in the backlog (不积压,
N-5.4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from servicehall.testing import log_in

from ..choices import Stage
from ..models import Case
from .conftest import detections, snapshot
from .factories import local, submitted

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 3, 3)


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_of(client, case) -> str:
    response = client.get(reverse("cases:case", args=[case.number]))
    assert response.status_code == 200
    return response.content.decode()


def take(client, case, decision: str, **data):
    payload = {f"take-{key}": value for key, value in data.items()} | {"decision": decision}
    return client.post(reverse("cases:case-action", args=[case.number, "take"]), payload)


def pks(materials) -> list[int]:
    return [material.pk for material in materials]


def test_the_page_shows_the_declaration_the_deadline_and_the_take_form(client, desk):
    case = submitted(desk, declared=1, note="请上午联系")
    log_in(client, desk.clerk)
    page = page_of(client, case)
    assert 'data-stage="submitted"' in page
    assert "Submitted online, waiting for acceptance" in page
    assert 'data-testid="owner">—<' in page and 'data-testid="handler">—<' in page
    assert "Declared by the client" in page and "Not declared" in page
    assert 'data-testid="client-note">请上午联系<' in page
    assert 'data-testid="accept-countdown"' in page and "2026-03-03 17:00" in page
    assert 'data-testid="take-form"' in page and 'data-testid="hand-over-form"' not in page


def test_the_clerk_accepts_it_on_the_page_and_owns_it(client, desk, clock):
    case = submitted(desk, declared=1)
    clock.move_to(local(TUESDAY, 9))
    log_in(client, desk.clerk)
    response = take(client, case, "accept", materials=pks(desk.materials()))
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.FIRST_REVIEW and case.owner == desk.clerk
    assert case.accepted_at == local(TUESDAY, 9)
    page = client.get(response["Location"]).content.decode()
    assert "Accepted. Print the acceptance receipt for the client." in page
    assert 'data-testid="receipt-link"' in page
    assert "Submitted online by the client" in page  # the history, from the ledger


def test_the_clerk_asks_for_corrections_on_the_page(client, desk):
    case = submitted(desk)
    log_in(client, desk.clerk)
    response = take(
        client, case, "correct", materials=pks(desk.materials()[:1]), return_place="一楼3号窗口"
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.CORRECTION and case.owner == desk.clerk
    assert list(case.notices.get().missing.order_by("order")) == desk.materials()[1:]


def test_a_refusal_without_the_rule_changes_nothing_and_says_why(client, desk):
    case = submitted(desk)
    log_in(client, desk.clerk)
    before = snapshot()
    response = take(client, case, "refuse", explanation="参保不满一年")
    assert response.status_code == 200
    assert 'data-testid="action-failed"' in response.content.decode()
    assert "Cite the rule" in response.content.decode()
    assert snapshot() == before
    response = take(client, case, "refuse", rule="第十四条", explanation="参保不满一年")
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).stage == Stage.NOT_ACCEPTED


def test_a_clerk_without_authority_gets_the_escalation_and_is_flagged(client, desk):
    """N-3.4, D-08: the page offers the escalation; a forged post is refused and flagged."""
    case = submitted(desk)
    log_in(client, desk.trainee)
    page = page_of(client, case)
    assert 'data-testid="no-authority"' in page and 'data-testid="escalate-form"' in page
    assert 'data-testid="take-form"' not in page
    before = snapshot()
    response = take(client, case, "accept", materials=pks(desk.materials()))
    assert response.status_code == 200
    assert snapshot() == before
    assert Case.objects.get(pk=case.pk).stage == Stage.SUBMITTED
    assert len(detections("D-08")) == 1


def test_another_offices_clerk_gets_404(client, desk):
    case = submitted(desk)
    log_in(client, desk.world.outsider)
    assert client.get(reverse("cases:case", args=[case.number])).status_code == 404
    assert take(client, case, "accept", materials=pks(desk.materials())).status_code == 404
    assert Case.objects.get(pk=case.pk).stage == Stage.SUBMITTED


def listed(client, tab: str) -> list[str]:
    response = client.get(reverse("cases:work-tab", args=[tab]))
    assert response.status_code == 200
    return [case.number for case in response.context["cases"]]


def test_the_work_lists_have_a_tab_of_applications_waiting(client, desk):
    first, second = submitted(desk, 1), submitted(desk, 2)
    for persona in (desk.clerk, desk.trainee, desk.head):
        log_in(client, persona)
        assert listed(client, "online") == [first.number, second.number]
    page = client.get(reverse("cases:work-tab", args=["online"])).content.decode()
    assert 'data-testid="tab-online"' in page
    assert "Online applications waiting for acceptance" in page
    assert 'data-testid="accept-due">Acceptance due 2026-03-03 17:00<' in page
    log_in(client, desk.world.outsider)
    assert listed(client, "online") == []


def test_a_late_application_is_overdue_in_the_lists_and_the_backlog(client, desk, clock):
    """不积压 (N-5.4): not taken by the close of the next working day."""
    case = submitted(desk)
    log_in(client, desk.head)
    assert listed(client, "overdue") == []
    clock.move_to(local(dt.date(2026, 3, 4), 9))
    log_in(client, desk.head)
    assert listed(client, "overdue") == [case.number]
    response = client.get(reverse("cases:work-tab", args=["backlog"]))
    rows = {row.stage: (row.total, row.overdue) for row in response.context["backlog"]}
    assert rows[Stage.SUBMITTED] == (1, 1)
    assert 'data-testid="backlog-submitted-overdue"><span class="card-level card-red">1' in (
        response.content.decode()
    )
