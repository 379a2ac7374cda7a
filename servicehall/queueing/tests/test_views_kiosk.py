"""The kiosk (/hall/kiosk/<unit code>/): public, touch, large targets; choose a service by
category or a queue, say who you are, get a ticket issued through ``issue_ticket``."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from servicehall.catalogue.models import Category
from servicehall.ledger.models import LedgerEntry
from servicehall.queueing import actions
from servicehall.queueing.choices import Priority
from servicehall.queueing.models import Queue, Ticket

from .test_views_desk import MORNING, in_language, make_hall, make_item
from .test_views_ticket import ORIGIN, chromium_page


@pytest.fixture
def hall(world):
    with time_machine.travel(MORNING, tick=False):
        yield make_hall(world)


def url(hall, query: str = "") -> str:
    return reverse("queueing:kiosk", args=[hall.world.office.code]) + query


def test_the_start_offers_categories_and_queues_with_their_waiting(hall, client):
    actions.issue_ticket(queue=hall.b, channel="kiosk", client_type="resident")
    response = client.get(url(hall))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="category-SSC"' in body
    assert 'data-testid="queue-A"' in body and 'data-testid="queue-B"' in body
    assert [q.waiting for q in response.context["queues"]] == [0, 1]
    assert "site-header kiosk-header" in body
    # The kiosk layout: no links away into the portal or the staff login.
    assert reverse("accounts:login") not in body


def test_a_category_lists_its_items(hall, client):
    body = client.get(url(hall, "?category=SSC")).content.decode()
    assert 'data-testid="item-SSC-APPLY"' in body and "社会保障卡申领" in body


def test_an_item_leads_to_the_queue_that_serves_it(hall, client):
    response = client.get(url(hall, "?item=SSC-APPLY"))
    assert response.context["chosen_queue"] == hall.b
    body = response.content.decode()
    for value in ("employer", "resident", "employed", "unemployed", "retiree"):
        assert f'data-testid="client-{value}"' in body


def test_taking_a_ticket_for_an_item(hall, client):
    response = client.post(
        url(hall), {"item": "SSC-APPLY", "client_type": "retiree", "paper": "58"}
    )
    ticket = Ticket.objects.get()
    assert (ticket.queue, ticket.item, ticket.client_type) == (hall.b, hall.item, "retiree")
    assert ticket.channel == "kiosk" and ticket.priority == Priority.NORMAL
    entry = LedgerEntry.objects.get(event_type="hall.ticket_issued")
    assert entry.actor is None and entry.channel == "kiosk"
    target = reverse("queueing:ticket", args=[ticket.follow_token])
    assert response.status_code == 302
    assert response["Location"] == f"{target}?kiosk=1&paper=58&print=1"
    page = client.get(response["Location"]).content.decode()
    assert f'data-testid="ticket-code">{ticket.code}<' in page
    assert "paper-58" in page


def test_taking_a_ticket_for_a_queue(hall, client):
    client.post(url(hall), {"queue": "A", "client_type": "employer"})
    assert Ticket.objects.get().queue == hall.a


def test_a_bad_choice_issues_nothing(hall, client):
    response = client.post(url(hall), {"queue": "A", "client_type": "alien"})
    assert response.status_code == 400
    assert 'data-testid="kiosk-error"' in response.content.decode()
    response = client.post(url(hall), {"client_type": "resident"})
    assert in_language("Choose a service or a queue.") in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_queue_out_of_service_issues_nothing(hall, client):
    Queue.objects.filter(pk=hall.a.pk).update(active=False)
    response = client.post(url(hall), {"queue": "A", "client_type": "resident"})
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_the_actions_refusal_is_shown(hall, client):
    emp = Category.objects.create(code="EMP", name="就业", order=2)
    c = Queue.objects.create(unit=hall.world.office, prefix="C", name="就业")
    c.items.add(make_item(hall.world.office, "EMP-REG", "就业登记", emp))
    response = client.post(
        url(hall), {"queue": "C", "item": "SSC-APPLY", "client_type": "resident"}
    )
    assert response.status_code == 400
    assert in_language("This queue does not serve that item.") in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_kiosk_cannot_grant_the_green_channel(hall, client):
    client.post(url(hall), {"queue": "A", "client_type": "retiree", "green_reason": "elderly"})
    assert Ticket.objects.get().priority == Priority.NORMAL


def test_only_offices_have_kiosks(hall, client):
    assert client.get("/hall/kiosk/NOPE/").status_code == 404
    city = reverse("queueing:kiosk", args=[hall.world.city.code])
    assert client.get(city).status_code == 404
    assert client.post(city, {"queue": "A", "client_type": "resident"}).status_code == 404


def test_the_other_office_kiosk_issues_its_own_tickets(hall, client):
    other = reverse("queueing:kiosk", args=[hall.world.other_office.code])
    client.post(other, {"queue": "A", "client_type": "resident"})
    assert Ticket.objects.get().unit == hall.world.other_office


@pytest.mark.browser
def test_every_target_is_at_least_64_pixels(hall, client):
    paths = [url(hall), url(hall, "?category=SSC"), url(hall, "?item=SSC-APPLY")]
    pages = {f"{ORIGIN}{path}": client.get(path).content.decode() for path in paths}
    with chromium_page(pages, viewport={"width": 1080, "height": 1920}) as page:
        for address in pages:
            page.goto(address)
            sizes = page.eval_on_selector_all(
                ".choice, .nav-row .button, .kiosk-header button",
                "els => els.map(e => [e.textContent.trim(), e.getBoundingClientRect().height,"
                " e.getBoundingClientRect().width])",
            )
            assert sizes
            small = [s for s in sizes if s[1] < 64 or s[2] < 64]
            assert small == [], (address, small)
