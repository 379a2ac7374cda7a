"""Opening a case at the counter (受理, N-5.3): from the ticket called to the clerk's window
or by phone; accept, ask for corrections with the one-time notice (N-5.6c), or refuse with
the rule and an explanation (N-2.1); bad input shows the action's error and writes
nothing; a clerk without the post's authority is offered the escalation (N-3.4, D-08)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicehall.catalogue.models import Category
from servicehall.org.models import Post
from servicehall.queueing.models import Ticket
from servicehall.testing import log_in

from ..choices import EscalationStatus, Stage
from ..models import Case, Escalation
from .conftest import detections, snapshot
from .factories import called_ticket, valid_id

pytestmark = pytest.mark.django_db

URL = "/cases/open/"


@pytest.fixture
def client(client, settings):
    """A clerk who chose English (the tests read the English msgids)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def applicant(seq: int = 1, **extra) -> dict:
    return {
        "kind": "person", "name": "张三", "id_number": valid_id(seq), "phone": "13812345678",
    } | extra  # fmt: skip


def ticked(desk, count: int | None = None, version=None) -> list[str]:
    materials = desk.materials(version)
    return [str(material.pk) for material in materials[:count]]


def post_open(client, query: dict, data: dict):
    from urllib.parse import urlencode

    return client.post(f"{URL}?{urlencode(query)}", data)


def test_the_url_is_the_counters_case_opening():
    assert reverse("cases:open") == URL


def test_the_desk_links_the_called_ticket_to_opening_its_case(client, desk):
    ticket = called_ticket(desk)
    log_in(client, desk.clerk)
    page = client.get(reverse("queueing:desk", args=[1])).content.decode()
    assert f'href="{URL}?ticket={ticket.pk}"' in page
    assert 'data-testid="open-case"' in page


def test_the_ticket_preselects_its_service_item(client, desk):
    from servicehall.queueing import actions as hall

    called_ticket(desk)  # opens the window and queue A; its ticket is served first
    hall.finish_service(desk.clerk, desk.world.office.window_set.get(number=1))
    queue = Ticket.objects.first().queue
    hall.issue_ticket(
        queue=queue, channel="kiosk", client_type="unemployed", item=desk.benefit.item
    )
    ticket = hall.call_next(desk.clerk, desk.world.office.window_set.get(number=1))
    log_in(client, desk.clerk)
    response = client.get(URL, {"ticket": ticket.pk})
    assert response.status_code == 200
    assert response.context["version"] == desk.benefit
    page = response.content.decode()
    for material in desk.materials():
        assert material.name in page
    assert 'name="decision" value="accept"' in page


