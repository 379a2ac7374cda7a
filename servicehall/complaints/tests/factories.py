"""Builders shared by the complaint tests and their action scenarios."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from servicehall.lib.idnumbers import check_character
from servicehall.norms.models import Clause
from servicehall.supervision import actions as supervision
from servicehall.testing import World

from .. import actions
from ..actions import Intake
from ..choices import Channel, Finding, Kind, ReplyMethod
from ..models import Complaint

DAY = dt.date(2026, 3, 2)  # a Monday, a working day
NAME = "欧阳娜娜"
PHONE = "13955554321"


def valid_id(seq: int = 1) -> str:
    first17 = f"11010519800101{seq:03d}"
    return first17 + check_character(first17)


ID_NUMBER = valid_id(7)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def clause(code: str) -> Clause:
    return Clause.objects.get(code=code)


def online(world: World, *, anonymous: bool = False, **extra) -> tuple[Complaint, str]:
    """A named (or anonymous) online complaint about the clerk wang (A001), against D-05."""
    fields = dict(
        unit=world.office, channel=Channel.ONLINE, kind=Kind.COMPLAINT,
        content="窗口工作人员服务时一直看手机。", anonymous=anonymous, staff_no="A001",
        clause=clause("D-05"),
    )  # fmt: skip
    if not anonymous:
        fields.update(name=NAME, phone=PHONE, id_number=ID_NUMBER)
    fields.update(extra)
    return actions.submit_online(Intake(**fields))


def hotline(world: World, **extra) -> Complaint:
    fields = dict(
        unit=world.office, channel=Channel.HOTLINE, kind=Kind.COMPLAINT,
        content="电话反映办理进度慢。", name=NAME, phone=PHONE,
    )  # fmt: skip
    fields.update(extra)
    return actions.enter(world.head, Intake(**fields))[0]


def accepted(world: World) -> Complaint:
    """An online complaint about wang, accepted by the head and given to li (A002)."""
    complaint, _code = online(world)
    return actions.accept(world.head, complaint, handler=world.reviewer)


def investigated(world: World, finding: str = Finding.SUBSTANTIATED) -> Complaint:
    return actions.investigate(
        world.head, accepted(world), finding=finding, findings="监控显示情况属实。"
    )


def with_accountability(world: World) -> Complaint:
    complaint = investigated(world)
    violation = supervision.record_violation(
        world.head, unit=world.office, clause=complaint.clause, staff=world.clerk,
        source=complaint, description="服务时间看手机。",
    )  # fmt: skip
    supervision.decide_accountability(
        world.head, violation, staff=world.clerk, measure="criticism", reason="初次，批评教育。"
    )
    return complaint


def handled(world: World) -> Complaint:
    return actions.handle(world.head, with_accountability(world), measures="当事人书面检查。")


def replied(world: World) -> Complaint:
    return actions.reply(
        world.head, handled(world), text="经查属实，已处理，感谢监督。", method=ReplyMethod.ONLINE
    )


def archived(world: World) -> Complaint:
    return actions.archive(world.head, replied(world))


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)
