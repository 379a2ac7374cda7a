"""A NUL character in the address is refused with a 400 in the client's language, before any
view looks it up (PostgreSQL refuses NUL in text: it was a server error on the case, receipt
and complaint pages)."""

from __future__ import annotations

import pytest

from servicehall.testing import log_in

ADDRESSES = [
    "/cases/a%00/",
    "/cases/a%00/receipt.pdf",
    "/complaints/staff/TS%00/",
    "/feedback/visit/a%00b/",
    "/guides/SSC%00/",
    "/figures/?month=2026-0%003",
    "/hall/desk/1/?x%00=1",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_a_nul_character_is_refused_in_chinese(client, world, address):
    log_in(client, world.head)
    response = client.get(address)
    assert response.status_code == 400
    assert "地址中含有不允许的字符" in response.content.decode()


def test_the_refusal_speaks_english_on_request(client, world):
    response = client.get("/cases/a%00/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "not allowed" in response.content.decode()


def test_ordinary_addresses_pass(client, world):
    assert client.get("/figures/").status_code == 200
