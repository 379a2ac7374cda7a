"""Corrections at acceptance (补正, N-5.6c, invariant 7): the one-time notice lists every
missing material at once, only materials of the guide; the clock has not started."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from servicehall.catalogue.models import OneTimeNotice
from servicehall.ledger.models import LedgerEntry

from .. import actions
from ..choices import Stage
from ..models import Case
from .conftest import written
from .factories import DAY, in_correction, person


def test_the_notice_lists_every_missing_material_and_the_clock_does_not_run(desk):
    id_card, separation, bank_card = desk.materials()
    with written() as w:
        case = in_correction(desk, received=1)

    case = Case.objects.get(pk=case.pk)
    assert case.stage == Stage.CORRECTION
    assert case.accepted_at is None and case.accepted_by is None
    assert case.due_at is None and case.stage_due_at is None and case.yellow_at is None
    assert list(case.materials.all()) == [id_card]
    notice = case.notices.get()
    assert notice.number == f"YCX-O1-{DAY.year}-000001"
    assert set(notice.missing.all()) == {separation, bank_card}
    assert (notice.version, notice.clerk, notice.unit) == (
        desk.benefit, desk.clerk, desk.world.office,
    )  # fmt: skip
    assert notice.client_name == "张三" and notice.return_place == "一楼3号窗口"
    # One entry, the case's: the notice is recorded in it, not in an entry of its own.
    (entry,) = w.entries
    assert entry.event_type == "cases.correction_requested"
    assert w.payload()["notice"] == notice.number
    assert w.payload()["missing"] == [separation.pk, bank_card.pk]
    assert not LedgerEntry.objects.filter(subject_type="catalogue.onetimenotice").exists()
    assert Case.objects.overdue(case.received_at.replace(year=2027)).count() == 0


def test_materials_that_do_not_apply_are_not_asked_for(desk):
    id_card, separation, bank_card = desk.materials()
    case = in_correction(desk, received=1, not_applicable=[bank_card])
    assert list(case.notices.get().missing.all()) == [separation]


def test_nothing_missing_means_accept_instead(desk, refused):
    with refused(match="Nothing is missing: accept the case"):
        in_correction(desk, received=3)


def test_the_client_is_told_where_to_come_back(desk, refused):
    with refused(match="where to come back"):
        in_correction(desk, return_place="  ")


def test_materials_of_another_item_do_not_count(desk, refused):
    with refused(match="Only materials listed in this version"):
        in_correction(desk, received=[*desk.materials()[:1], *desk.materials(desk.other)[:1]])


def test_outside_authority_is_refused_and_flagged(desk, refused):
    with refused(PermissionDenied, flagged="D-08"):
        actions.request_correction(
            desk.reviewer, version=desk.benefit, applicant=person(), channel="online",
            received=[], return_place="一楼",
        )  # fmt: skip
    assert not OneTimeNotice.objects.exists()
