"""The work lists (不积压, N-5.4): my cases (handler, first-contact owner N-5.6a, agent
N-5.6b), due soon (yellow), overdue (red), waiting for a second review I may do (N-5.5,
N-6.4), escalations waiting for the head on duty (N-3.4), and the unit's backlog by stage;
each a query on the indexed columns, with a number of queries that does not grow with the
list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicehall.testing import log_in

from .. import actions
from ..choices import Stage
from .factories import DAY, accept, in_correction, local, reviewed_once, reviewed_twice

pytestmark = pytest.mark.django_db

#: The most queries a work-list page may make, whatever the number of cases (session and
#: user, the user's post, six tab counts (online applications among them), the list, the
#: calendar, the unit).
MAX_QUERIES = 14


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def listed(client, tab: str) -> list[str]:
    response = client.get(reverse("cases:work-tab", args=[tab]))
    assert response.status_code == 200
    return [case.number for case in response.context["cases"]]


def test_the_urls():
    assert reverse("cases:work") == "/cases/work/"
    assert reverse("cases:work-tab", args=["overdue"]) == "/cases/work/overdue/"


def test_my_cases_are_those_i_handle_own_or_carry_as_agent(client, desk):
    handled = accept(desk, 1)  # wang accepts: owner and handler
    passed_on = reviewed_once(desk, 2)  # wang owns it, li handles it now
    carried = accept(desk, 3, agent=desk.checker)  # qian carries it (全程代理)
    done = reviewed_twice(desk, 4)
    actions.complete(desk.clerk, done, approved=True)
    log_in(client, desk.clerk)
    response = client.get(reverse("cases:work"))
    assert response.context["tab"] == "mine"
    mine = [case.number for case in response.context["cases"]]
    assert set(mine) == {handled.number, passed_on.number, carried.number}  # not the done one
    page = response.content.decode()
    assert handled.number in page and "失业保险金申领" in page and "10 working days left" in page
    log_in(client, desk.reviewer)
    assert listed(client, "mine") == [passed_on.number]
    log_in(client, desk.checker)
    assert listed(client, "mine") == [carried.number]


def test_due_soon_and_overdue_follow_the_deadline_columns(client, desk, clock):
    """N-5.6d: yellow when a warning has come, red once a limit is exceeded. The first
    review's share of ten working days ends with day 4 (Friday 6 March), its yellow card
    is due at the close of day 3; the case's limit ends on 16 March."""
    case = accept(desk, 1)
    in_correction(desk, 2)  # the clock stands: never due soon nor overdue
    log_in(client, desk.clerk)
    assert listed(client, "soon") == [] and listed(client, "overdue") == []
    clock.move_to(local(DAY.replace(day=5), 18))
    log_in(client, desk.clerk)  # the session of Monday has expired
    assert listed(client, "soon") == [case.number] and listed(client, "overdue") == []
    clock.move_to(local(DAY.replace(day=6), 18))
    log_in(client, desk.clerk)
    assert listed(client, "soon") == [] and listed(client, "overdue") == [case.number]
    page = client.get(reverse("cases:work-tab", args=["overdue"])).content.decode()
    assert "Overdue since 2026-03-06 17:00" in page  # the stage's share
    clock.move_to(local(DAY.replace(day=17), 10))
    log_in(client, desk.clerk)
    page = client.get(reverse("cases:work-tab", args=["overdue"])).content.decode()
    assert "Overdue since 2026-03-16 17:00" in page  # the case's limit


def test_second_reviews_are_listed_for_those_who_may_do_them(client, desk):
    """N-5.5, N-6.4: not for the first reviewer, nor for a post without second review."""
    case = reviewed_once(desk)
    log_in(client, desk.checker)
    assert listed(client, "second") == [case.number]
    log_in(client, desk.reviewer)
    assert listed(client, "second") == []
    log_in(client, desk.clerk)
    assert listed(client, "second") == []


def test_escalations_wait_for_the_head_on_duty_only(client, desk):
    case = accept(desk)
    escalation = actions.escalate(desk.clerk, reason="审核岗人员外出", case=case)
    log_in(client, desk.head)
    response = client.get(reverse("cases:work-tab", args=["escalations"]))
    assert list(response.context["escalations"]) == [escalation]
    page = response.content.decode()
    assert reverse("cases:escalation", args=[escalation.pk]) in page and "审核岗人员外出" in page
    log_in(client, desk.clerk)
    assert client.get(reverse("cases:work-tab", args=["escalations"])).status_code == 404
    assert 'data-testid="tab-escalations"' not in client.get(reverse("cases:work")).content.decode()


