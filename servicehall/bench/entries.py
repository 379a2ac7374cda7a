"""Realistic ledger entries for the benchmarks, made fast.

A day in a service hall: tickets issued at the kiosk and on the portal, called and served
at the windows, cases accepted, ratings on the pad, now and then a correction. Rows are
built in Python with the chain and leaf hashes computed exactly as
``ledger.actions.append`` does (``bytes_of`` over ``canonical.entry_bytes``, hashed with
``actions.hasher()``), then inserted with ``bulk_create`` in batches, one transaction
each: a million calls of ``append`` would take a quarter of an hour.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction

from servicehall.ledger.actions import bytes_of, hasher
from servicehall.ledger.canonical import canonical_json
from servicehall.ledger.choices import Channel
from servicehall.ledger.models import LedgerEntry, LedgerHead
from servicehall.org.choices import Role, UnitKind
from servicehall.org.models import Unit, User

BATCH = 5000
START = dt.datetime(2025, 3, 3, 0, 30, 0, 123456, tzinfo=dt.UTC)  # 08:30 in Beijing

SERVICES = (
    ("SBK-01", "社会保障卡申领"),
    ("SBK-02", "社会保障卡挂失补办"),
    ("YL-03", "养老保险关系转移接续"),
    ("SY-01", "失业保险金申领"),
    ("JY-02", "就业创业证申领"),
    ("YL-07", "职工退休待遇核定"),
    ("GS-01", "工伤认定申请"),
    ("CB-04", "灵活就业人员参保登记"),
    ("YB-05", "异地就医备案"),
    ("LD-02", "劳动合同备案"),
)
MATERIALS = ("居民身份证", "社会保障卡", "户口簿", "劳动合同", "离职证明", "近期免冠照片")
COMMENTS = (
    "工作人员耐心细致，讲解清楚",
    "办理很快，不用跑第二趟",
    "排队时间有点长，希望增加窗口",
    "一次告知，材料准备齐全就办好了",
    "态度很好",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_NAMES = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


@dataclass
class Staff:
    user_id: int
    staff_no: str


@dataclass
class Filled:
    """A unit's chain as written: what it cost and, if asked, every entry's bytes."""

    unit_id: int
    count: int
    seconds: float
    entry_bytes: int
    payload_bytes: int
    head_hash: str
    data: list[bytes] = field(default_factory=list)


def make_unit(code: str, staff_count: int) -> tuple[Unit, list[Staff]]:
    """A service office with counter clerks (no password: nobody logs in)."""
    unit = Unit(code=code, name=f"基准测试服务大厅 {code}", kind=UnitKind.OFFICE)
    unit.save()
    users = User.objects.bulk_create(
        User(
            username=f"{code.lower()}-{number}",
            staff_no=f"{code[-6:]}{number:03d}",
            full_name=random.Random(number).choice(SURNAMES) + "工",
            role=Role.CLERK,
            unit=unit,
        )
        for number in range(1, staff_count + 1)
    )
    return unit, [Staff(user.pk, user.staff_no) for user in users]


def _client(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)}*{rng.choice(GIVEN_NAMES)}"


def _ticket_state(number: str, code: str, status: str, window: str = "") -> dict:
    state = {"number": number, "service_code": code, "status": status}
    if window:
        state["window"] = window
    return state


def event(rng: random.Random, seq: int, ticket: int) -> tuple:
    """One entry's (event type, channel, subject type, subject id, payload, corrects)."""
    code, service = SERVICES[ticket % len(SERVICES)]
    number = f"{'ABCD'[ticket % 4]}{ticket % 1000:03d}"
    window = f"{ticket % 12 + 1}号窗口"
    roll = rng.random()
    if roll < 0.30:
        channel = Channel.KIOSK if roll < 0.22 else Channel.PORTAL
        payload = {
            "client": _client(rng),
            "id_number": f"4401{rng.randrange(10**6):06d}********{rng.randrange(10**4):04d}",
            "service": service,
            "source": "自助取号机" if channel == Channel.KIOSK else "网上预约",
            "state": _ticket_state(number, code, "waiting"),
            "waiting_before": rng.randrange(0, 40),
        }
        return "queueing.ticket_issued", channel, "queueing.ticket", ticket, payload, None
    if roll < 0.55:
        payload = {
            "call": rng.randrange(1, 4),
            "client": _client(rng),
            "note": f"请{number}号到{window}办理",
            "service": service,
            "state": _ticket_state(number, code, "called", window),
        }
        return "queueing.ticket_called", Channel.STAFF, "queueing.ticket", ticket, payload, None
    if roll < 0.80:
        payload = {
            "client": _client(rng),
            "minutes": rng.randrange(3, 40),
            "result": "当场办结" if rng.random() < 0.9 else "材料不全，已一次性告知所需材料",
            "service": service,
            "state": _ticket_state(number, code, "done", window),
        }
        return "queueing.ticket_served", Channel.STAFF, "queueing.ticket", ticket, payload, None
    if roll < 0.90:
        payload = {
            "case_no": f"SH2025{ticket:08d}",
            "client": _client(rng),
            "materials": rng.sample(MATERIALS, 2),
            "promised_days": rng.choice((1, 3, 5, 7)),
            "service": service,
            "state": {"service_code": code, "status": "accepted"},
        }
        return "handling.case_accepted", Channel.STAFF, "handling.case", ticket, payload, None
    if roll < 0.995:
        payload = {
            "comment": rng.choice(COMMENTS),
            "score": rng.choice((5, 5, 5, 4, 3)),
            "service": service,
            "tags": rng.sample(("态度好", "效率高", "指引清楚", "等候久"), 2),
            "ticket": number,
            "window": window,
        }
        return "evaluation.submitted", Channel.PAD, "evaluation.rating", ticket, payload, None
    corrects = max(1, seq - rng.randrange(1, 50))
    payload = {
        "corrected": {"window": f"{rng.randrange(1, 13)}号窗口"},
        "reason": "叫号时窗口登记错误，经值班主任核实后依规更正",
        "state": _ticket_state(number, code, "done", window),
    }
    return "ledger.correction", Channel.STAFF, "queueing.ticket", ticket, payload, corrects


