"""A case carried through its stages in real browsers (issue #6).

The clerk wang calls a client at the counter desk and opens the client's case from the
called ticket; a material is missing, so he gives the one-time notice (补正, N-5.6c); the
client comes back with it and the case resumes (the clock runs again). The reviewer li
passes the first review; li may not do the second review of a case he reviewed first
(N-5.5, N-6.4), so qian does; wang completes it. The acceptance receipt is printed (a real
PDF with the case number) and the client follows the case on the portal with the receipt
number and the last four characters of the ID number. Screenshots go to
test-artifacts/browser/cases-*.png.
"""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

from servicehall.cases.models import Case
from servicehall.cases.tests.factories import make_desk, valid_id
from servicehall.queueing import actions as hall
from servicehall.queueing.models import Queue, WindowQueue

from .staff import log_in, log_out

pytestmark = pytest.mark.browser

ID_NUMBER = valid_id(42)


@pytest.fixture
def desk(world):
    """Wang at window 1 with queue A; one client waiting for him."""
    desk = make_desk(world)
    window = world.office.window_set.get(number=1)
    queue = Queue.objects.create(unit=world.office, prefix="A", name="综合业务")
    WindowQueue.objects.create(window=window, queue=queue, preference=1)
    hall.open_window(world.clerk, window, systems_checked=True, vouchers_ready=True, at_post=True)
    hall.issue_ticket(queue=queue, channel="kiosk", client_type="unemployed", item=None)
    return desk


def _stage(page) -> str:
    return page.get_by_test_id("stage").get_attribute("data-stage")


def test_a_case_from_the_called_ticket_to_the_portal(page, step, desk, chromium, live_server):
    # The counter desk: call the client, open their case.
    log_in(page, "wang")
    page.goto("/hall/desk/1/")
    page.locator("button[data-shortcut=n]").click()
    expect(page.get_by_test_id("current-ticket")).to_have_text("A001")
    step("cases-01-desk-called")
    page.get_by_test_id("open-case").click()
    page.get_by_test_id("pick-item").locator("select").select_option(value=str(desk.benefit.pk))
    page.get_by_test_id("pick-item").get_by_role("button").click()

    # The applicant and the materials: the termination certificate is missing.
    form = page.get_by_test_id("open-form")
    form.locator("input[name=name]").fill("赵六")
    form.locator("input[name=id_number]").fill(ID_NUMBER)
    form.locator("input[name=phone]").fill("13912345678")
    materials = desk.materials()
    form.locator(f"input[name=materials][value='{materials[0].pk}']").check()
    form.locator(f"input[name=not_applicable][value='{materials[2].pk}']").check()
    step("cases-02-open-form")
    form.get_by_test_id("correct").click()

    # The case waits for corrections; the one-time notice names the missing material.
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", "correction")
    case = Case.objects.get()
    assert case.ticket is not None and case.ticket.code == "A001"
    assert case.owner == desk.clerk
    expect(page.get_by_test_id(f"material-{materials[1].pk}")).to_have_attribute(
        "data-state", "missing"
    )
    expect(page.get_by_test_id("notices")).to_be_visible()
    expect(page.get_by_test_id("masked-id")).not_to_contain_text(ID_NUMBER)
    step("cases-03-correction")

    # The client is back with the certificate: the case resumes, the clock runs.
    resume = page.get_by_test_id("resume-form")
    resume.locator(f"input[value='{materials[1].pk}']").check()
    resume.get_by_role("button").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", "first_review")
    expect(page.get_by_test_id("receipt-link")).to_be_visible()
    step("cases-04-resumed")

    # The acceptance receipt is a real PDF with the case number.
    receipt = page.request.get(page.get_by_test_id("receipt-link").get_attribute("href"))
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=receipt.body(), capture_output=True, check=True
    ).stdout.decode()
    assert case.number in text
    case_url = page.url

    # First review by li.
    log_out(page)
    log_in(page, "li")
    page.goto(case_url)
    page.get_by_test_id("first-review-pass").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", "second_review")
    # li reviewed first: the second review is not his (N-5.5, N-6.4).
    expect(page.get_by_test_id("second-review-blocked")).to_be_visible()
    step("cases-05-second-review-blocked")

    # Second review by qian, another person.
    log_out(page)
    log_in(page, "qian")
    page.goto(case_url)
    page.get_by_test_id("second-review-pass").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", "completion")

    # Wang completes it.
    log_out(page)
    log_in(page, "wang")
    page.goto(case_url)
    page.get_by_test_id("complete-approve").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", "approved")
    expect(page.get_by_test_id("completion-link")).to_be_visible()
    step("cases-06-completed")
    case.refresh_from_db()
    assert case.stage == "approved"
    assert case.first_reviewed_by == desk.reviewer and case.second_reviewed_by == desk.checker

    # The client follows the case on the portal: no personal data shown.
    log_out(page)
    page.goto("/cases/lookup/")
    lookup = page.get_by_test_id("lookup-form")
    lookup.locator("input[name=number]").fill(case.number)
    lookup.locator("input[name=last4]").fill(ID_NUMBER[-4:])
    lookup.get_by_role("button").click()
    progress = page.get_by_test_id("progress")
    expect(progress).to_be_visible()
    expect(progress.get_by_test_id("stage")).to_contain_text("办结")
    expect(progress.get_by_test_id("staff-no")).to_have_text("A001")
    expect(progress).not_to_contain_text("赵六")
    step("cases-07-portal-lookup")


def test_the_head_on_duty_sees_the_backlog_and_the_online_applications(page, step, desk):
    """不积压 (N-5.4): the head's backlog by stage, and the online tab of applications
    waiting for acceptance, which the clerk then takes from the case page."""
    from servicehall.cases.tests.factories import accept, in_correction, reviewed_once, submitted

    accept(desk, 1)
    reviewed_once(desk, 2)
    in_correction(desk, 3)
    application = submitted(desk, 4)

    log_in(page, "zhang")
    page.goto("/cases/work/backlog/")
    expect(page.get_by_test_id("backlog-first_review-total")).to_have_text("1")
    expect(page.get_by_test_id("backlog-second_review-total")).to_have_text("1")
    expect(page.get_by_test_id("backlog-correction-total")).to_have_text("1")
    expect(page.get_by_test_id("backlog-submitted-total")).to_have_text("1")
    step("cases-08-backlog")
    log_out(page)

    log_in(page, "wang")
    page.goto("/cases/work/online/")
    row = page.get_by_test_id(f"case-{application.number}")
    expect(row.get_by_test_id("accept-due")).to_be_visible()
    step("cases-09-online-tab")
    row.get_by_role("link", name=application.number).click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", "submitted")
    step("cases-10-online-application")
