"""The completion notice carries a third code, 扫码评价本次办件: the case's evaluation link
(一事一评, N-2.5). Scanned from the printed PDF and followed, it opens the case's rating page,
which takes one rating; the link counts its validity from the completion, so a case that
took longer than the link's days still gets a working code."""

from __future__ import annotations

import datetime as dt

import pytest

from servicehall.feedback.models import Rating
from servicehall.testing import log_in

from .. import actions
from ..documents import build_completion, rating_url
from .factories import local, reviewed_twice
from .pdftools import ZBARIMG, codes_of, flat, shown, text_of

RATE_PREFIX = "http://testserver/feedback/r/"


def completed(desk, clock):
    """Accepted on 2 March, completed on 12 March: more than the link's 7 days later."""
    case = reviewed_twice(desk)
    clock.move_to(local(dt.date(2026, 3, 12), 16))
    return actions.complete(desk.reviewer, case, approved=True, reason="核定按月发放")


def notice_of(client, desk, case) -> bytes:
    log_in(client, desk.clerk)
    response = client.get(f"/cases/{case.number}/completion.pdf")
    assert response.status_code == 200
    client.logout()
    return response.content


def test_the_completion_notice_invites_the_evaluation_n_2_5(client, desk, clock, tmp_path):
    case = completed(desk, clock)
    text = flat(text_of(notice_of(client, desk, case), tmp_path))
    assert shown("Scan to evaluate this case") in text  # 扫码评价本次办件
    document = build_completion(case)
    assert document.rating_url.startswith("/feedback/r/") and document.rating_svg


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (zbar-tools) is not installed")
def test_the_rating_code_decodes_and_opens_the_cases_rating_page(client, desk, clock, tmp_path):
    case = completed(desk, clock)
    codes = codes_of(notice_of(client, desk, case), tmp_path, "completion")

    (rating,) = [code for code in codes if code.startswith(RATE_PREFIX)]
    lookup = f"http://testserver/cases/lookup/?number={case.number}"
    assert len(codes) == 3 and lookup in codes  # rating, lookup, proof
    path = rating.removeprefix("http://testserver")
    page = client.get(path)
    assert page.status_code == 200
    shown_page = page.content.decode()
    assert case.number in shown_page and 'data-testid="rating-form"' in shown_page

    done = client.post(path, {"level": "5"})

    assert done.status_code == 200 and 'data-testid="thanks"' in done.content.decode()
    rated = Rating.objects.get(case=case)
    assert (rated.subject_kind, rated.level, rated.channel) == ("case", 5, "portal")
    assert client.get(path).status_code == 410  # one rating per case


def test_the_link_is_valid_for_the_units_days_from_the_completion(client, desk, clock):
    case = completed(desk, clock)
    path = rating_url(None, case)
    clock.move_to(local(dt.date(2026, 3, 19), 15))  # 7 days less an hour after completion
    assert client.get(path).status_code == 200
    clock.move_to(local(dt.date(2026, 3, 19), 17))
    assert client.get(path).status_code == 410
    assert not Rating.objects.filter(case=case).exists()


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (zbar-tools) is not installed")
def test_a_refused_case_keeps_its_three_codes_on_the_first_page(client, desk, clock, tmp_path):
    case = reviewed_twice(desk)
    clock.move_to(local(dt.date(2026, 3, 12), 16))
    case = actions.complete(
        desk.reviewer, case, approved=False, rule="《失业保险条例》第十四条",
        reason="经核查，您系本人意愿中断就业，不符合领取条件。\n" * 3,
    )  # fmt: skip
    codes = codes_of(notice_of(client, desk, case), tmp_path, "refused")
    assert len(codes) == 3
    assert sum(code.startswith(RATE_PREFIX) for code in codes) == 1
    assert sum(code.startswith("{") for code in codes) == 1  # the proof
