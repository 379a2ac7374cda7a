"""Demo complaints for ``make demo`` (called from ``servicehall.portal.demo``): a few
complaints, suggestions and reports of one office in various steps, all made through the
actions, so the ledger has their entries. Running it again changes nothing (a unit that has
complaints already is left alone)."""

from __future__ import annotations

from servicehall.norms.models import Clause
from servicehall.org.choices import Role
from servicehall.org.models import Unit, User
from servicehall.supervision import actions as supervision

from . import actions
from .actions import Intake
from .choices import Channel, Finding, Kind, ReplyMethod
from .models import Complaint


def load_demo_complaints(unit: Unit) -> list[Complaint]:
    """Six items of ``unit``, from every channel of N-6.1 that comes in there, and one
    referred to another office of the system when there is one with a head on duty; needs
    a head on duty and two clerks with staff numbers in the unit (otherwise nothing is
    made). The channel "referral" comes from taking another unit's referral (by hand)."""
    if Complaint.objects.filter(unit=unit).exists():
        return []
    head = User.objects.filter(unit=unit, role=Role.HEAD_ON_DUTY).order_by("pk").first()
    clerks = list(
        User.objects.filter(unit=unit, role=Role.CLERK, staff_no__isnull=False).order_by("pk")[:2]
    )
    if head is None or len(clerks) < 2:
        return []
    concerned, handler = clerks
    d05 = Clause.objects.get(code="D-05")
    made = []

    # 1. Online, anonymous, waiting for acceptance.
    complaint, _code = actions.submit_online(Intake(
        unit=unit, channel=Channel.ONLINE, kind=Kind.COMPLAINT, anonymous=True,
        content="周二上午社保卡窗口排队一个多小时，只开了一个窗口，建议高峰期多开窗口。",
    ))  # fmt: skip
    made.append(complaint)

    # 2. Report hotline, named caller, accepted and being investigated by a clerk.
    complaint, _code = actions.enter(head, Intake(
        unit=unit, channel=Channel.HOTLINE, kind=Kind.COMPLAINT, name="赵立新",
        phone="13800138000", content="办理失业登记时工作人员让我回去再补一份材料，"
        "第二次去又说还缺另一份，没有一次性告知。", clause=Clause.objects.get(code="N-5.6c"),
    ))  # fmt: skip
    actions.accept(head, complaint, handler=handler)
    made.append(complaint)

    # 3. 12345 referral, substantiated: violation, accountability, handled, replied, archived.
    complaint, _code = actions.enter(head, Intake(
        unit=unit, channel=Channel.HOTLINE_12345, kind=Kind.COMPLAINT, work_order_no="GD20260001",
        name="孙丽", phone="13900139000", staff_concerned=concerned, clause=d05,
        content="窗口工作人员办理业务时一直在看手机，叫了几次才抬头。",
    ))  # fmt: skip
    actions.accept(head, complaint)
    actions.investigate(
        head, complaint, finding=Finding.SUBSTANTIATED,
        findings="调取大厅监控，工作人员在服务时间多次看手机，情况属实。",
    )  # fmt: skip
    violation = supervision.record_violation(
        head, unit=unit, clause=d05, staff=concerned, source=complaint,
        description="服务时间看手机，服务对象等候。",
    )  # fmt: skip
    supervision.decide_accountability(
        head, violation, staff=concerned, measure="self_exam",
        reason="初次违反，情节较轻，责令书面检查并在科室会上说明。",
    )  # fmt: skip
    actions.handle(head, complaint, measures="当事人书面检查；全体窗口人员重学服务禁语与行为规范。")
    actions.reply(
        head, complaint, method=ReplyMethod.HOTLINE_12345,
        text="经核查情况属实，已对当事人追责并整改，感谢您的监督。",
    )  # fmt: skip
    actions.archive(head, complaint)
    made.append(complaint)

    # 4. Suggestion box, anonymous, no contact: handled without a reply, archived.
    complaint, _code = actions.enter(handler, Intake(
        unit=unit, channel=Channel.BOX, kind=Kind.SUGGESTION, anonymous=True,
        content="大厅饮水机旁边可以放一些老花镜，方便老年人填表。",
    ))  # fmt: skip
    actions.accept(head, complaint)
    actions.investigate(head, complaint, finding=Finding.NOT_APPLICABLE, findings="建议可行。")
    actions.handle(head, complaint, measures="已在填表台配备老花镜五副。")
    actions.reply(head, complaint, method=ReplyMethod.NONE, text="")
    actions.archive(head, complaint)
    made.append(complaint)

    # 5. Opinion monitoring, being handled.
    complaint, _code = actions.enter(head, Intake(
        unit=unit, channel=Channel.OPINION, kind=Kind.COMPLAINT,
        source="本地论坛“民生热线”版块，网友帖子",
        content="网帖称大厅叫号屏经常不显示，老人听不到叫号。",
    ))  # fmt: skip
    actions.accept(head, complaint)
    actions.investigate(
        head, complaint, finding=Finding.PARTLY, clause=Clause.objects.get(code="N-2.3"),
        findings="叫号屏上周故障两天，已报修；语音播报正常。",
    )  # fmt: skip
    made.append(complaint)

    # 6. A report not accepted: outside the unit's remit.
    complaint, _code = actions.enter(handler, Intake(
        unit=unit, channel=Channel.HOTLINE, kind=Kind.REPORT,
        content="举报某公司未给员工缴纳住房公积金。",
    ))  # fmt: skip
    actions.refuse(
        head, complaint, reason="住房公积金不属于人社部门职责，请向住房公积金管理中心反映。"
    )
    made.append(complaint)

    # 7. Online, about another office of the system: referred there (转办), waiting for its
    # heads on duty to take it (skipped when no other office has one).
    there = (
        Unit.objects.filter(kind=unit.kind, user__role=Role.HEAD_ON_DUTY)
        .exclude(pk=unit.pk)
        .order_by("code")
        .first()
    )
    if there is not None:
        complaint, _code = actions.submit_online(Intake(
            unit=unit, channel=Channel.ONLINE, kind=Kind.COMPLAINT, phone="13700137000",
            content=f"在{there.name}办理业务时，窗口工作人员让我来这里办，这里又说不归这里管。",
        ))  # fmt: skip
        actions.refer(
            head, complaint, to_unit=there,
            reason=f"所述窗口属{there.name}，转该单位处理。",
        )  # fmt: skip
        made.append(complaint)
    # The actions return fresh rows; the list is read back as it now stands.
    return list(Complaint.objects.filter(pk__in=[row.pk for row in made]).order_by("pk"))
