"""Demo cases for ``make demo`` (called from ``servicehall.portal.demo``): a few cases of the
social security card application (申领社会保障卡) at one office, in every stage the work lists
show, and two applications made online waiting for acceptance. All through the actions, so
the ledger holds their entries. Running it again changes nothing (an office with cases is
left alone)."""

from __future__ import annotations

from servicehall.catalogue.choices import ServiceChannel
from servicehall.catalogue.models import ServiceItem
from servicehall.lib.idnumbers import check_character
from servicehall.org.choices import Role
from servicehall.org.models import Unit, User

from . import actions
from .actions import ApplicantDetails, OnlineApplication
from .choices import ApplicantKind
from .models import Case

ITEM = "SSC-APPLY"
PEOPLE = ("陈美玲", "赵建华", "孙丽娟", "周志强", "吴晓燕", "郑国庆")


def _person(seq: int) -> ApplicantDetails:
    first17 = f"35010219850301{seq:03d}"
    return ApplicantDetails(
        ApplicantKind.PERSON, PEOPLE[seq - 1], first17 + check_character(first17),
        f"1385000{seq:04d}",
    )  # fmt: skip


def _staff(office: Unit, post: str, *, username: str | None = None) -> User | None:
    rows = User.objects.filter(unit=office, role=Role.CLERK, is_active=True, post__code=post)
    if username:
        rows = rows.filter(username=username)
    return rows.order_by("staff_no").first()


def load_demo_cases(office: Unit) -> list[Case]:
    """Six cases at ``office``; needs the demo posts (ACCEPT, REVIEW1, REVIEW2, COMPLETE)."""
    if Case.objects.filter(unit=office).exists():
        return []
    item = ServiceItem.objects.filter(code=ITEM).select_related("current").first()
    clerk = _staff(office, "ACCEPT", username="clerk") or _staff(office, "ACCEPT")
    first, second = _staff(office, "REVIEW1"), _staff(office, "REVIEW2")
    completer = _staff(office, "COMPLETE")
    if item is None or item.current is None or None in (clerk, first, second, completer):
        return []
    version = item.current
    materials = list(version.materials.order_by("order", "pk"))
    required = [m for m in materials if not m.is_conditional]
    spared = [m for m in materials if m.is_conditional]
    place = f"{office.name} {office.address}".strip()

    def accepted(seq: int) -> Case:
        return actions.accept(
            clerk, version=version, applicant=_person(seq), channel=ServiceChannel.ONSITE,
            received=required, not_applicable=spared,
        )  # fmt: skip

    made = [accepted(1)]  # waiting for the first review
    waiting_second = accepted(2)
    actions.first_review(first, waiting_second, note="材料齐全，信息一致")
    made.append(waiting_second)
    done = accepted(3)
    actions.first_review(first, done, note="材料齐全")
    actions.second_review(second, done, note="复核无误")
    made.append(actions.complete(completer, done, approved=True))
    if len(required) > 1:  # a one-time notice for what is missing (补正)
        made.append(
            actions.request_correction(
                clerk,
                version=version,
                applicant=_person(4),
                channel=ServiceChannel.ONSITE,
                received=required[:1],
                not_applicable=spared,
                return_place=place,
            )  # fmt: skip
        )
    if ServiceChannel.ONLINE in version.channels:  # applied online, waiting to be taken
        for seq in (5, 6):
            made.append(
                actions.submit_online(
                    OnlineApplication(
                        office=office, version=version, applicant=_person(seq),
                        declared=tuple(required), not_applicable=tuple(spared),
                        note="网上申请，材料原件到窗口核验",
                    )
                )
            )  # fmt: skip
    return made
