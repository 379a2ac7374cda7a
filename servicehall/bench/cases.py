"""HTTP benchmarks of case work (办件) on the production server, through the staff's pages.

``servicehall serve`` (gunicorn, as in production) runs against the bench's throwaway
database filled with the demo data. Four counter staff of the demo office are logged in
(sessions made on the server's database, as a login would): one whose post accepts and
completes cases, one for the first review, one for the second review (another person,
N-5.5, N-6.4). Each client thread then measures, one after the other:

(a) ``GET /api/health``, the trivial JSON view of the same server: the baseline, measured
    before and after; the higher is used;
(b) case creation: ``POST /cases/open/`` accepting a case at the counter for the social security
    card (申领社会保障卡), applicant and materials as the clerk ticks them, the form's CSRF
    check, the action's rules, the encrypted applicant, the deadlines in working days and
    the ledger entry included; the answer is the redirect to the new case's page;
(c) the whole lifecycle: accept, first review, second review, complete (approved), each a
    form post by the person whose post covers that stage.

Ratios: cases created per second, and lifecycle requests per second, over the baseline's
requests per second. For scale, django-helpdesk creates about 42 tickets/s through its own
form on this machine (the issue's figure). Every answer must be the expected redirect;
afterwards the cases are counted by stage and the office's ledger chain is verified.

``python -m servicehall.bench.cases [--requests N] [--clients C] [--seconds S] [--postgres]``
runs them alone. This module imports no Django model at its top (see ``servicehall.bench``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from . import Result
from .http import (
    DEFAULT_CLIENTS,
    DEFAULT_SECONDS,
    HOST,
    OFFICE,
    Connection,
    Operation,
    Phase,
    free_port,
    health_operation,
    production_server,
    run_phase,
)

DEFAULT_REQUESTS = 1200
ITEM_CODE = "SSC-APPLY"  # the demo's social security card application: four stages
APPLICANT_ID = "11010519800101001"  # the check character is added at setup


class LocatingConnection(Connection):
    """A keep-alive connection that also keeps the last answer's ``Location`` header."""

    location = ""

    def _read(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._recv()
        head = self.buffer.partition(b"\r\n\r\n")[0]
        lower = head.lower()
        start = lower.find(b"\r\nlocation:")
        if start >= 0:
            end = lower.find(b"\r\n", start + 2)
            self.location = head[start + 11 : end if end > 0 else None].strip().decode()
        else:
            self.location = ""
        return super()._read()


@dataclass
class Staff:
    """A logged-in staff member: the cookies a browser would send."""

    username: str
    cookie: str
    csrf: str


@dataclass
class CaseDesk:
    office_id: int
    cases_before: int  # the demo's own cases
    approved_before: int
    version_id: int
    materials: list[int]
    accept: Staff
    first: Staff
    second: Staff
    complete: Staff


def _log_in(user) -> Staff:
    """A session on the server's database, as the login page would make it."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Django accepts an unmasked 32-character secret as the form's token.
    csrf = secrets.token_hex(16)
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
    return Staff(user.username, cookie, csrf)


def prepare_desk() -> CaseDesk:
    """The demo data; one staff member of the demo office per post of case work."""
    from servicehall.catalogue.models import ServiceItem
    from servicehall.org.choices import Role
    from servicehall.org.models import Unit, User
    from servicehall.portal.demo import load_demo_data

    load_demo_data()
    office = Unit.objects.get(code=OFFICE)
    version = ServiceItem.objects.select_related("current").get(code=ITEM_CODE).current
    staff = User.objects.filter(unit=office, role=Role.CLERK, is_active=True).select_related("post")

    def by_post(code: str, *, besides=()) -> Staff:
        person = staff.filter(post__code=code).exclude(pk__in=besides).order_by("staff_no").first()
        if person is None:
            raise ValueError(f"the demo office has no clerk on the {code} post")
        return person

    acceptor = by_post("ACCEPT")
    first = by_post("REVIEW1")
    second = by_post("REVIEW2", besides=[acceptor.pk, first.pk])
    completer = by_post("COMPLETE")
    from servicehall.cases.choices import Stage
    from servicehall.cases.models import Case

    cases = Case.objects.filter(unit=office)
    return CaseDesk(
        office.pk,
        cases.count(),
        cases.filter(stage=Stage.COMPLETED_APPROVED).count(),
        version.pk,
        list(version.materials.order_by("order", "pk").values_list("pk", flat=True)),
        _log_in(acceptor),
        _log_in(first),
        _log_in(second),
        _log_in(completer),
    )


def form_post(path: str, port: int, staff: Staff, fields: list[tuple[str, str]]) -> bytes:
    body = urlencode([("csrfmiddlewaretoken", staff.csrf), *fields]).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {staff.cookie}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _applicant_id() -> str:
    from servicehall.lib.idnumbers import check_character

    return APPLICANT_ID + check_character(APPLICANT_ID)


def open_operation(port: int, desk: CaseDesk) -> Operation:
    """Accept a case at the counter (no ticket): the redirect to its page is the answer."""
    fields = [
        ("kind", "person"), ("name", "张三"), ("id_number", _applicant_id()),
        ("phone", "13812345678"), ("channel", "onsite"), ("decision", "accept"),
        *[("materials", str(pk)) for pk in desk.materials],
    ]  # fmt: skip
    path = "/cases/open/?" + urlencode({"version": desk.version_id, "channel": "onsite"})
    raw = form_post(path, port, desk.accept, fields)

    def operation(connection: Connection, _index: int) -> list[str]:
        status, _body = connection.request(raw)
        if status != 302 or "/cases/" not in getattr(connection, "location", ""):
            return [f"POST /cases/open/ -> {status}"]
        return []

    return operation


def lifecycle_operation(port: int, desk: CaseDesk) -> Operation:
    """Accept, first review, second review, complete: four form posts by three people."""
    opening = open_operation(port, desk)
    steps = [
        ("first-review", desk.first, [("first_review-note", "材料齐全"), ("outcome", "pass")]),
        ("second-review", desk.second, [("second_review-note", "复核无误"), ("outcome", "pass")]),
        ("complete", desk.complete, [("outcome", "approve")]),
    ]

    def operation(connection: Connection, index: int) -> list[str]:
        problems = opening(connection, index)
        if problems:
            return problems
        case_path = connection.location.split("://", 1)[-1]
        case_path = case_path[case_path.find("/") :] if "://" in connection.location else case_path
        for action, staff, fields in steps:
            status, _body = connection.request(
                form_post(f"{case_path}{action}/", port, staff, fields)
            )
            if status != 302:
                return [f"POST case {action}/ -> {status}"]
        return []

    return operation


def _settings(options: argparse.Namespace) -> tuple[int, int, float]:
    requests = getattr(options, "case_requests", None) or DEFAULT_REQUESTS
    clients = getattr(options, "case_clients", None) or DEFAULT_CLIENTS
    seconds = getattr(options, "case_seconds", None) or DEFAULT_SECONDS
    return requests, clients, seconds


def _check_cases(desk: CaseDesk, opened: int, completed: int) -> list[str]:
    from servicehall.cases.choices import Stage
    from servicehall.cases.models import Case
    from servicehall.ledger.verify import Summary, verify_unit

    failures = []
    cases = Case.objects.filter(unit_id=desk.office_id)
    made = cases.count() - desk.cases_before
    if made != opened + completed:
        failures.append(f"{made} cases made, {opened + completed} opened")
    approved = cases.filter(stage=Stage.COMPLETED_APPROVED).count() - desk.approved_before
    if approved != completed:
        failures.append(f"{approved} cases completed, {completed} lifecycles answered")
    if problem := verify_unit(desk.office_id, Summary()):
        failures.append(f"verify_unit: {problem}")
    return failures


def _unexpected(*phases: Phase) -> list[str]:
    return [f"{p.name}: {n} x {answer}" for p in phases for answer, n in p.unexpected.items()]


def _run(name: str, port: int, operations: list, count: int, seconds: float, per: int = 1):
    """``run_phase`` with connections that keep the ``Location`` header."""
    return run_phase(name, port, operations, count, seconds, per, LocatingConnection)


def bench_cases(options: argparse.Namespace) -> list[Result]:
    from django.db import connections

    requests, clients, seconds = _settings(options)
    desk = prepare_desk()
    connections.close_all()  # the server's processes open their own
    port = free_port()
    log = Path(os.environ["SERVICEHALL_VAR_DIR"]) / "bench-cases-server.log"
    with production_server(port, log) as command:
        health = [health_operation(port)] * clients
        opening = [open_operation(port, desk)] * clients
        lifecycle = [lifecycle_operation(port, desk)] * clients
        warm = [
            _run("warm-up", port, health, 200 * clients, seconds),
            _run("warm-up", port, opening, 10 * clients, seconds),
            _run("warm-up", port, lifecycle, 3 * clients, seconds, 4),
        ]
        before = _run("(a) GET /api/health", port, health, requests * 4, seconds)
        opened = _run("(b) POST /cases/open/ (accept)", port, opening, requests, seconds)
        lives = _run("(c) lifecycle", port, lifecycle, max(requests // 4, clients), seconds, 4)
        after = _run("(a) GET /api/health, again", port, health, requests * 4, seconds)
    failures = _check_cases(
        desk,
        opened=warm[1].operations + opened.operations,
        completed=warm[2].operations + lives.operations,
    )
    baseline = max(before, after, key=lambda phase: phase.requests_per_second)
    base_rate = baseline.requests_per_second
    setup = (
        f"server: {command} ({os.cpu_count()} CPUs); {clients} client threads, one keep-alive "
        f"connection each, logged-in staff sessions; at most {requests:,} operations a phase "
        f"and {seconds:.0f} s"
    )
    open_ratio = opened.requests_per_second / base_rate
    life_ratio = lives.requests_per_second / base_rate
    return [
        Result(
            "cases: trivial JSON view (baseline)",
            1.0,
            raw=[setup, before.describe(), after.describe(), f"baseline {base_rate:,.0f} req/s"],
            failures=_unexpected(warm[0], before, after),
        ),
        Result(
            "cases: create (accept at the counter)",
            open_ratio,
            raw=[
                opened.describe(),
                f"{opened.operations / opened.seconds:,.1f} cases/s "
                "(django-helpdesk: about 42 tickets/s through its form on this machine)",
            ],
            failures=_unexpected(warm[1], opened),
        ),
        Result(
            "cases: lifecycle (accept, 1st review, 2nd review, complete)",
            life_ratio,
            raw=[
                lives.describe(),
                f"{lives.operations / lives.seconds:,.1f} cases/s through all four stages; "
                "ratio: the lifecycle's requests/s over the baseline's requests/s",
            ],
            failures=_unexpected(warm[2], lives) + failures,
        ),
    ]


BENCHMARKS = {"cases": bench_cases}
RUN_ORDER = ("cases",)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m servicehall.bench.cases",
        description="HTTP benchmarks of case work through the staff's pages.",
    )
    parser.add_argument(
        "--requests", dest="case_requests", type=int, default=DEFAULT_REQUESTS,
        help=f"operations per phase at most (default {DEFAULT_REQUESTS:,})",
    )  # fmt: skip
    parser.add_argument(
        "--clients", dest="case_clients", type=int, default=DEFAULT_CLIENTS,
        help=f"client threads, each with one connection (default {DEFAULT_CLIENTS})",
    )  # fmt: skip
    parser.add_argument(
        "--seconds", dest="case_seconds", type=float, default=DEFAULT_SECONDS,
        help=f"time limit of each phase (default {DEFAULT_SECONDS:.0f})",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", action="store_true", help="use a throwaway PostgreSQL database"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from .__main__ import run_alone

    return run_alone("case benchmark", bench_cases, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
