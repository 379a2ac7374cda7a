"""Consultations with the four-point notice (N-5.2) and one-time notices (N-5.6c, D-09)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from servicehall.catalogue.actions import issue_one_time_notice, record_consultation
from servicehall.catalogue.models import Consultation, Material, OneTimeNotice
from servicehall.ledger.models import LedgerEntry
from servicehall.testing import log_in


def test_one_time_notice_lists_every_missing_material_at_once(client, world, catalogue):
    version = catalogue["benefit"]
    log_in(client, world.clerk)
    ids = [str(pk) for pk in version.materials.values_list("pk", flat=True)]
    response = client.post(
        reverse("catalogue:notice-new", args=[version.pk]),
        {"missing": ids[1:], "return_place": "一楼3号窗口", "client_name": "张三"},
    )
    notice = OneTimeNotice.objects.get()
    assert response.status_code == 302
    assert sorted(notice.missing.values_list("name", flat=True)) == ["解除劳动合同证明", "银行卡"]
    assert notice.number.startswith(f"YCX-{world.office.code}-")
    page = client.get(response["Location"]).content.decode()
    assert "解除劳动合同证明" in page and "银行卡" in page and "A001" in page
    assert LedgerEntry.objects.filter(event_type="catalogue.one_time_notice_issued").count() == 1


def test_materials_the_item_does_not_list_are_refused(world, catalogue):
    foreign = catalogue["card"].materials.last()  # 近期免冠彩色照片 belongs to another item
    with pytest.raises(ValidationError):
        issue_one_time_notice(
            world.clerk, version=catalogue["benefit"], missing=[foreign], return_place="一楼"
        )
    assert not OneTimeNotice.objects.exists()
    assert not LedgerEntry.objects.filter(event_type="catalogue.one_time_notice_issued").exists()


def test_the_form_offers_no_free_text_material(client, world, catalogue):
    version = catalogue["benefit"]
    log_in(client, world.clerk)
    other = Material.objects.exclude(version=version).first()
    response = client.post(
        reverse("catalogue:notice-new", args=[version.pk]),
        {"missing": [str(other.pk)], "return_place": "一楼", "other_material": "户口本"},
    )
    assert response.status_code == 200 and not OneTimeNotice.objects.exists()
    assert "不是可选项" in response.content.decode() or "有效" in response.content.decode()


def test_a_notice_needs_at_least_one_material_and_a_place(world, catalogue):
    with pytest.raises(ValidationError):
        issue_one_time_notice(
            world.clerk, version=catalogue["benefit"], missing=[], return_place="一楼"
        )
    with pytest.raises(ValidationError):
        issue_one_time_notice(
            world.clerk, version=catalogue["benefit"],
            missing=list(catalogue["benefit"].materials.all()), return_place=" ",
        )  # fmt: skip


def test_numbers_run_per_unit_without_gaps(world, catalogue):
    version = catalogue["benefit"]
    material = list(version.materials.all()[:1])
    numbers = [
        issue_one_time_notice(
            world.clerk, version=version, missing=material, return_place="一楼"
        ).number
        for _ in range(3)
    ]
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]


def test_consultation_produces_the_four_point_notice(client, world, catalogue):
    log_in(client, world.clerk)
    response = client.post(
        reverse("catalogue:consultation-new"),
        {"version": catalogue["card"].pk, "channel": "voice", "client_type": "resident",
         "eligibility": "eligible", "client_name": "李四"},
    )  # fmt: skip
    consultation = Consultation.objects.get()
    assert response.status_code == 302 and consultation.clerk == world.clerk
    page = client.get(response["Location"]).content.decode()
    for point in ("1. 申请条件", "2. 办理手续和材料", "3. 办理地点和流程", "4. 办理时限"):
        assert point in page
    assert LedgerEntry.objects.filter(event_type="catalogue.consultation_recorded").count() == 1


def test_not_eligible_needs_an_explanation(world, catalogue):
    with pytest.raises(ValidationError):
        record_consultation(
            world.clerk, version=catalogue["card"], channel="onsite", client_type="resident",
            eligibility="not_eligible",
        )  # fmt: skip
    assert not Consultation.objects.exists()


def test_only_counter_staff_record(world, catalogue):
    for user in (world.supervisor, world.audit_admin, world.social_supervisor):
        with pytest.raises(PermissionDenied):
            record_consultation(
                user, version=catalogue["card"], channel="onsite", client_type="resident",
                eligibility="eligible",
            )  # fmt: skip


def test_another_units_notice_is_not_found(client, world, catalogue):
    version = catalogue["benefit"]
    notice = issue_one_time_notice(
        world.clerk, version=version, missing=list(version.materials.all()[:1]), return_place="一楼"
    )
    log_in(client, world.outsider)
    assert client.get(reverse("catalogue:notice", args=[notice.number])).status_code == 404
    assert client.get(reverse("catalogue:notice-pdf", args=[notice.number])).status_code == 404
