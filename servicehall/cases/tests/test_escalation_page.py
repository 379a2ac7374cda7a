"""The head on duty's decision on an escalation (请示, N-3.4, D-08): approve or refuse, with
a reason; never their own; only the head's post decides; other units' escalations are not
found."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicehall.org.choices import Role
from servicehall.testing import log_in, make_user

from .. import actions
from ..choices import EscalationStatus
from .conftest import detections, snapshot
from .factories import accept

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def escalation(desk):
    case = accept(desk)
    return actions.escalate(desk.clerk, reason="审核岗人员外出", case=case)


def url(row) -> str:
    return reverse("cases:escalation", args=[row.pk])


def test_the_head_approves_with_a_reason(client, desk, escalation):
    log_in(client, desk.head)
    page = client.get(url(escalation)).content.decode()
    assert "审核岗人员外出" in page and 'data-testid="decision-form"' in page
    assert escalation.case.number in page
    response = client.post(url(escalation), {"outcome": "approve", "reason": "同意，仅此一次"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:work-tab", args=["escalations"])
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.APPROVED
    assert escalation.decided_by == desk.head and escalation.decision_reason == "同意，仅此一次"
    assert "Escalation approved." in client.get(response["Location"]).content.decode()


def test_a_decision_needs_a_reason_and_writes_nothing_without(client, desk, escalation):
    log_in(client, desk.head)
    before = snapshot()
    response = client.post(url(escalation), {"outcome": "refuse", "reason": ""})
    assert response.status_code == 200
    assert snapshot() == before
    assert response.context["form"].errors["reason"]
    client.post(url(escalation), {"outcome": "refuse", "reason": "等待审核岗"})
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.REFUSED


def test_a_decided_escalation_shows_no_form(client, desk, escalation):
    actions.decide_escalation(desk.head, escalation, approve=False, reason="等待审核岗")
    log_in(client, desk.head)
    page = client.get(url(escalation)).content.decode()
    assert 'data-status="refused"' in page and 'data-testid="decision-form"' not in page


def test_a_clerk_may_not_decide_and_the_attempt_is_flagged(client, desk, escalation):
    """D-08: the page offers no form; a forged post is refused, flagged, nothing changes."""
    log_in(client, desk.reviewer)
    page = client.get(url(escalation)).content.decode()
    assert 'data-testid="not-yours"' in page and 'data-testid="decision-form"' not in page
    before, flags = snapshot(), len(detections())
    response = client.post(url(escalation), {"outcome": "approve", "reason": "同意"})
    assert response.status_code == 200
    assert snapshot() == before and len(detections()) == flags + 1
    assert "Only the head on duty decides escalations." in response.content.decode()


def test_a_head_does_not_decide_their_own_request(client, desk):
    from servicehall.org.models import Post

    deputy = make_user(
        "zheng", Role.HEAD_ON_DUTY, desk.world.office, "A009", post=Post.objects.get(code="HEAD")
    )
    own = actions.escalate(deputy, reason="自己的请示", version=desk.benefit)
    log_in(client, deputy)
    assert 'data-testid="not-yours"' in client.get(url(own)).content.decode()
    before = snapshot()
    response = client.post(url(own), {"outcome": "approve", "reason": "同意"})
    assert snapshot() == before
    assert "Another head decides your own request." in response.content.decode()


def test_another_units_staff_get_not_found(client, desk, escalation):
    log_in(client, desk.world.outsider)
    assert client.get(url(escalation)).status_code == 404
    assert client.post(url(escalation), {"outcome": "approve", "reason": "x"}).status_code == 404
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.REQUESTED


def test_anonymous_visitors_are_sent_to_log_in(client, escalation):
    response = client.get(url(escalation))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
