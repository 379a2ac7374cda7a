"""Versioning (N-4.3): a published version never changes; edits make a new version; a notice
keeps the version it was issued under."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from servicehall.catalogue.actions import issue_one_time_notice, new_draft, publish
from servicehall.catalogue.models import Material, PublishedVersionError, ServiceItemVersion
from servicehall.ledger.models import LedgerEntry


def test_a_published_version_cannot_be_saved_or_its_materials_changed(catalogue):
    version = catalogue["benefit"]
    version.name = "改名"
    with pytest.raises(PublishedVersionError):
        version.save()
    material = version.materials.first()
    material.name = "其他材料"
    with pytest.raises(PublishedVersionError):
        material.save()
    with pytest.raises(PublishedVersionError):
        material.delete()
    with pytest.raises(PublishedVersionError):
        Material.objects.create(version=version, name="新增材料", form="copy")
    assert ServiceItemVersion.objects.get(pk=version.pk).name == "失业保险金申领"


def test_an_edit_makes_a_new_version_and_the_old_one_is_kept(world, catalogue):
    old = catalogue["benefit"]
    draft = new_draft(world.unit_admin, old.item)
    assert (draft.number, draft.status) == (2, "draft")
    assert list(draft.materials.values_list("name", flat=True)) == list(
        old.materials.values_list("name", flat=True)
    )
    draft.promised_limit_days = 8
    draft.save()
    Material.objects.create(version=draft, name="失业登记证明", form="copy", order=9)
    publish(world.unit_admin, draft)
    old.refresh_from_db()
    draft.item.refresh_from_db()
    assert old.status == "superseded" and draft.item.current_id == draft.pk
    assert old.promised_limit_days == 10 and old.materials.count() == 3
    assert [e.event_type for e in LedgerEntry.objects.filter(subject_id=str(draft.pk))] == [
        "catalogue.version_drafted",
        "catalogue.version_published",
    ]


def test_a_notice_keeps_the_version_it_was_issued_under(world, catalogue):
    old = catalogue["benefit"]
    notice = issue_one_time_notice(
        world.clerk, version=old, missing=list(old.materials.all()[:1]), return_place="一楼"
    )
    draft = new_draft(world.unit_admin, old.item)
    publish(world.unit_admin, draft)
    notice.refresh_from_db()
    assert notice.version_id == old.pk
    assert notice.missing.get().version_id == old.pk


def test_only_one_draft_at_a_time(world, catalogue):
    new_draft(world.unit_admin, catalogue["card"].item)
    with pytest.raises(ValidationError):
        new_draft(world.unit_admin, catalogue["card"].item)


def test_only_the_publishing_units_administrator_edits(world, catalogue):
    for user in (world.clerk, world.head, world.outsider, world.supervisor):
        with pytest.raises(PermissionDenied):
            new_draft(user, catalogue["card"].item)


def test_a_promise_beyond_the_legal_limit_is_refused(world, catalogue):
    draft = new_draft(world.unit_admin, catalogue["card"].item)
    draft.promised_limit_days = 30
    with pytest.raises(ValidationError):
        draft.full_clean()
    # The database refuses it too, whatever path the row takes.
    with pytest.raises(IntegrityError), transaction.atomic():
        draft.save()
    draft.refresh_from_db()
    assert (draft.status, draft.promised_limit_days) == ("draft", 10)
