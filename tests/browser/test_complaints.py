"""A complaint from the portal to its archive, in real browsers (issue #7, N-6.1, N-5.6e).

A client complains online, by name, that the clerk A001 kept looking at his phone (D-05);
the page gives a tracking number and a secret code once. Zhang, the head on duty, accepts
it, finds it substantiated, records the violation of D-05 and the accountability decision,
the measures, the reply, and archives it. Wang, the staff member concerned, never sees it.
The client follows it with the number and the code, and sees the reply and nothing
personal. Screenshots go to test-artifacts/browser/complaints-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from servicehall.complaints.choices import Step
from servicehall.complaints.models import Complaint
from servicehall.norms.models import Clause
from servicehall.supervision.violations import Accountability, Violation

from .staff import log_in, log_out

pytestmark = pytest.mark.browser

NAME = "欧阳娜娜"
PHONE = "13955554321"


def _submit_step(page, name: str, fill) -> None:
    form = page.get_by_test_id(f"form-{name}")
    fill(form)
    form.get_by_test_id(f"submit-{name}").click()


def test_a_named_complaint_is_handled_hidden_from_the_staff_concerned(
    page, step, world, page_problems
):
    # The client's online form (no login).
    page.goto("/")
    page.get_by_role("link", name="投诉与建议").first.click()
    form = page.get_by_test_id("complaint-form")
    form.locator("select[name=unit]").select_option(value=str(world.office.pk))
    form.locator("input[name=kind][value=complaint]").check()
    form.locator("textarea[name=content]").fill("窗口工作人员服务时一直看手机，不理睬我。")
    form.locator("input[name=staff_no]").fill("A001")
    form.locator("input[name=name]").fill(NAME)
    form.locator("input[name=phone]").fill(PHONE)
    step("complaints-01-form")
    form.locator("button[type=submit]").click()
    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_be_visible()
    number = receipt.get_by_test_id("number").inner_text().strip()
    code = receipt.get_by_test_id("code").inner_text().strip()
    step("complaints-02-submitted")
    complaint = Complaint.objects.get(number=number)
    assert complaint.staff_concerned == world.clerk and complaint.step == Step.RECEIVED
    assert NAME not in str(complaint.__dict__)  # stored encrypted

    # The staff member concerned does not see it, not even in the list (N-6.1).
    log_in(page, "wang")
    page.goto("/complaints/staff/")
    expect(page.locator("body")).not_to_contain_text(number)
    response = page.goto(f"/complaints/staff/{number}/")
    assert response.status == 404
    page_problems.clear()  # that 404 was the point
    log_out(page)

    # The head on duty handles it through every step (GB/T 36113).
    d05 = Clause.objects.get(code="D-05")
    log_in(page, "zhang")
    page.goto("/complaints/staff/")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_test_id("masked-identity")).not_to_contain_text(PHONE)
    step("complaints-03-received")
    _submit_step(page, "accept", lambda form: None)
    _submit_step(
        page,
        "investigate",
        lambda form: (
            form.locator("input[value=substantiated]").check(),
            form.locator("select[name$='clause']").select_option(value=str(d05.pk)),
            form.locator("textarea").first.fill("调阅监控属实：工作人员服务期间使用手机。"),
        ),
    )
    violation = page.get_by_test_id("form-violation")
    violation.locator("textarea").fill("服务期间玩手机，违反纪律要求第五条。")
    violation.get_by_role("button").click()
    accountability = page.get_by_test_id("form-accountability")
    accountability.locator("select").select_option(index=1)
    accountability.locator("textarea").fill("初次违反，批评教育。")
    accountability.get_by_role("button").click()
    expect(page.get_by_test_id("accountability")).to_be_visible()
    _submit_step(
        page,
        "handle",
        lambda form: form.locator("textarea").fill("对当事人批评教育，全员重申纪律。"),
    )
    _submit_step(
        page,
        "reply",
        lambda form: (
            form.locator("select").select_option(value="online"),
            form.locator("textarea").fill("经查情况属实，已对当事人批评教育，感谢您的监督。"),
        ),
    )
    _submit_step(page, "archive", lambda form: None)
    expect(page.get_by_test_id("step")).to_contain_text("归档")
    step("complaints-04-archived")
    complaint.refresh_from_db()
    assert complaint.step == Step.ARCHIVED
    violation_row = Violation.objects.get()
    assert violation_row.clause.code == "D-05" and violation_row.staff == world.clerk
    assert Accountability.objects.filter(violation=violation_row, staff=world.clerk).exists()
    log_out(page)

    # The client follows it: the reply, and nothing personal.
    page.goto("/complaints/track/")
    track = page.get_by_test_id("track-form")
    track.locator("input[name=number]").fill(number)
    track.locator("input[name=code]").fill(code)
    track.locator("button[type=submit]").click()
    progress = page.get_by_test_id("progress")
    expect(progress.get_by_test_id("reply")).to_contain_text("感谢您的监督")
    expect(progress).not_to_contain_text(NAME)
    expect(progress).not_to_contain_text("A001")
    step("complaints-05-tracked")


def test_a_complaint_referred_to_another_unit_is_taken_there_and_followed(
    page, step, world, page_problems
):
    """转办: zhang refers a named complaint to the other city's office; zhou, its head on duty,
    sees it counted on the staff home, takes it from the list (no identity before), and it
    becomes a complaint of that office; the client follows it on the first number."""
    from servicehall.complaints import actions
    from servicehall.complaints.choices import Channel
    from servicehall.org.choices import Role
    from servicehall.testing import make_user

    make_user("zhou", Role.HEAD_ON_DUTY, world.other_office, "B000")
    complaint, code = actions.submit_online(
        actions.Intake(
            unit=world.office, channel=Channel.ONLINE, kind="complaint",
            content="社保卡补办窗口在乙市，却让我来这里排队。",
            name=NAME, phone=PHONE,
        )
    )  # fmt: skip

    log_in(page, "zhang")
    page.goto(f"/complaints/staff/{complaint.number}/")
    form = page.get_by_test_id("form-refer")
    form.locator("select[name$='to_unit']").select_option(value=str(world.other_office.pk))
    form.locator("textarea").fill("所述业务由乙市社保中心办理，转该单位处理。")
    form.get_by_test_id("submit-refer").click()
    expect(page.get_by_test_id("taken")).to_contain_text("尚未接收")
    step("complaints-06-referred")
    log_out(page)

    log_in(page, "zhou")
    page.goto("/staff/")
    work = page.get_by_test_id("feedback-work")
    expect(work.get_by_test_id("referrals-waiting")).to_contain_text("1")
    step("complaints-07-staff-home")
    work.get_by_role("link", name="投诉和建议").click()
    referral = page.get_by_test_id(f"referral-{complaint.number}")
    expect(referral).to_contain_text("乙市社保中心办理")
    expect(page.get_by_test_id("referrals")).not_to_contain_text(PHONE)
    step("complaints-08-referral-waiting")
    referral.get_by_test_id(f"take-{complaint.number}").click()
    expect(page.get_by_test_id("referred-from")).to_contain_text(complaint.number)
    expect(page.get_by_test_id("masked-identity")).not_to_contain_text(PHONE)
    step("complaints-09-taken")
    taken = Complaint.objects.get(referred_from=complaint)
    assert taken.unit == world.other_office and taken.channel == Channel.REFERRAL
    assert taken.identity()["phone"] == PHONE
    log_out(page)

    page.goto("/complaints/track/")
    track = page.get_by_test_id("track-form")
    track.locator("input[name=number]").fill(complaint.number)
    track.locator("input[name=code]").fill(code)
    track.locator("button[type=submit]").click()
    progress = page.get_by_test_id("progress")
    expect(progress.get_by_test_id("taken")).to_contain_text(taken.number)
    expect(progress).not_to_contain_text(NAME)
    step("complaints-10-tracked-referral")
