"""The counter desk after finishing a service (P-W26): it asks for the evaluation, says
whether the window's pad asks the client, and shows the QR code of the rating page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicehall.devices.actions import issue_device
from servicehall.testing import log_in

from .factories import finished_visit, rate_visit, window1

pytestmark = pytest.mark.usefixtures("clock")


def _desk_after(web, world, ticket):
    log_in(web, world.clerk)
    url = reverse("queueing:desk", args=[1])
    return web.get(url, {"after": "finish", "ticket": ticket.pk}).content.decode()


def test_after_finishing_the_desk_asks_for_the_evaluation_with_the_qr_code(world, web):
    ticket = finished_visit(world)
    page = _desk_after(web, world, ticket)
    assert 'data-testid="rating-invite"' in page and "P-W26" in page
    assert "<svg" in page.split('data-testid="rating-invite"')[1]
    assert reverse("feedback:rate-visit", args=[ticket.follow_token]) in page
    assert "no rating pad" in page


def test_with_a_pad_the_desk_says_the_pad_asks(world, web):
    issue_device(world.unit_admin, unit=world.office, kind="rating_pad", name="p",
                 window=window1(world))  # fmt: skip
    ticket = finished_visit(world)
    page = _desk_after(web, world, ticket)
    assert f"The rating pad at this window now asks {ticket.code}" in page


def test_once_rated_the_desk_says_so(world, web):
    ticket = finished_visit(world)
    rate_visit(ticket, 5, reasons=())
    page = _desk_after(web, world, ticket)
    assert 'data-testid="rating-done"' in page


def test_without_a_finish_there_is_no_invite(world, web):
    finished_visit(world)
    log_in(web, world.clerk)
    page = web.get(reverse("queueing:desk", args=[1])).content.decode()
    assert 'data-testid="rating-invite"' not in page