def test_accepting_from_the_ticket_opens_the_case_and_offers_the_receipt(client, desk):
    ticket = called_ticket(desk)
    log_in(client, desk.clerk)
    data = applicant() | {"channel": "onsite", "materials": ticked(desk), "decision": "accept"}
    response = post_open(client, {"ticket": ticket.pk, "version": desk.benefit.pk}, data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case", args=[case.number])
    assert case.stage == Stage.FIRST_REVIEW
    assert case.ticket == ticket and case.channel == "onsite"
    assert case.owner == desk.clerk and case.accepted_by == desk.clerk
    assert set(case.materials.all()) == set(desk.materials())
    page = client.get(response["Location"]).content.decode()
    assert f"Case {case.number} accepted." in page
    assert reverse("cases:receipt-pdf", args=[case.number]) in page


def test_a_green_ticket_carries_its_reason_and_an_agent_can_be_named(client, desk):
    ticket = called_ticket(desk, green_reason="elderly")
    log_in(client, desk.clerk)
    page = client.get(URL, {"ticket": ticket.pk, "version": desk.benefit.pk})
    assert page.context["form"]["green_reason"].value() == "elderly"
    data = applicant() | {
        "channel": "onsite", "materials": ticked(desk), "decision": "accept",
        "green_reason": "elderly", "agent": desk.reviewer.pk,
    }  # fmt: skip
    post_open(client, {"ticket": ticket.pk, "version": desk.benefit.pk}, data)
    case = Case.objects.get()
    assert case.green_reason == "elderly" and case.limit_days == 5
    assert case.agent == desk.reviewer and case.handler == desk.reviewer


def test_corrections_give_one_notice_of_everything_missing(client, desk):
    """N-5.6c: the two materials not ticked are on one notice, linked from the case page."""
    log_in(client, desk.clerk)
    data = applicant() | {
        "channel": "online", "materials": ticked(desk, 1), "decision": "correct",
        "return_place": "一楼3号窗口",
    }  # fmt: skip
    response = post_open(client, {"version": desk.benefit.pk}, data)
    case = Case.objects.get()
    assert case.stage == Stage.CORRECTION and case.accepted_at is None
    notice = case.notices.get()
    assert set(notice.missing.all()) == set(desk.materials()[1:])
    page = client.get(response["Location"]).content.decode()
    assert reverse("cases:notice-pdf", args=[case.number, notice.number]) in page
    assert page.count('data-state="missing"') == 2


def test_refusal_needs_rule_and_explanation_and_writes_nothing_without(client, desk):
    """N-2.1, N-5.3: no refusal without both; the error is shown, nothing written."""
    log_in(client, desk.clerk)
    query = {"version": desk.benefit.pk}
    data = applicant() | {
        "channel": "online",
        "decision": "refuse",
        "rule": "《失业保险条例》第十四条",
    }
    before = snapshot()
    response = post_open(client, query, data)
    assert response.status_code == 200
    assert snapshot() == before
    assert response.context["form"].errors["explanation"] == [
        "Explain the refusal to the client (N-2.1, N-5.3)."
    ]
    assert "Explain the refusal to the client" in response.content.decode()
    response = post_open(client, query, data | {"explanation": "未达到缴费年限。"})
    case = Case.objects.get()
    assert case.stage == Stage.NOT_ACCEPTED
    assert case.decision_rule == "《失业保险条例》第十四条"
    page = client.get(response["Location"]).content.decode()
    assert reverse("cases:refusal-pdf", args=[case.number]) in page


def test_a_bad_id_number_is_shown_on_its_field_and_nothing_is_written(client, desk):
    log_in(client, desk.clerk)
    before = snapshot()
    data = applicant(id_number="110105198001010011") | {
        "channel": "online", "materials": ticked(desk), "decision": "accept",
    }  # fmt: skip
    response = post_open(client, {"version": desk.benefit.pk}, data)
    assert response.status_code == 200
    assert snapshot() == before
    assert response.context["form"].errors["id_number"]
    assert 'data-testid="form-errors"' in response.content.decode()


def test_accepting_with_materials_missing_says_which(client, desk):
    log_in(client, desk.clerk)
    before = snapshot()
    data = applicant() | {"channel": "online", "materials": ticked(desk, 2), "decision": "accept"}
    response = post_open(client, {"version": desk.benefit.pk}, data)
    assert snapshot() == before
    (error,) = response.context["form"].errors["materials"]
    assert desk.materials()[2].name in error


def test_a_case_by_phone_has_no_ticket_and_the_phone_channel(client, desk):
    from servicehall.catalogue.tests.conftest import make_item

    category = Category.objects.create(code="CASE-P", name="咨询", order=3)
    phone_item = make_item(
        desk.world.office, desk.world.unit_admin, "PHONE-ITEM", "电话受理事项", category,
        channels=["onsite", "voice"],
    )  # fmt: skip
    Post.objects.filter(code="COUNTER").update(item_codes=["UNEMP-BENEFIT", "PHONE-ITEM"])
    log_in(client, desk.clerk)
    page = client.get(URL, {"version": phone_item.pk, "channel": "voice"})
    assert page.context["form"]["channel"].value() == "voice"
    data = applicant() | {
        "channel": "voice", "materials": ticked(desk, version=phone_item), "decision": "accept",
    }  # fmt: skip
    post_open(client, {"version": phone_item.pk, "channel": "voice"}, data)
    case = Case.objects.get()
    assert case.channel == "voice" and case.ticket is None


def test_a_clerk_without_authority_sees_the_escalation_instead(client, desk):
    """N-3.4, D-08: zhou has no post; the page offers the escalation, not the buttons."""
    log_in(client, desk.trainee)
    page = client.get(URL, {"version": desk.benefit.pk}).content.decode()
    assert 'data-testid="no-authority"' in page and 'data-testid="escalate-form"' in page
    assert 'value="accept"' not in page
    response = client.post(
        f"{reverse('cases:open-escalate')}?version={desk.benefit.pk}", {"reason": "受理岗请假"}
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get()
    assert escalation.requested_by == desk.trainee and escalation.case is None
    assert escalation.status == EscalationStatus.REQUESTED
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="escalation-pending"' in page


def test_pressing_accept_without_authority_is_refused_and_flagged(client, desk):
    log_in(client, desk.trainee)
    before, flags = snapshot(), len(detections())
    data = applicant() | {"channel": "online", "materials": ticked(desk), "decision": "accept"}
    response = post_open(client, {"version": desk.benefit.pk}, data)
    assert snapshot() == before
    assert len(detections()) == flags + 1
    assert "Your post does not cover" in response.content.decode()


def test_another_clerks_ticket_is_not_found(client, desk):
    ticket = called_ticket(desk)
    log_in(client, desk.checker)
    assert client.get(URL, {"ticket": ticket.pk}).status_code == 404


@pytest.mark.parametrize("persona", ["supervisor", "social_supervisor", "unit_admin"])
def test_only_counter_staff_open_cases(client, desk, persona):
    log_in(client, getattr(desk.world, persona))
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, desk):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_only_a_conditional_material_can_be_marked_not_applicable(client, desk):
    """N-5.6c: a required material is received or missing; a material needed only where
    it applies (a representative's ID card) may not apply to this client."""
    from servicehall.catalogue.tests.conftest import make_item

    category = Category.objects.create(code="CASE-C", name="代办", order=4)
    item = make_item(
        desk.world.office, desk.world.unit_admin, "PROXY-ITEM", "委托代办事项", category,
        materials=("居民身份证", ("代理人身份证", "委托他人代办的")),
    )  # fmt: skip
    Post.objects.filter(code="COUNTER").update(item_codes=["UNEMP-BENEFIT", "PROXY-ITEM"])
    own_id, proxy_id = desk.materials(item)
    log_in(client, desk.clerk)
    form = client.get(URL, {"version": item.pk}).context["form"]
    assert [key for key, _label in form.fields["not_applicable"].choices] == [str(proxy_id.pk)]
    assert "委托他人代办的" in client.get(URL, {"version": item.pk}).content.decode()
    before = snapshot()
    data = applicant() | {
        "channel": "online", "materials": [proxy_id.pk], "not_applicable": [own_id.pk],
        "decision": "accept",
    }  # fmt: skip
    response = post_open(client, {"version": item.pk}, data)
    assert snapshot() == before and response.context["form"].errors["not_applicable"]
    data |= {"materials": [own_id.pk], "not_applicable": [proxy_id.pk]}
    post_open(client, {"version": item.pk}, data)
    case = Case.objects.get()
    assert list(case.materials_not_applicable.all()) == [proxy_id]
    assert case.stage == Stage.FIRST_REVIEW
