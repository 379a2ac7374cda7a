"""Who sees a complaint and who sees the complainant's identity (N-6.1, D-10), persona by
persona: only the complaint handlers (the heads on duty of the unit and the assigned
handler) see the identity, masked, and in full through a logged view; the supervisor of the
department above sees the complaint read-only without it; everyone else, the staff member
concerned first, sees nothing."""

from __future__ import annotations

import pytest

from servicehall.ledger.models import LedgerEntry, PersonalDataAccess
from servicehall.org.choices import Role
from servicehall.testing import log_in, make_user

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


# A complaint the office referred to the other office, taken there by its head on duty zhou:
# the identity is copied, and only the handlers of the unit that took it see it.
# persona: (complaint page status, identity shown)
TAKEN_MATRIX = {
    "receiving_head": (200, True),
    "receiving_clerk": (404, False),  # sun (B001), a clerk of the other office, no handler
    "receiving_supervisor": (200, False),  # above the other office: read-only
    "head": (404, False),  # the referring office's head: their own complaint, not this one
    "reviewer": (404, False),
    "supervisor": (404, False),  # above the referring office only
    "social_supervisor": (404, False),
    "system_admin": (404, False),
}


@pytest.fixture
def taken(world, clock):
    complaint, _code = f.online(world)
    origin = actions.refer(world.head, complaint, reason="转乙市。", to_unit=world.other_office)
    make_user("qian", Role.SUPERVISOR, world.other_city)
    return actions.take_referral(
        make_user("zhou", Role.HEAD_ON_DUTY, world.other_office, "B000"), origin
    )


def _persona(world, name):
    from servicehall.org.models import User

    username = {"receiving_head": "zhou", "receiving_supervisor": "qian"}.get(name)
    if username:
        return User.objects.get(username=username)
    return world.outsider if name == "receiving_clerk" else getattr(world, name)


@pytest.mark.parametrize("persona", sorted(TAKEN_MATRIX))
def test_a_taken_referral_shows_the_identity_to_its_new_handlers_only(
    client, world, taken, persona
):
    page_status, sees_identity = TAKEN_MATRIX[persona]
    user = _persona(world, persona)
    log_in(client, user)
    page = client.get(f"/complaints/staff/{taken.number}/")
    assert page.status_code == page_status
    text = page.content.decode()
    if sees_identity:
        assert mask_name(f.NAME) in text and mask_phone(f.PHONE) in text
        assert f.NAME not in text and 'data-testid="reveal"' in text
    else:
        for secret in SECRETS:
            assert secret not in text
    full = client.post(f"/complaints/staff/{taken.number}/identity/")
    assert full.status_code == (200 if sees_identity else 404)
    if sees_identity:
        assert f.NAME in full.content.decode() and f.ID_NUMBER in full.content.decode()
        logged = PersonalDataAccess.objects.get(user=user, field="name")
        assert logged.unit == world.other_office and logged.subject_id == str(taken.pk)
