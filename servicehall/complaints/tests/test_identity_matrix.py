"""Who sees a complaint and who sees the complainant's identity (N-6.1, D-10), persona by
persona: only the complaint handlers (the heads on duty of the unit and the assigned
handler) see the identity, masked, and in full through a logged view; the supervisor of the
department above sees the complaint read-only without it; everyone else, the staff member
concerned first, sees nothing."""

from __future__ import annotations

import pytest

from servicehall.ledger.models import LedgerEntry, PersonalDataAccess
from servicehall.testing import log_in

from .. import actions
from ..identity import mask_name, mask_phone
from . import factories as f

pytestmark = pytest.mark.django_db

# persona: (list page status, complaint listed, complaint page status, identity shown)
MATRIX = {
    "clerk": (200, False, 404, False),  # wang, the staff member concerned
    "reviewer": (200, True, 200, True),  # li, the assigned handler
    "head": (200, True, 200, True),
    "unit_admin": (403, False, 404, False),
    "supervisor": (200, True, 200, False),  # read-only, for supervision
    "social_supervisor": (403, False, 404, False),
    "system_admin": (403, False, 404, False),
    "security_admin": (403, False, 404, False),
    "audit_admin": (403, False, 404, False),
    "outsider": (200, False, 404, False),
}

SECRETS = (f.NAME, mask_name(f.NAME), f.PHONE, mask_phone(f.PHONE), f.ID_NUMBER, f.ID_NUMBER[-4:])


@pytest.fixture
def complaint(world, clock):
    complaint, _code = f.online(world)  # named, about wang (A001)
    return actions.assign(world.head, complaint, handler=world.reviewer)


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_identity_role_matrix(client, world, complaint, persona):
    list_status, listed, page_status, sees_identity = MATRIX[persona]
    log_in(client, getattr(world, persona))
    listing = client.get("/complaints/staff/")
    assert listing.status_code == list_status
    assert (complaint.number in listing.content.decode()) is listed
    page = client.get(f"/complaints/staff/{complaint.number}/")
    assert page.status_code == page_status
    text = page.content.decode()
    if sees_identity:
        assert mask_name(f.NAME) in text and mask_phone(f.PHONE) in text
        assert f.NAME not in text and f.PHONE not in text and f.ID_NUMBER not in text
        assert 'data-testid="reveal"' in text
    else:
        for secret in SECRETS:
            assert secret not in text
    if page_status == 200 and not sees_identity:
        assert 'data-testid="read-only"' in text and 'data-testid="form-' not in text
    # The full view: shown and logged for the handlers, 404 for everyone else.
    before = PersonalDataAccess.objects.count()
    full = client.post(f"/complaints/staff/{complaint.number}/identity/")
    if sees_identity:
        assert full.status_code == 200
        text = full.content.decode()
        assert f.NAME in text and f.PHONE in text and f.ID_NUMBER in text
        logged = PersonalDataAccess.objects.filter(
            user=getattr(world, persona), subject_id=str(complaint.pk)
        )
        assert sorted(logged.values_list("field", flat=True)) == ["id_number", "name", "phone"]
        assert logged.first().unit == world.office
    else:
        assert full.status_code == 404
        assert PersonalDataAccess.objects.count() == before


def test_a_head_who_is_the_staff_member_concerned_sees_nothing_of_it(client, world, clock):
    complaint, _code = f.online(world, staff_no="A000")  # about zhang, the head
    assert complaint.staff_concerned == world.head
    log_in(client, world.head)
    assert complaint.number not in client.get("/complaints/staff/").content.decode()
    assert client.get(f"/complaints/staff/{complaint.number}/").status_code == 404
    assert client.post(f"/complaints/staff/{complaint.number}/identity/").status_code == 404


def test_an_anonymous_complaint_shows_no_identity_even_to_the_handlers(en_client, world, clock):
    complaint, _code = f.online(world, anonymous=True, name="不该存")
    log_in(en_client, world.head)
    text = en_client.get(f"/complaints/staff/{complaint.number}/").content.decode()
    assert "Anonymous" in text and "不该存" not in text and 'data-testid="reveal"' not in text


def test_the_ledger_entries_carry_no_identity(world, complaint):
    payloads = " ".join(LedgerEntry.objects.values_list("payload", flat=True))
    for secret in SECRETS:
        assert secret not in payloads


def test_a_supervisor_reads_the_complaints_of_the_units_below_not_of_their_own(
    client, world, clock
):
    """N-6.2: the city bureau's supervisor supervises the offices below it; a complaint
    about the bureau itself is not theirs to read (as for violations and appeals)."""
    own, _code = f.online(world, unit=world.city, staff_no="")
    below, _code = f.online(world)
    log_in(client, world.supervisor)
    listing = client.get("/complaints/staff/").content.decode()
    assert below.number in listing and own.number not in listing
    assert client.get(f"/complaints/staff/{own.number}/").status_code == 404
    assert client.get(f"/complaints/staff/{below.number}/").status_code == 200
