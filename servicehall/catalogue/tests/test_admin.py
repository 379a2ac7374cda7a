"""The catalogue admin: drafts are edited, published versions are read-only, publishing goes
through the action (and so into the ledger)."""

from django.urls import reverse

from servicehall.catalogue.actions import new_draft
from servicehall.ledger.models import LedgerEntry
from servicehall.testing import log_in


def test_published_version_is_read_only_in_the_admin(client, world, catalogue):
    log_in(client, world.system_admin)
    version = catalogue["card"]
    page = client.get(reverse("admin:catalogue_serviceitemversion_change", args=[version.pk]))
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()  # shown, not editable
    response = client.post(
        reverse("admin:catalogue_serviceitemversion_change", args=[version.pk]), {"name": "改"}
    )
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.name == "社会保障卡挂失与补换"


def test_admin_action_publishes_a_draft_through_the_ledger(client, world, catalogue):
    draft = new_draft(world.system_admin, catalogue["card"].item)
    log_in(client, world.system_admin)
    client.post(
        reverse("admin:catalogue_serviceitemversion_changelist"),
        {"action": "publish_drafts", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == "published"
    assert LedgerEntry.objects.filter(
        event_type="catalogue.version_published", subject_id=str(draft.pk)
    ).exists()


def test_draft_is_editable_and_previewed(client, world, catalogue):
    draft = new_draft(world.system_admin, catalogue["card"].item)
    log_in(client, world.system_admin)
    page = client.get(reverse("admin:catalogue_serviceitemversion_change", args=[draft.pk]))
    assert 'name="name"' in page.content.decode()
    assert (
        reverse("catalogue:guide-preview", args=[draft.pk])
        in client.get(reverse("admin:catalogue_serviceitemversion_changelist")).content.decode()
    )