def entries(
    unit_id: int, count: int, staff: list[Staff], seed: int
) -> Iterator[tuple[LedgerEntry, bytes]]:
    """``count`` chained entries of one unit with their canonical bytes, as append makes them."""
    rng = random.Random(seed)
    tree_hasher = hasher()
    at = START
    prev_hash = ""
    ticket = 0
    for seq in range(1, count + 1):
        at += dt.timedelta(microseconds=rng.randrange(200_000, 12_000_000))
        ticket += rng.random() < 0.35
        event_name, channel, subject_type, subject_id, payload, corrects = event(rng, seq, ticket)
        clerk = rng.choice(staff) if channel == Channel.STAFF else None
        entry = LedgerEntry(
            unit_id=unit_id,
            seq=seq,
            at=at,
            actor_id=clerk.user_id if clerk else None,
            actor_staff_no=clerk.staff_no if clerk else "",
            channel=channel,
            event_type=event_name,
            event_version=1,
            subject_type=subject_type,
            subject_id=str(subject_id),
            corrects_seq=corrects,
            payload=canonical_json(payload),
            prev_hash=prev_hash,
        )
        data = bytes_of(entry)
        entry.entry_hash = tree_hasher.hash_leaf(data).hex()
        prev_hash = entry.entry_hash
        yield entry, data


def fill(unit_id: int, count: int, staff: list[Staff], *, seed: int, keep_bytes: bool) -> Filled:
    """Write ``count`` entries and the matching head for a unit that has none yet."""
    started = time.perf_counter()
    filled = Filled(unit_id, count, 0.0, 0, 0, "")
    batch: list[LedgerEntry] = []
    # The rows are dropped batch by batch and hold no cycles; collecting while a million
    # of them pass by only costs time.
    gc.disable()
    try:
        for entry, data in entries(unit_id, count, staff, seed):
            batch.append(entry)
            filled.entry_bytes += len(data)
            filled.payload_bytes += len(entry.payload.encode())
            if keep_bytes:
                filled.data.append(data)
            if len(batch) == BATCH:
                with transaction.atomic():
                    LedgerEntry.objects.bulk_create(batch)
                filled.head_hash = batch[-1].entry_hash
                batch = []
        with transaction.atomic():
            if batch:
                LedgerEntry.objects.bulk_create(batch)
                filled.head_hash = batch[-1].entry_hash
            LedgerHead.objects.create(unit_id=unit_id, seq=count, head_hash=filled.head_hash)
    finally:
        gc.enable()
    filled.seconds = time.perf_counter() - started
    return filled
