"""Builders shared by the case tests and their action scenarios: a desk with two published
items, posts giving each persona its authority, applicants and called tickets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from servicehall.catalogue.models import Category, Material, ServiceItemVersion
from servicehall.lib.idnumbers import check_character
from servicehall.org.choices import CaseStage, Role
from servicehall.org.models import Post, User, Window
from servicehall.testing import World, make_user

from ..actions import ApplicantDetails
from ..choices import ApplicantKind
from ..models import Case

MOBILE = "13812345678"
CREDIT_CODE = "91440300708461136T"  # a real, published unified social credit code
DAY = dt.date(2026, 3, 2)  # a Monday, a working day


def valid_id(seq: int = 1, *, birth: str = "19800101", region: str = "110105") -> str:
    """A well-formed ID number (right check character) for test person ``seq``."""
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + check_character(first17)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def person(seq: int = 1, *, phone: str = MOBILE, name: str = "张三") -> ApplicantDetails:
    return ApplicantDetails(ApplicantKind.PERSON, name, valid_id(seq), phone)


def employer(code: str = CREDIT_CODE, *, phone: str = "010-6512 3456") -> ApplicantDetails:
    return ApplicantDetails(ApplicantKind.EMPLOYER, "某某科技有限公司", code, phone)


@dataclass
class Desk:
    """The office's case work: who may do what, for which items.

    * wang (``clerk``, A001): counter post, accepts and completes both items;
    * li (``reviewer``, A002) and qian (``checker``, A003): review post, first and second
      review and completion of the benefit;
    * zhou (``trainee``, A004): counter staff without a post;
    * zhang (``head``, A000): head on duty's post, approves escalations, no case stage.
    """

    world: World
    benefit: ServiceItemVersion  # 10 working days promised, four stages, bank card conditional
    card: ServiceItemVersion  # completed on the spot (即办)
    other: ServiceItemVersion  # another item's materials, never this case's
    clerk: User
    reviewer: User
    checker: User
    trainee: User
    head: User

    def materials(self, version: ServiceItemVersion | None = None) -> list[Material]:
        return list((version or self.benefit).materials.order_by("order"))


def make_desk(world: World) -> Desk:
    from servicehall.catalogue.tests.conftest import make_item

    office, admin = world.office, world.unit_admin
    unemp = Category.objects.create(code="CASE-U", name="失业保险", order=1)
    ssc = Category.objects.create(code="CASE-S", name="社会保障卡", order=2)
    # The bank card is conditional (如适用): only clients paid into a new account bring it.
    benefit = make_item(
        office, admin, "UNEMP-BENEFIT", "失业保险金申领", unemp,
        materials=("居民身份证", "解除劳动合同证明", ("银行卡", "变更发放账户的")),
    )  # fmt: skip
    card = make_item(
        office, admin, "SSC-PROGRESS", "社会保障卡制卡进度查询", ssc, legal_limit_days=0,
        promised_limit_days=0, immediate=True, stages=["accept", "complete"],
        materials=("居民身份证",), client_types=["resident"],
    )  # fmt: skip
    other = make_item(office, admin, "UNEMP-SUBSIDY", "失业补助金申领", unemp)
    codes = ["UNEMP-BENEFIT", "SSC-PROGRESS"]
    counter = Post.objects.create(
        unit=office, code="COUNTER", name="综合受理岗", item_codes=codes,
        stages=[CaseStage.ACCEPT, CaseStage.COMPLETE],
    )  # fmt: skip
    review = Post.objects.create(
        unit=office, code="REVIEW", name="审核岗", item_codes=["UNEMP-BENEFIT"],
        stages=[CaseStage.FIRST_REVIEW, CaseStage.SECOND_REVIEW, CaseStage.COMPLETE],
    )  # fmt: skip
    duty = Post.objects.create(
        unit=office, code="HEAD", name="值班负责人", approves_escalations=True
    )
    for user, post in ((world.clerk, counter), (world.reviewer, review), (world.head, duty)):
        user.post = post
        user.save(update_fields=["post"])
    checker = make_user("qian", Role.CLERK, office, "A003", post=review)
    trainee = make_user("zhou", Role.CLERK, office, "A004")
    return Desk(
        world=world, benefit=benefit, card=card, other=other, clerk=world.clerk,
        reviewer=world.reviewer, checker=checker, trainee=trainee, head=world.head,
    )  # fmt: skip


def called_ticket(desk: Desk, *, green_reason: str = "", clerk: User | None = None):
    """A ticket of queue A called to window 1 by ``clerk`` (default: the counter clerk)."""
    from servicehall.queueing import actions as hall
    from servicehall.queueing.models import Queue, WindowQueue

    clerk = clerk or desk.clerk
    office = desk.world.office
    window = Window.objects.get(unit=office, number=1)
    queue, _created = Queue.objects.get_or_create(
        unit=office, prefix="A", defaults={"name": "综合业务"}
    )
    WindowQueue.objects.get_or_create(window=window, queue=queue)
    from servicehall.queueing.models import WindowState

    state = WindowState.objects.filter(window=window).first()
    if state is None or state.status == "closed":
        hall.open_window(clerk, window, systems_checked=True, vouchers_ready=True, at_post=True)
    hall.issue_ticket(
        queue=queue, channel="guide_desk" if green_reason else "kiosk", client_type="unemployed",
        green_reason=green_reason, actor=desk.head if green_reason else None,
    )  # fmt: skip
    return hall.call_next(clerk, window)


def accept(desk: Desk, seq: int = 1, *, version=None, clerk=None, **extra) -> Case:
    """A case of the benefit accepted at the counter (by phone unless a ticket is given)."""
    from .. import actions

    version = version or desk.benefit
    data = {
        "applicant": person(seq),
        "channel": "onsite" if extra.get("ticket") else "online",
        "received": desk.materials(version),
    } | extra
    return actions.accept(clerk or desk.clerk, version=version, **data)


def in_correction(desk: Desk, seq: int = 1, *, received: int | list = 1, **extra) -> Case:
    """A benefit case waiting for corrections: only the first ``received`` materials came
    (or the materials ``received`` lists)."""
    from .. import actions

    data = {
        "applicant": person(seq),
        "channel": "online",
        "received": desk.materials()[:received] if isinstance(received, int) else received,
        "return_place": "一楼3号窗口",
    } | extra
    return actions.request_correction(desk.clerk, version=desk.benefit, **data)


def reviewed_once(desk: Desk, seq: int = 1, **extra) -> Case:
    from .. import actions

    return actions.first_review(desk.reviewer, accept(desk, seq, **extra), note="材料齐全")


def reviewed_twice(desk: Desk, seq: int = 1, **extra) -> Case:
    from .. import actions

    return actions.second_review(desk.checker, reviewed_once(desk, seq, **extra), note="同意")


def submitted(
    desk: Desk, seq: int = 1, *, declared: int | list = 3, office=None, version=None, **extra
) -> Case:
    """A benefit application submitted online to the office (N-1.2): the client says they
    have the first ``declared`` materials (or the materials ``declared`` lists)."""
    from .. import actions

    version = version or desk.benefit
    listed = desk.materials(version)
    data = {
        "office": office or desk.world.office,
        "version": version,
        "applicant": person(seq),
        "declared": tuple(listed[:declared] if isinstance(declared, int) else declared),
    } | extra
    return actions.submit_online(actions.OnlineApplication(**data))
