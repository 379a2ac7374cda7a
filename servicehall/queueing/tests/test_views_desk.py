"""The counter desk page (/hall/desk/<n>/) and its buttons: each calls its action and comes
back (PRG); a state that does not allow the action shows the action's message and changes
nothing."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from servicehall.catalogue.models import Category, ServiceItem, ServiceItemVersion
from servicehall.ledger.models import LedgerEntry
from servicehall.org.models import Window
from servicehall.queueing import actions
from servicehall.queueing.choices import Priority, TicketStatus, WindowStatus
from servicehall.queueing.models import HallSettings, Queue, Ticket, WindowQueue, WindowState
from servicehall.supervision.models import Detection
from servicehall.testing import World, log_in

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A Tuesday, before the office opens at 09:00.
MORNING = dt.datetime(2026, 3, 10, 8, 30, tzinfo=SHANGHAI)


@dataclass
class Hall:
    """The office's hall: queues A (every item) and B (social security cards), window 1
    serving A then B, window 2 serving B; one published item that queue B names."""

    world: World
    a: Queue
    b: Queue
    w1: Window
    w2: Window
    item: ServiceItem
    category: Category


def make_item(unit, code: str, name: str, category: Category) -> ServiceItem:
    item = ServiceItem.objects.create(code=code, unit=unit)
    version = ServiceItemVersion.objects.create(
        item=item, number=1, name=name, category=category, status="published",
        eligibility="本市参保人员", route_place="一楼大厅", legal_limit_days=0,
        promised_limit_days=0, immediate=True,
    )  # fmt: skip
    ServiceItem.objects.filter(pk=item.pk).update(current=version)
    item.refresh_from_db()
    return item


def make_hall(world: World) -> Hall:
    office = world.office
    HallSettings.objects.create(unit=office, long_wait_minutes=30, recalls_before_no_show=2)
    w1 = Window.objects.get(unit=office, number=1)
    Window.objects.filter(pk=w1.pk).update(location="一楼东侧")
    w1.refresh_from_db()
    w2 = Window.objects.create(unit=office, number=2, name="社会保障卡", location="一楼中部")
    a = Queue.objects.create(unit=office, prefix="A", name="综合业务")
    b = Queue.objects.create(unit=office, prefix="B", name="社会保障卡")
    category = Category.objects.create(code="SSC", name="社会保障卡", order=1)
    item = make_item(office, "SSC-APPLY", "社会保障卡申领", category)
    b.items.add(item)
    WindowQueue.objects.create(window=w1, queue=a, preference=1)
    WindowQueue.objects.create(window=w1, queue=b, preference=2)
    WindowQueue.objects.create(window=w2, queue=b, preference=1)
    other = Queue.objects.create(unit=world.other_office, prefix="A", name="综合业务")
    WindowQueue.objects.create(
        window=Window.objects.get(unit=world.other_office, number=1), queue=other
    )
    return Hall(world=world, a=a, b=b, w1=w1, w2=w2, item=item, category=category)


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hall(world, clock) -> Hall:
    return make_hall(world)


@pytest.fixture
def at_work(hall, client) -> Hall:
    """Window 1 opened by the clerk, who is logged in."""
    actions.open_window(
        hall.world.clerk, hall.w1, systems_checked=True, vouchers_ready=True, at_post=True
    )
    log_in(client, hall.world.clerk)
    return hall


def issue(queue: Queue, **extra) -> Ticket:
    return actions.issue_ticket(queue=queue, channel="kiosk", client_type="resident", **extra)


def desk_url(number: int = 1) -> str:
    return reverse("queueing:desk", args=[number])


def press(client, action: str, number: int = 1, **data):
    return client.post(reverse("queueing:desk-action", args=[number, action]), data, follow=True)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def state(hall: Hall, window: Window | None = None) -> WindowState:
    return WindowState.objects.select_related("current").get(window=window or hall.w1)


def in_language(text: str) -> str:
    """``text`` as the default language (Simplified Chinese) says it."""
    with translation.override("zh-hans"):
        return _(text)


# --- who may open the desk ----------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(hall, client):
    response = client.get(desk_url())
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("persona", ["supervisor", "social_supervisor", "system_admin"])
def test_roles_outside_the_hall_are_refused(hall, client, persona):
    log_in(client, getattr(hall.world, persona))
    assert client.get(desk_url()).status_code == 403
    response = client.post(reverse("queueing:desk-action", args=[1, "call-next"]))
    assert response.status_code == 403


def test_another_units_window_is_not_found(hall, client):
    # The outsider's office has a window 1 but no window 2: that one is the clerk's office's.
    log_in(client, hall.world.outsider)
    assert client.get(desk_url(2)).status_code == 404
    assert client.post(reverse("queueing:desk-action", args=[2, "call-next"])).status_code == 404
    assert WindowState.objects.filter(window=hall.w2).count() == 0


def test_the_outsider_sees_only_their_own_window_one(hall, client):
    log_in(client, hall.world.outsider)
    response = client.get(desk_url(1))
    assert response.status_code == 200
    assert response.context["window"].unit == hall.world.other_office


def test_buttons_only_take_post_and_known_actions(at_work, client):
    assert client.get(reverse("queueing:desk-action", args=[1, "call-next"])).status_code == 405
    assert client.post(reverse("queueing:desk-action", args=[1, "explode"])).status_code == 404


# --- what the desk shows ------------------------------------------------------------------


def test_a_closed_window_offers_the_opening_checklist(hall, client):
    log_in(client, hall.world.clerk)
    response = client.get(desk_url())
    body = response.content.decode()
    assert response.context["status"] == WindowStatus.CLOSED
    assert reverse("queueing:desk-open", args=[1]) in body
    assert 'data-shortcut="n"' not in body


def test_the_next_ones_are_listed_in_calling_order(at_work, client, clock):
    hall = at_work
    first = issue(hall.a)
    clock.shift(dt.timedelta(minutes=1))
    from_b = issue(hall.b)
    clock.shift(dt.timedelta(minutes=1))
    second = issue(hall.a)
    clock.shift(dt.timedelta(minutes=1))
    green = actions.issue_ticket(
        queue=hall.a, channel="guide_desk", client_type="retiree", green_reason="elderly",
        actor=hall.world.reviewer,
    )  # fmt: skip
    clock.shift(dt.timedelta(minutes=35))
    log_in(client, hall.world.clerk)  # the session's idle timeout is 30 minutes
    response = client.get(desk_url())
    codes = [t.code for t in response.context["next_tickets"]]
    # Queue A first (green channel, then issue time), then the window's second queue B.
    assert codes == [green.code, first.code, second.code, from_b.code]
    body = response.content.decode()
    assert body.index(f'data-testid="next-{green.code}"') < body.index(
        f'data-testid="next-{first.code}"'
    )
    assert "long-wait" in body  # over 30 minutes
    assert response.context["waiting_total"] == 4


def test_the_next_list_matches_what_call_next_takes(at_work, client, clock):
    hall = at_work
    for queue in (hall.b, hall.a, hall.b, hall.a):
        issue(queue)
        clock.shift(dt.timedelta(minutes=1))
    shown = [t.pk for t in client.get(desk_url()).context["next_tickets"]]
    called = []
    for _n in shown:
        called.append(actions.call_next(hall.world.clerk, hall.w1).pk)
        actions.finish_service(hall.world.clerk, hall.w1)
    assert called == shown


def test_the_desk_keeps_its_query_count_as_the_hall_fills(
    at_work, client, django_assert_max_num_queries
):
    hall = at_work
    issue(hall.a)
    actions.call_next(hall.world.clerk, hall.w1)
    for _n in range(3):
        issue(hall.a)
    # Session and user (2), window, its state, hall settings (3), the window's queues and a
    # count and a page per pool (5), the phrases (1), the transfer targets (2), the waiting
    # tickets to choose from (1), and the session saved (3): the same whatever the queue.
    with django_assert_max_num_queries(17):
        client.get(desk_url())
    for _n in range(40):
        issue(hall.a, item=hall.item)
        issue(hall.b, item=hall.item)
    with django_assert_max_num_queries(17):
        response = client.get(desk_url())
    assert len(response.context["next_tickets"]) == 8
    assert response.context["waiting_total"] == 83


def test_keyboard_shortcuts_are_documented(at_work, client):
    body = client.get(desk_url()).content.decode()
    for key in "NRSFX":
        assert f"<kbd>{key}</kbd>" in body
    assert 'data-shortcut="n"' in body
    assert "desk.js" in body


def _case_slot(client) -> str:
    body = client.get(desk_url()).content.decode()
    return re.search(r'data-testid="case-slot".*?</section>', body, re.S).group(0)


def test_without_a_client_the_case_slot_has_no_link(at_work, client):
    assert "<a " not in _case_slot(client)


def test_the_called_client_s_case_opens_from_the_desk(at_work, client):
    """N-5.6a: the clerk who calls the client opens the case (受理办件) from the ticket."""
    ticket = issue(at_work.a, item=at_work.item)
    press(client, "call-next")
    slot = _case_slot(client)
    assert f'href="{reverse("cases:open")}?ticket={ticket.pk}"' in slot
    assert 'data-testid="open-case"' in slot


# --- the buttons --------------------------------------------------------------------------


def test_call_next_calls_and_prompts_the_greeting(at_work, client):
    hall = at_work
    ticket = issue(hall.a, item=hall.item)
    response = press(client, "call-next")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED and ticket.window == hall.w1
    assert state(hall).current == ticket
    body = response.content.decode()
    assert f'data-testid="current-ticket">{ticket.code}<' in body
    assert "社会保障卡申领" in body
    assert 'data-testid="prompt-P-W01"' in body and "您好，欢迎光临" in body
    # The apology and the reassurance are for a long wait only.
    assert 'data-testid="prompt-P-W10"' not in body
    assert 'data-testid="prompt-P-W03"' not in body
    assert LedgerEntry.objects.filter(event_type="hall.ticket_called").count() == 1


def test_call_next_with_nobody_waiting_says_so(at_work, client):
    response = press(client, "call-next")
    assert page_messages(response) == [in_language("Nobody is waiting for this window.")]
    assert state(at_work).current is None


def test_a_long_wait_prompts_the_apology(at_work, client, clock):
    hall = at_work
    ticket = issue(hall.a)
    clock.shift(dt.timedelta(minutes=42))
    log_in(client, hall.world.clerk)  # the session's idle timeout is 30 minutes
    response = press(client, "call-next")
    body = response.content.decode()
    assert 'data-testid="prompt-P-W10"' in body and "对不起，让您久等了。" in body
    assert 'data-testid="prompt-P-W03"' in body and "请别着急，我们马上给您办理。" in body
    assert body.index("prompt-P-W10") < body.index("prompt-P-W03") < body.index("prompt-P-W01")
    assert response.context["waited"] == 42
    assert ticket.code in body


def test_green_channel_reason_is_shown(at_work, client):
    hall = at_work
    actions.issue_ticket(
        queue=hall.a, channel="guide_desk", client_type="retiree", green_reason="disabled",
        actor=hall.world.reviewer,
    )  # fmt: skip
    response = press(client, "call-next")
    current = response.context["current"]
    assert current.priority == Priority.GREEN
    body = response.content.decode()
    assert str(current.get_green_reason_display()) in body


def test_recall_counts_and_no_show_needs_the_recalls(at_work, client):
    hall = at_work
    ticket = issue(hall.a)
    press(client, "call-next")
    response = press(client, "skip")
    needed = in_language("Call the client again first: {needed} recalls before a no-show.")
    assert page_messages(response) == [needed.format(needed=2)]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED
    press(client, "recall")
    press(client, "recall")
    ticket.refresh_from_db()
    assert ticket.recalls == 2
    response = press(client, "skip")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NO_SHOW
    assert state(hall).current is None
    assert response.context["current"] is None


def test_start_then_finish_asks_for_the_evaluation(at_work, client):
    hall = at_work
    ticket = issue(hall.a)
    press(client, "call-next")
    response = press(client, "start")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVING
    body = response.content.decode()
    assert 'data-testid="prompt-P-W09"' in body
    assert 'data-testid="prompt-P-W07"' in body and "请您听我再详细解释一遍。" in body
    assert 'data-testid="prompt-P-W20"' in body and "请签名，请对号。" in body
    assert 'data-testid="prompt-P-W01"' not in body
    response = press(client, "finish")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DONE and ticket.finished_at is not None
    assert response.redirect_chain[-1][0].endswith(f"?after=finish&ticket={ticket.pk}")
    body = response.content.decode()
    assert 'data-testid="prompt-P-W26"' in body and "请您对我的服务作出评价。" in body
    # Anything else first, the evaluation, then the farewell.
    assert "请问，还需要我为您做什么吗" in body and "请走好，再见。" in body
    assert body.index("prompt-P-W22") < body.index("prompt-P-W26") < body.index("prompt-P-W27")
    assert "服务对象离开时。" in body  # the moment, in the clerk's language
    assert 'data-testid="prompt-P-W09"' not in body
    assert 'data-testid="no-current"' in body


def test_start_without_a_client_shows_the_actions_message(at_work, client):
    response = press(client, "start")
    assert page_messages(response) == [in_language("There is no client at this window for that.")]
    assert LedgerEntry.objects.filter(event_type="hall.service_started").count() == 0


def test_transfer_to_a_window_keeps_the_place_and_prompts_the_way(at_work, client):
    hall = at_work
    ticket = issue(hall.a)
    press(client, "call-next")
    response = press(client, "transfer", target=f"w{hall.w2.pk}", reason="属社保卡业务")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.target_window == hall.w2 and ticket.transfers == 1
    assert state(hall).current is None
    body = response.content.decode()
    assert 'data-testid="prompt-P-W18"' in body
    assert "请您到2号社会保障卡窗口办理。" in body


def test_transfer_to_a_queue(at_work, client):
    hall = at_work
    ticket = issue(hall.a)
    press(client, "call-next")
    response = press(client, "transfer", target=f"q{hall.b.pk}", reason="属社保卡业务")
    ticket.refresh_from_db()
    assert ticket.queue == hall.b and ticket.status == TicketStatus.WAITING
    assert "请您到社会保障卡窗口办理。" in response.content.decode()


def test_transfer_to_a_queue_that_has_tickets_of_its_own(at_work, client):
    hall = at_work
    moved = issue(hall.a)  # A001, number 1
    issue(hall.b)  # B001, number 1 too
    press(client, "call-next")
    press(client, "transfer", target=f"q{hall.b.pk}", reason="属社保卡业务")
    moved.refresh_from_db()
    assert moved.queue == hall.b


def test_transfer_needs_a_reason_and_a_target(at_work, client):
    hall = at_work
    ticket = issue(hall.a)
    press(client, "call-next")
    response = press(client, "transfer", target=f"w{hall.w2.pk}", reason="")
    assert len(page_messages(response)) == 1
    response = press(client, "transfer", target=f"w{hall.w1.pk}", reason="自己")
    assert len(page_messages(response)) == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED and ticket.transfers == 0


def test_call_a_chosen_ticket_needs_a_reason_and_is_flagged(at_work, client, clock):
    hall = at_work
    issue(hall.a)
    clock.shift(dt.timedelta(minutes=1))
    later = issue(hall.a)
    body = client.get(desk_url()).content.decode()
    assert "D-13" in body
    response = press(client, "call-chosen", ticket=later.pk, reason="")
    later.refresh_from_db()
    assert later.status == TicketStatus.WAITING
    assert len(page_messages(response)) == 1
    assert Detection.objects.filter(clause="D-13").count() == 0
    response = press(client, "call-chosen", ticket=later.pk, reason="预约时间已到")
    later.refresh_from_db()
    assert later.status == TicketStatus.CALLED and later.window == hall.w1
    assert Detection.objects.filter(clause="D-13", subject_id=str(later.pk)).count() == 1
    assert response.context["current"] == later


def test_pause_shows_the_queue_phrase_and_resume_reopens(at_work, client):
    hall = at_work
    response = press(client, "pause", reason="break", minutes=15)
    window_state = state(hall)
    assert window_state.status == WindowStatus.PAUSED and window_state.pause_reason == "break"
    body = response.content.decode()
    assert 'data-testid="prompt-P-W11"' in body
    assert "08:45" in body  # paused until
    response = press(client, "pause", reason="break", minutes=15)
    assert page_messages(response) == [in_language("Only an open window can pause.")]
    assert 'data-focus-key="t"' not in body  # nothing to transfer or call while paused
    press(client, "resume")
    assert state(hall).status == WindowStatus.OPEN


def test_pause_needs_a_reason_and_a_length(at_work, client):
    response = press(client, "pause", reason="nap", minutes=500)
    assert len(page_messages(response)) == 1
    assert state(at_work).status == WindowStatus.OPEN


def test_close_while_serving_is_refused_then_allowed(at_work, client):
    hall = at_work
    issue(hall.a)
    press(client, "call-next")
    response = press(client, "close")
    assert page_messages(response) == [
        in_language("Finish, transfer or skip the current client first.")
    ]
    assert state(hall).status == WindowStatus.OPEN
    press(client, "finish")
    response = press(client, "close")
    assert state(hall).status == WindowStatus.CLOSED
    assert response.context["status"] == WindowStatus.CLOSED


def test_another_clerk_at_the_window_cannot_press_its_buttons(at_work, client):
    hall = at_work
    ticket = issue(hall.a)
    log_in(client, hall.world.reviewer)
    body = client.get(desk_url()).content.decode()
    assert hall.world.clerk.display_name in body
    assert 'data-shortcut="n"' not in body
    response = press(client, "call-next")
    assert page_messages(response) == [in_language("Another clerk is working at this window.")]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING


def test_errors_follow_the_users_language(at_work, client):
    client.cookies["django_language"] = "en"
    response = press(client, "start")
    assert page_messages(response) == ["There is no client at this window for that."]


# --- the guidance desk (/hall/desk/guide/) ------------------------------------------------

GUIDE = "/hall/desk/guide/"


def test_guidance_desk_grants_the_green_channel(hall, client):
    log_in(client, hall.world.reviewer)
    response = client.post(
        GUIDE, {"queue": "A", "client_type": "retiree", "green_reason": "elderly"}, follow=True
    )
    ticket = Ticket.objects.get()
    assert ticket.channel == "guide_desk" and ticket.queue == hall.a
    assert ticket.priority == Priority.GREEN and ticket.green_reason == "elderly"
    entry = LedgerEntry.objects.get(event_type="hall.ticket_issued")
    assert entry.actor == hall.world.reviewer
    assert response.redirect_chain[-1][0] == GUIDE
    body = response.content.decode()
    assert f'data-testid="issued-{ticket.code}"' in body
    assert reverse("queueing:ticket", args=[ticket.follow_token]) in body


def test_guidance_desk_finds_the_queue_of_the_item(hall, client):
    log_in(client, hall.world.clerk)
    client.post(GUIDE, {"item": "SSC-APPLY", "client_type": "resident"})
    ticket = Ticket.objects.get()
    assert ticket.queue == hall.b and ticket.item == hall.item
    assert ticket.priority == Priority.NORMAL


def test_guidance_desk_shows_the_actions_refusal(hall, client):
    other = Category.objects.create(code="EMP", name="就业", order=2)
    c = Queue.objects.create(unit=hall.world.office, prefix="C", name="就业")
    c.items.add(make_item(hall.world.office, "EMP-REG", "就业登记", other))
    log_in(client, hall.world.clerk)
    response = client.post(GUIDE, {"queue": "C", "item": "SSC-APPLY", "client_type": "resident"})
    assert response.status_code == 200
    assert in_language("This queue does not serve that item.") in response.content.decode()
    assert not Ticket.objects.exists()


def test_guidance_desk_needs_a_queue_or_an_item(hall, client):
    log_in(client, hall.world.clerk)
    response = client.post(GUIDE, {"client_type": "resident"})
    assert in_language("Choose a service or a queue.") in response.content.decode()
    assert not Ticket.objects.exists()


def test_guidance_desk_access(hall, client):
    assert client.get(GUIDE).status_code == 302
    log_in(client, hall.world.social_supervisor)
    assert client.get(GUIDE).status_code == 403
    assert client.post(GUIDE, {"queue": "A", "client_type": "resident"}).status_code == 403
    # The outsider's form offers their own office's queues only: "A" is their office's A.
    log_in(client, hall.world.outsider)
    client.post(GUIDE, {"queue": "A", "client_type": "resident"})
    client.post(GUIDE, {"queue": "B", "client_type": "resident"})  # the office's B: not theirs
    ticket = Ticket.objects.get()
    assert ticket.unit == hall.world.other_office and ticket.queue.unit == ticket.unit
