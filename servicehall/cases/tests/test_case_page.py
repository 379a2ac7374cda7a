"""The case page (办件) and its action forms: what it shows (applicant masked, owner and
agent, deadlines with working-day countdown and cards, history from the ledger), who may
see it (the counter staff of the case's unit; 404 for anyone else), and each form calling
its action: the stage's transitions, and refused ones that show the action's error and
change nothing (N-5.5, N-6.4, N-2.1, N-3.4, D-08, N-5.6a, N-5.6c)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicehall.ledger.models import PersonalDataAccess
from servicehall.testing import log_in

from .. import actions
from ..choices import EscalationStatus, Stage
from ..models import Escalation
from ..sweep import sweep
from .conftest import detections, snapshot
from .factories import (
    DAY,
    MOBILE,
    accept,
    in_correction,
    local,
    reviewed_once,
    reviewed_twice,
    valid_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, settings):
    """Staff who chose English (the tests read the English msgids)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_of(client, case) -> str:
    response = client.get(reverse("cases:case", args=[case.number]))
    assert response.status_code == 200
    return response.content.decode()


def act(client, case, action: str, data: dict):
    return client.post(reverse("cases:case-action", args=[case.number, action]), data)


def fresh(case):
    case.refresh_from_db()
    return case


# --- what it shows --------------------------------------------------------------------------


def test_the_page_shows_the_case_with_the_applicant_masked(client, desk):
    case = accept(desk, agent=desk.checker)
    log_in(client, desk.clerk)
    page = page_of(client, case)
    assert case.number in page and "失业保险金申领" in page
    assert 'data-stage="first_review"' in page
    assert case.applicant.masked_id_number in page and "138****5678" in page
    assert valid_id(1) not in page and MOBILE not in page
    assert "wang (A001)" in page.split('data-testid="owner"')[1][:40]  # N-5.6a
    assert "qian (A003)" in page.split('data-testid="agent"')[1][:40]  # N-5.6b
    assert "2026-03-16" in page  # promised: ten working days from Monday 2 March
    assert "10 working days left" in page
    assert reverse("cases:receipt-pdf", args=[case.number]) in page
    assert "Accepted (受理)" in page  # the history, from the ledger


def test_the_countdown_turns_yellow_then_red_and_shows_the_cards(client, desk, clock):
    """N-5.6d, 电子监察 红黄牌: the page reads the deadline columns and the sweep's cards."""
    case = accept(desk)
    log_in(client, desk.clerk)
    clock.move_to(local(DAY.replace(day=13), 18))  # Friday after the 9th working day's close
    sweep()
    log_in(client, desk.clerk)  # the session of Monday has expired
    page = page_of(client, case)
    assert 'data-testid="case-countdown" data-level="yellow"' in page
    assert "Yellow card" in page
    clock.move_to(local(DAY.replace(day=17), 10))  # the day after the promised date
    sweep()
    log_in(client, desk.clerk)
    page = page_of(client, case)
    assert 'data-testid="case-countdown" data-level="red"' in page
    assert "Overdue since 2026-03-16 17:00" in page and "Red card" in page


def test_the_head_sees_a_full_number_only_with_a_purpose_and_it_is_logged(client, desk):
    """D-10: masked on the page; the full view is logged before it is shown."""
    case = accept(desk)
    log_in(client, desk.clerk)
    assert 'data-testid="full-view-form"' not in page_of(client, case)
    url = reverse("cases:full-view", args=[case.number])
    assert client.post(url, {"field": "id_number", "purpose": "identity"}).status_code == 403
    log_in(client, desk.head)
    response = client.post(url, {"field": "id_number", "purpose": "identity"})
    assert response.status_code == 200
    assert valid_id(1) in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert access.user == desk.head and access.field == "id_number"
    assert access.subject_id == str(case.applicant_id)


