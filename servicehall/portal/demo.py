"""Deterministic demo data: a province, two cities, three offices, staff, roster, commitments.

Running it twice changes nothing (every row is keyed by a code, a user name or a date),
so ``make demo`` can call it on every start.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from servicehall.appointments.demo import load_demo_slots
from servicehall.cases.demo import load_demo_cases
from servicehall.catalogue.demo import load_demo_catalogue
from servicehall.complaints.demo import load_demo_complaints
from servicehall.feedback.demo import load_demo_feedback
from servicehall.org.actions import assign_duty, remove_duty
from servicehall.org.calendar import calendar_for
from servicehall.org.choices import CaseStage, CommitmentLevel, Role, UnitKind
from servicehall.org.models import Commitment, DutyAssignment, Post, Unit, User, Window

DEMO_PASSWORD = "Demo-2026!"  # noqa: S105 - printed by `make demo`; demo data only
DEMO_DEVICE_NAME = "demo"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐"
    "许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    "华玉兰红建国志强晓东海燕春梅文斌宇飞佳琪欣怡子涵浩然"
)

WINDOW_NAMES = [
    ("综合受理", "一楼东侧"),
    ("社会保障卡", "一楼东侧"),
    ("养老保险", "一楼中部"),
    ("失业保险", "一楼中部"),
    ("就业登记", "一楼西侧"),
    ("工伤保险", "二楼东侧"),
    ("劳动关系", "二楼中部"),
    ("人才服务", "二楼西侧"),
    ("权益记录查询", "一楼西侧"),
    ("绿色通道", "一楼入口"),
    ("高校毕业生服务", "二楼西侧"),
    ("综合受理", "二楼东侧"),
]

# Catalogue codes of the demo service items (the catalogue issue publishes them).
ITEM_CODES = [
    "SSC-APPLY",
    "SSC-REPLACE",
    "UNEMP-REG",
    "EMP-REG",
    "UNEMP-BENEFIT",
    "UNEMP-SUBSIDY",
    "PENSION-TRANSFER",
    "PENSION-RETIRE",
    "RURAL-PENSION-REG",
    "RECORD-PRINT",
    "FLEX-REG",
    "INJURY-CERT",
    "SKILL-CERT-QUERY",
    "GRAD-REPORT",
    "ARBITRATION-APPLY",
]

POSTS = [
    ("ACCEPT", "综合受理岗", "接待咨询，受理申请，一次性告知", [CaseStage.ACCEPT], False),
    ("REVIEW1", "初审岗", "对受理材料进行初审", [CaseStage.FIRST_REVIEW], False),
    ("REVIEW2", "复核岗", "对初审结果进行复核把关", [CaseStage.SECOND_REVIEW], False),
    ("COMPLETE", "办结岗", "审批办结，发放结果", [CaseStage.COMPLETE], False),
    ("HEAD", "值班负责人岗", "大厅巡查，审批请示，处理投诉与差评", list(CaseStage.values), True),
]

COMMITMENTS = {
    CommitmentLevel.DEPARTMENTAL: [
        "依法依规办事，办事指南全部公开，不增加任何法定以外的办理环节。",
        "承诺事项在法定时限基础上压缩办理时限，按时办结。",
    ],
    CommitmentLevel.COLLECTIVE: [
        "三提前：提前检查系统设备，提前准备凭证印章，提前到岗。",
        "首问负责、一次性告知、限时办结，群众办事最多跑一次。",
        "对老年人、残疾人等特殊群体开辟绿色通道。",
    ],
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    unit_code: str | None
    full_name: str
    staff_no: str | None


DEMO_LOGINS = [
    DemoLogin("clerk", Role.CLERK, "OFF-LJ-SS", "王晓东", "LJ0101"),
    DemoLogin("reviewer", Role.CLERK, "OFF-LJ-SS", "李静", "LJ0102"),
    DemoLogin("head", Role.HEAD_ON_DUTY, "OFF-LJ-SS", "张建国", "LJ0100"),
    DemoLogin("unitadmin", Role.UNIT_ADMIN, "OFF-LJ-SS", "刘芳", None),
    DemoLogin("supervisor", Role.SUPERVISOR, "CITY-LJ", "陈志强", None),
    DemoLogin("observer", Role.SOCIAL_SUPERVISOR, "CITY-LJ", "杨秀英", None),
    DemoLogin("sysadmin", Role.SYSTEM_ADMIN, None, "黄海", None),
    DemoLogin("secadmin", Role.SECURITY_ADMIN, None, "赵敏", None),
    DemoLogin("auditadmin", Role.AUDIT_ADMIN, None, "吴涛", None),
]


def demo_totp_key(username: str) -> str:
    """A fixed TOTP key per demo login, so `servicehall demo-otp` can print the code."""
    return hashlib.sha256(f"servicehall-demo-{username}".encode()).hexdigest()[:40]


def person_name(seed: int) -> str:
    surname = SURNAMES[seed % len(SURNAMES)]
    given = GIVEN[(seed * 7) % len(GIVEN)] + GIVEN[(seed * 13 + 5) % len(GIVEN)]
    return surname + given[: 1 + seed % 2]


def _unit(code, name, kind, parent=None, **extra) -> Unit:
    unit = Unit.objects.filter(code=code).first() or Unit(code=code)
    unit.name, unit.kind, unit.parent = name, kind, parent
    for field, value in extra.items():
        setattr(unit, field, value)
    unit.save()
    return unit


def _units() -> list[Unit]:
    province = _unit("PROV", "江南省人力资源和社会保障厅", UnitKind.PROVINCIAL_DEPARTMENT)
    lj = _unit("CITY-LJ", "临江市人力资源和社会保障局", UnitKind.CITY_BUREAU, province)
    qs = _unit("CITY-QS", "青山市人力资源和社会保障局", UnitKind.CITY_BUREAU, province)
    return [
        _unit(
            "OFF-LJ-SS",
            "临江市社会保险服务中心",
            UnitKind.OFFICE,
            lj,
            address="临江市滨江大道88号",
            phone="0571-12333",
            opening_time=dt.time(8, 30),
            closing_time=dt.time(17, 30),
        ),
        _unit(
            "OFF-LJ-EMP",
            "临江市公共就业和人才服务中心",
            UnitKind.OFFICE,
            lj,
            address="临江市人民路16号",
            phone="0571-12333",
            opening_time=dt.time(9, 0),
            closing_time=dt.time(17, 0),
        ),
        _unit(
            "OFF-QS",
            "青山市人社综合服务大厅",
            UnitKind.OFFICE,
            qs,
            address="青山市府前街2号",
            phone="0572-12333",
            opening_time=dt.time(8, 30),
            closing_time=dt.time(17, 0),
        ),
    ]


def _office(office: Unit, office_index: int, window_count: int) -> None:
    """Windows, posts, 30 staff and the collective commitments of one office."""
    for number in range(1, window_count + 1):
        name, location = WINDOW_NAMES[number - 1]
        Window.objects.update_or_create(
            unit=office, number=number, defaults={"name": name, "location": location}
        )
    posts = {}
    for code, name, duties, stages, approves in POSTS:
        posts[code], _created = Post.objects.update_or_create(
            unit=office,
            code=code,
            defaults={
                "name": name,
                "duties": duties,
                "stages": [str(stage) for stage in stages],
                "item_codes": ITEM_CODES,
                "approves_escalations": approves,
            },
        )
    prefix = office.code.split("-")[1] if office.code.count("-") else office.code
    post_cycle = ["ACCEPT", "ACCEPT", "REVIEW1", "REVIEW2", "COMPLETE", "ACCEPT"]
    for index in range(1, 31):
        staff_no = f"{prefix}{office_index}{index:03d}"
        is_head = index <= 2
        username = f"staff-{staff_no.lower()}"
        user = User.objects.filter(username=username).first() or User(username=username)
        # Only the demo logins can log in.
        user.set_unusable_password()
        user.full_name = person_name(office_index * 100 + index)
        user.staff_no = staff_no
        user.unit = office
        user.role = Role.HEAD_ON_DUTY if is_head else Role.CLERK
        user.post = posts["HEAD" if is_head else post_cycle[index % len(post_cycle)]]
        user.save()
    for level, texts in COMMITMENTS.items():
        for order, text in enumerate(texts):
            Commitment.objects.update_or_create(
                unit=office, level=level, order=order, defaults={"text": text, "active": True}
            )


def _roster(office: Unit, windows: list[Window]) -> None:
    """The coming week's roster: every working day, one clerk per window and a head on duty.

    Written through the roster actions, so every assignment is in the ledger; an
    assignment already in place is left alone, which keeps the command idempotent.
    """
    calendar = calendar_for(office)
    clerks = list(User.objects.filter(unit=office, role=Role.CLERK).order_by("staff_no"))
    demo_clerks = [u for u in clerks if u.username in ("clerk", "reviewer")]
    others = [u for u in clerks if u not in demo_clerks]
    heads = list(User.objects.filter(unit=office, role=Role.HEAD_ON_DUTY).order_by("staff_no"))
    editor = next((h for h in heads if h.username == "head"), heads[0])
    today = timezone.localdate()
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        if not calendar.is_working_day(day):
            continue
        rotated = demo_clerks + others[offset:] + others[:offset]
        wanted = {
            (clerk.pk, window.pk, False) for window, clerk in zip(windows, rotated, strict=False)
        }
        head = editor if editor.username == "head" else heads[offset % len(heads)]
        wanted.add((head.pk, None, True))
        for row in DutyAssignment.objects.filter(unit=office, date=day).select_related(
            "unit", "staff", "window"
        ):
            key = (row.staff_id, row.window_id, row.head_on_duty)
            if key in wanted:
                wanted.discard(key)
            else:
                remove_duty(editor, row, reason="演示排班更新")
        users = {u.pk: u for u in User.objects.filter(pk__in=[k[0] for k in wanted])}
        by_pk = {w.pk: w for w in windows}
        for staff_pk, window_pk, is_head in sorted(wanted, key=lambda k: (k[2], k[1] or 0)):
            assign_duty(
                editor, unit=office, date=day, staff=users[staff_pk],
                window=by_pk.get(window_pk), head_on_duty=is_head,
            )  # fmt: skip


# Queues of each office: letter, name, the catalogue categories it serves.
QUEUES = [
    ("A", "综合业务", None),
    ("B", "社会保障卡", ["SSC"]),
    ("C", "就业与失业保险", ["EMP", "UNEMP"]),
    ("D", "养老与工伤保险", ["PENSION", "INJURY", "RECORD", "TALENT", "LABOUR"]),
]


def _queues(office: Unit) -> None:
    """Four queues; window 1 serves A first, the others their own queue first, then A."""
    from servicehall.catalogue.models import ServiceItem
    from servicehall.queueing.models import HallSettings, Queue, WindowQueue

    HallSettings.objects.get_or_create(unit=office)
    queues = {}
    for prefix, name, categories in QUEUES:
        queues[prefix], _created = Queue.objects.update_or_create(
            unit=office, prefix=prefix, defaults={"name": name, "active": True}
        )
        if categories:
            queues[prefix].items.set(
                ServiceItem.objects.filter(current__category__code__in=categories)
            )
    own = ["A", "B", "B", "C", "C", "D", "D"]
    for window in Window.objects.filter(unit=office).order_by("number"):
        first = own[(window.number - 1) % len(own)]
        order = [first] + [q for q in ("A", "B", "C", "D") if q != first and q in ("A",)]
        for preference, prefix in enumerate(order, 1):
            WindowQueue.objects.update_or_create(
                window=window, queue=queues[prefix], defaults={"preference": preference}
            )


def _demo_logins() -> None:
    units = {unit.code: unit for unit in Unit.objects.all()}
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first() or User(username=login.username)
        user.full_name, user.role, user.staff_no = login.full_name, login.role, login.staff_no
        user.unit = units.get(login.unit_code) if login.unit_code else None
        user.is_staff = login.role in (Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)
        user.is_superuser = login.role == Role.SYSTEM_ADMIN
        if user.role == Role.CLERK:
            user.post = Post.objects.get(
                unit=user.unit, code="ACCEPT" if login.username == "clerk" else "REVIEW2"
            )
        elif user.role == Role.HEAD_ON_DUTY:
            user.post = Post.objects.get(unit=user.unit, code="HEAD")
        user.set_password(DEMO_PASSWORD)
        user.save()
        if user.needs_second_factor:
            TOTPDevice.objects.update_or_create(
                user=user,
                name=DEMO_DEVICE_NAME,
                defaults={"key": demo_totp_key(user.username), "confirmed": True},
            )
    if units.get("OFF-LJ-SS"):
        head = User.objects.get(username="head")
        Commitment.objects.update_or_create(
            unit=units["OFF-LJ-SS"],
            level=CommitmentLevel.PERSONAL,
            staff=head,
            defaults={"text": "挂牌上岗，在大厅规定位置监督服务，群众诉求当场回应。", "order": 0},
        )
        clerk = User.objects.get(username="clerk")
        Commitment.objects.update_or_create(
            unit=units["OFF-LJ-SS"],
            level=CommitmentLevel.PERSONAL,
            staff=clerk,
            defaults={"text": "微笑服务，一次性告知，当日事当日毕。", "order": 1},
        )


@transaction.atomic
def load_demo_data() -> dict[str, str]:
    """Everything ``make demo`` shows; returns the rating pads' tokens newly issued, by office
    code (shown once: a tablet pairs with one at /feedback/pad/pair/)."""
    offices = _units()
    for index, (office, window_count) in enumerate(zip(offices, (12, 10, 8), strict=True), 1):
        _office(office, index, window_count)
    _demo_logins()
    for office in offices:
        _roster(office, list(Window.objects.filter(unit=office).order_by("number")))
    load_demo_catalogue(
        unit=Unit.objects.get(code="PROV"), actor=User.objects.get(username="sysadmin")
    )
    for office in offices:
        _queues(office)
        load_demo_slots(office)
        load_demo_complaints(office)
        load_demo_cases(office)
    return load_demo_feedback(offices, actor=User.objects.get(username="sysadmin"))
