"""Demo evaluations: a rating pad at window 1 of each office, and ratings of telephone
calls this month with their rectifications at various steps (through the actions, so
everything is in the ledger).

Called by the demo data (``portal.demo``): ``load_demo_feedback(offices, actor=sysadmin)``.
Running it twice changes nothing: a pad already issued is kept (its token was shown the
first time), and ratings are keyed by their call reference.
"""

from __future__ import annotations

from servicehall.devices.actions import issue_device
from servicehall.devices.choices import DeviceKind
from servicehall.devices.models import Device
from servicehall.org.choices import Role
from servicehall.org.models import Unit, User, Window

from . import actions
from .models import Rating
from .subjects import rated_call

PAD_NAME = "1号窗口评价器"
# (level, reasons, comment) of each office's demo calls.
DEMO_RATINGS = [
    (5, [], "服务热情，解答清楚"),
    (5, [], ""),
    (4, [], "等候时间稍长"),
    (5, [], ""),
    (3, [], ""),
    (4, [], ""),
    (2, ["slow", "unclear"], "电话转了好几次才接通"),
    (5, [], "一次办好，点赞"),
    (1, ["attitude"], "接线员态度不好"),
    (5, [], ""),
    (2, ["runaround"], "材料要求没一次说清"),
    (4, [], ""),
]


def _pad(office: Unit, actor: User) -> str | None:
    window = Window.objects.filter(unit=office, number=1).first()
    if window is None:
        return None
    if Device.objects.filter(
        unit=office, window=window, kind=DeviceKind.RATING_PAD, revoked_at__isnull=True
    ).exists():
        return None
    _device, token = issue_device(
        actor, unit=office, kind=DeviceKind.RATING_PAD, name=PAD_NAME, window=window
    )
    return token


def _ratings(office: Unit) -> list[Rating]:
    clerks = list(
        User.objects.filter(unit=office, role=Role.CLERK, staff_no__isnull=False)
        .order_by("staff_no")
        .values_list("staff_no", flat=True)[:4]
    )
    made = []
    for index, (level, reasons, comment) in enumerate(DEMO_RATINGS, 1):
        call_ref = f"DEMO-{office.code}-{index:03d}"
        if Rating.objects.filter(unit=office, call_ref=call_ref).exists():
            continue
        staff_no = clerks[index % len(clerks)] if clerks else ""
        rated = rated_call(office, call_ref=call_ref, staff_no=staff_no)
        made.append(
            actions.submit_rating(
                None, rated, channel="phone", level=level, reasons=reasons, comment=comment
            )
        )
    return made


def _progress(office: Unit, made: list[Rating]) -> None:
    """One bad rating rectified and closed, one appealed to the department above."""
    head = User.objects.filter(unit=office, role=Role.HEAD_ON_DUTY).order_by("staff_no").first()
    bad = [rating.rectification for rating in made if not rating.good]
    if head is None or len(bad) < 2:
        return
    closed, appealed = bad[0], bad[1]
    actions.record_contact(head, closed, note="电话联系客户，客户反映转接次数多")
    actions.classify(head, closed, classification="fixed", findings="属实：转接设置不合理")
    actions.record_measures(head, closed, measures="调整来电分配规则，当面致歉")
    actions.record_follow_up(head, closed, satisfied=True, note="回访客户表示满意")
    actions.record_contact(head, appealed, note="联系客户，客户不认可")
    actions.appeal(head, appealed, reason="通话录音显示接线员用语规范，系误评")


def load_demo_feedback(offices, *, actor: User) -> dict[str, str]:
    """Pads and demo ratings for ``offices``; returns the new pads' tokens by office code
    (print them: they are shown only once, and pair a tablet at /feedback/pad/pair/)."""
    tokens = {}
    for office in offices:
        token = _pad(office, actor)
        if token:
            tokens[office.code] = token
        made = _ratings(office)
        if made:
            _progress(office, made)
    return tokens