# --- who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider", "supervisor", "social_supervisor", "unit_admin"])
def test_anyone_but_the_units_counter_staff_gets_not_found(client, desk, persona):
    case = accept(desk)
    log_in(client, getattr(desk.world, persona))
    assert client.get(reverse("cases:case", args=[case.number])).status_code == 404
    response = act(client, case, "first-review", {"outcome": "pass"})
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, desk):
    case = accept(desk)
    response = client.get(reverse("cases:case", args=[case.number]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- the stage's forms ----------------------------------------------------------------------


def test_first_review_passes_and_redirects_with_a_message(client, desk):
    case = accept(desk)
    log_in(client, desk.reviewer)
    page = page_of(client, case)
    assert 'data-testid="first-review-form"' in page
    response = act(client, case, "first-review", {"outcome": "pass", "first_review-note": "齐全"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case", args=[case.number])
    case = fresh(case)
    assert case.stage == Stage.SECOND_REVIEW and case.first_reviewed_by == desk.reviewer
    assert "First review recorded." in page_of(client, case)


def test_first_review_back_to_correction_needs_a_note_then_gives_the_notice(client, desk):
    case = accept(desk)
    log_in(client, desk.reviewer)
    material = desk.materials()[1]
    before = snapshot()
    response = act(
        client, case, "first-review",
        {"outcome": "back", "first_review-missing": [material.pk],
         "first_review-return_place": "一楼3号窗口"},
    )  # fmt: skip
    assert response.status_code == 200
    assert snapshot() == before
    page = response.content.decode()
    assert "Say why the case goes back." in page and 'data-testid="action-failed"' in page
    act(
        client, case, "first-review",
        {"outcome": "back", "first_review-note": "证明不清晰",
         "first_review-missing": [material.pk], "first_review-return_place": "一楼3号窗口"},
    )  # fmt: skip
    case = fresh(case)
    assert case.stage == Stage.CORRECTION and case.suspended_at is not None
    assert list(case.notices.get().missing.all()) == [material]


def test_the_first_reviewer_is_told_why_they_may_not_second_review(client, desk):
    """N-5.5, N-6.4: li did the first review; the page says so, and pressing anyway is
    refused with the action's message, flagged, and nothing changes."""
    case = reviewed_once(desk)
    log_in(client, desk.reviewer)
    page = page_of(client, case)
    assert 'data-testid="second-review-blocked"' in page
    assert 'data-testid="second-review-form"' not in page
    before, flags = snapshot(), len(detections("N-6.4"))
    response = act(client, case, "second-review", {"outcome": "pass"})
    assert response.status_code == 200
    assert snapshot() == before
    assert len(detections("N-6.4")) == flags + 1
    assert "The second review is done by another person" in response.content.decode()


def test_second_review_by_another_person_passes_to_completion(client, desk):
    case = reviewed_once(desk)
    log_in(client, desk.checker)
    assert 'data-testid="second-review-form"' in page_of(client, case)
    act(client, case, "second-review", {"outcome": "pass", "second_review-note": "同意"})
    case = fresh(case)
    assert case.stage == Stage.COMPLETION and case.second_reviewed_by == desk.checker


def test_second_review_back_to_first_review_needs_a_reason(client, desk):
    case = reviewed_once(desk)
    log_in(client, desk.checker)
    before = snapshot()
    response = act(client, case, "second-review", {"outcome": "back"})
    assert snapshot() == before and "Say why the case goes back." in response.content.decode()
    act(client, case, "second-review", {"outcome": "back", "second_review-note": "金额有误"})
    assert fresh(case).stage == Stage.FIRST_REVIEW


def test_a_refused_completion_needs_the_rule_and_the_reason(client, desk):
    """N-2.1: without the rule nothing changes; with both the case is completed refused."""
    case = reviewed_twice(desk)
    log_in(client, desk.clerk)
    before = snapshot()
    response = act(client, case, "complete", {"outcome": "refuse", "complete-reason": "不符合"})
    assert snapshot() == before
    assert "Cite the rule the refusal rests on." in response.content.decode()
    act(
        client, case, "complete",
        {"outcome": "refuse", "complete-rule": "《失业保险条例》第十四条",
         "complete-reason": "缴费不满一年"},
    )  # fmt: skip
    case = fresh(case)
    assert case.stage == Stage.COMPLETED_REFUSED and case.decision_reason == "缴费不满一年"
    page = page_of(client, case)
    assert "《失业保险条例》第十四条" in page and 'data-testid="complete-form"' not in page


def test_completion_approves(client, desk):
    case = reviewed_twice(desk)
    log_in(client, desk.clerk)
    act(client, case, "complete", {"outcome": "approve"})
    case = fresh(case)
    assert case.stage == Stage.COMPLETED_APPROVED and case.completed_by == desk.clerk
    page = page_of(client, case)
    assert reverse("cases:completion-pdf", args=[case.number]) in page
    assert "Completed (办结)" in page  # the history


def test_sending_back_needs_a_reason(client, desk):
    case = reviewed_twice(desk)
    log_in(client, desk.reviewer)
    before = snapshot()
    response = act(client, case, "send-back", {"send_back-to_stage": Stage.FIRST_REVIEW})
    assert snapshot() == before and response.context["forms"]["send-back"].errors["reason"]
    act(
        client, case, "send-back",
        {"send_back-to_stage": Stage.FIRST_REVIEW, "send_back-reason": "重新核定金额"},
    )  # fmt: skip
    case = fresh(case)
    assert case.stage == Stage.FIRST_REVIEW and case.first_reviewed_by is None
    assert "重新核定金额" in page_of(client, case)


def test_resume_takes_the_corrected_materials_and_starts_the_clock(client, desk):
    case = in_correction(desk)
    log_in(client, desk.clerk)
    missing = desk.materials()[1:]
    before = snapshot()
    response = act(client, case, "resume", {"resume-received": [missing[0].pk]})
    assert snapshot() == before
    assert f"Still missing: {missing[1].name}." in response.content.decode()
    act(client, case, "resume", {"resume-received": [m.pk for m in missing]})
    case = fresh(case)
    assert case.stage == Stage.FIRST_REVIEW and case.accepted_by == desk.clerk
    assert case.due_at is not None


def test_a_case_in_correction_can_be_refused_with_rule_and_explanation(client, desk):
    case = in_correction(desk)
    log_in(client, desk.clerk)
    act(
        client, case, "refuse",
        {"refuse-rule": "《失业保险条例》第十四条",
         "refuse-explanation": "无法提供非因本人意愿中断就业的证明"},
    )  # fmt: skip
    assert fresh(case).stage == Stage.NOT_ACCEPTED


# --- authority: the escalation instead --------------------------------------------------------


def test_a_clerk_without_authority_sees_the_escalation_form_instead(client, desk):
    """N-3.4, D-08: wang's counter post does not cover first review; he gets the
    escalation form, not the review; after the head's approval he may act once."""
    case = accept(desk)
    log_in(client, desk.clerk)
    page = page_of(client, case)
    assert 'data-testid="escalate-form"' in page and 'data-testid="no-authority"' in page
    assert 'data-testid="first-review-form"' not in page
    before, flags = snapshot(), len(detections())
    response = act(client, case, "first-review", {"outcome": "pass"})
    assert snapshot() == before and len(detections()) == flags + 1
    assert "Your post does not cover" in response.content.decode()

    response = act(client, case, "escalate", {"escalate-reason": "审核岗人员外出"})
    assert response.status_code == 302
    escalation = Escalation.objects.get(case=case)
    assert escalation.requested_by == desk.clerk and escalation.stage == "first_review"
    assert 'data-testid="escalation-pending"' in page_of(client, case)

    actions.decide_escalation(desk.head, escalation, approve=True, reason="同意")
    page = page_of(client, case)
    assert 'data-testid="first-review-form"' in page
    act(client, case, "first-review", {"outcome": "pass"})
    assert fresh(case).first_reviewed_by == desk.clerk


def test_an_escalation_needs_a_reason(client, desk):
    case = accept(desk)
    log_in(client, desk.clerk)
    before = snapshot()
    response = act(client, case, "escalate", {"escalate-reason": ""})
    assert response.status_code == 200 and snapshot() == before
    assert response.context["escalate_form"].errors["reason"]


# --- hand-over ------------------------------------------------------------------------------


def test_the_owner_hands_the_case_over_with_a_reason(client, desk):
    """N-5.6a: the owner, formally, with the reason; someone else sees no form."""
    case = accept(desk)
    log_in(client, desk.checker)
    assert 'data-testid="hand-over-form"' not in page_of(client, case)
    log_in(client, desk.clerk)
    assert 'data-testid="hand-over-form"' in page_of(client, case)
    before = snapshot()
    act(client, case, "hand-over", {"hand_over-to": desk.reviewer.pk})
    assert snapshot() == before
    act(client, case, "hand-over", {"hand_over-to": desk.reviewer.pk, "hand_over-reason": "调岗"})
    assert fresh(case).owner == desk.reviewer
    assert "调岗" in page_of(client, case)


def test_an_unknown_action_is_not_found(client, desk):
    case = accept(desk)
    log_in(client, desk.clerk)
    assert act(client, case, "delete", {}).status_code == 404
    assert (
        client.get(reverse("cases:case-action", args=[case.number, "complete"])).status_code == 405
    )


def test_a_decided_escalation_shows_on_the_case(client, desk):
    case = accept(desk)
    escalation = actions.escalate(desk.clerk, reason="审核岗人员外出", case=case)
    actions.decide_escalation(desk.head, escalation, approve=False, reason="等待审核岗")
    log_in(client, desk.clerk)
    page = page_of(client, case)
    assert "等待审核岗" in page and str(EscalationStatus.REFUSED.label) in page