def test_the_head_sees_the_units_backlog_by_stage_with_overdue_counts(client, desk, clock):
    accept(desk, 1)
    accept(desk, 2)
    reviewed_once(desk, 3)
    in_correction(desk, 4)
    clock.move_to(local(DAY.replace(day=17), 10))
    log_in(client, desk.head)
    response = client.get(reverse("cases:work-tab", args=["backlog"]))
    rows = {row.stage: (row.total, row.overdue) for row in response.context["backlog"]}
    assert rows == {
        Stage.SUBMITTED: (0, 0),
        Stage.CORRECTION: (1, 0),
        Stage.FIRST_REVIEW: (2, 2),
        Stage.SECOND_REVIEW: (1, 1),
        Stage.COMPLETION: (0, 0),
    }
    page = response.content.decode()
    assert 'data-testid="backlog-first_review-overdue"><span class="card-level card-red">2' in page
    log_in(client, desk.clerk)
    assert client.get(reverse("cases:work-tab", args=["backlog"])).status_code == 404


def test_another_units_cases_are_never_listed(client, desk):
    accept(desk)
    log_in(client, desk.world.outsider)
    assert listed(client, "mine") == [] and listed(client, "overdue") == []


@pytest.mark.parametrize("persona", ["supervisor", "social_supervisor", "unit_admin"])
def test_only_counter_staff_have_work_lists(client, desk, persona):
    log_in(client, getattr(desk.world, persona))
    assert client.get(reverse("cases:work")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, desk):
    response = client.get(reverse("cases:work"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _queries(client, tab: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("cases:work-tab", args=[tab])).status_code == 200
    return len(captured)


#: When each list is full: the second review's share (working days 5 to 7 of ten) has its
#: yellow card at the close of day 6 (Tuesday 10 March) and ends with day 7.
FULL_AT = {"soon": 10, "overdue": 13}


@pytest.mark.parametrize("tab", ["mine", "soon", "overdue", "second", "escalations", "backlog"])
def test_the_lists_cost_the_same_queries_whatever_their_length(
    client, desk, clock, tab, django_assert_max_num_queries
):
    """No N+1: two cases or eight, the same number of queries, at most MAX_QUERIES."""
    viewer = desk.head if tab in ("escalations", "backlog") else desk.checker
    moment = local(DAY.replace(day=FULL_AT.get(tab, 10)), 18)

    def add(seqs):
        clock.move_to(local(DAY, 10))
        for seq in seqs:
            case = reviewed_once(desk, seq, agent=desk.checker)
            actions.escalate(desk.trainee, reason="人手不足", case=case)
        clock.move_to(moment)
        log_in(client, viewer)

    add((1, 2))
    few = _queries(client, tab)
    add(range(3, 9))
    response = client.get(reverse("cases:work-tab", args=[tab]))
    shown = response.context.get("cases") or response.context.get("escalations")
    if tab == "backlog":
        rows = {row.stage: row.total for row in response.context["backlog"]}
        assert rows[Stage.SECOND_REVIEW] == 8
    else:
        assert len(shown) == 8
    with django_assert_max_num_queries(MAX_QUERIES):
        many = _queries(client, tab)
    assert many == few


def test_the_staff_home_links_the_work_lists(client, desk):
    log_in(client, desk.clerk)
    page = client.get(reverse("portal:staff-home")).content.decode()
    assert f'href="{reverse("cases:work")}"' in page
    assert reverse("cases:work-tab", args=["overdue"]) in page
    assert reverse("cases:work-tab", args=["backlog"]) not in page
    log_in(client, desk.head)
    page = client.get(reverse("portal:staff-home")).content.decode()
    assert reverse("cases:work-tab", args=["escalations"]) in page
    assert reverse("cases:work-tab", args=["backlog"]) in page
    log_in(client, desk.world.supervisor)
    assert (
        'data-testid="case-work"' not in client.get(reverse("portal:staff-home")).content.decode()
    )
