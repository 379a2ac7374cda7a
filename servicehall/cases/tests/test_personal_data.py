"""The applicant's personal data (invariant 9): encrypted at rest, found by blind index,
shown masked, and the last four characters checked by keyed hash."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicehall.appointments import personal as appointment_personal
from servicehall.lib.crypto import DecryptionError

from .. import actions, personal
from ..models import Applicant, Case
from .factories import CREDIT_CODE, MOBILE, accept, employer, person, valid_id


def _stored(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a fixed table name
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_the_stored_columns_hold_no_plaintext(desk):
    case = accept(desk, 7)
    applicant = case.applicant
    stored = _stored("cases_applicant")
    for secret in (valid_id(7), MOBILE, applicant.masked_id_number, applicant.masked_phone):
        assert secret not in stored
    # Tokens and keyed hashes; the numbers come back from the tokens.
    assert len(applicant.id_index) == len(applicant.id_last4_hash) == 64
    assert (applicant.id_number(), applicant.phone()) == (valid_id(7), MOBILE)
    # Nor does the ledger hold them: the case's entries record a keyed digest only.
    assert valid_id(7) not in _stored("ledger_ledgerentry")
    assert MOBILE not in _stored("ledger_ledgerentry")


def test_the_id_number_is_found_by_its_blind_index_shared_with_the_appointments(desk):
    wanted = accept(desk, 2)
    accept(desk, 3)
    index = personal.id_number_index(valid_id(2))
    assert index == appointment_personal.id_number_index(valid_id(2))
    with CaptureQueriesContext(connection) as queries:
        found = list(Case.objects.filter(applicant__id_index=index))
    assert found == [wanted]
    assert len(queries) == 1 and valid_id(2) not in queries[0]["sql"]


def test_each_case_encrypts_anew(desk):
    first, second = accept(desk, 4), accept(desk, 4)
    assert first.applicant.id_token != second.applicant.id_token
    assert first.applicant.id_index == second.applicant.id_index
    # The last-four hashes are salted per applicant: equal endings do not show.
    assert first.applicant.id_last4_hash != second.applicant.id_last4_hash


def test_a_token_moved_to_another_applicant_or_column_does_not_decrypt(desk):
    first, second = accept(desk, 1).applicant, accept(desk, 2).applicant
    Applicant.objects.filter(pk=second.pk).update(id_token=first.id_token)
    second.refresh_from_db()
    with pytest.raises(DecryptionError):
        second.id_number()
    first.phone_token = first.id_token
    with pytest.raises(DecryptionError):
        first.phone()


def test_numbers_are_shown_masked(desk):
    applicant = accept(desk, 5).applicant
    assert applicant.masked_id_number == valid_id(5)[:6] + "********" + valid_id(5)[-4:]
    assert applicant.masked_phone == "138****5678"
    assert str(applicant) == f"张三 {applicant.masked_id_number}"


def test_an_employer_gives_its_credit_code_and_a_landline(desk):
    case = actions.accept(
        desk.clerk, version=desk.benefit, applicant=employer(CREDIT_CODE.lower()),
        channel="online", received=desk.materials(),
    )  # fmt: skip
    applicant = case.applicant
    assert applicant.id_number() == CREDIT_CODE and applicant.phone() == "01065123456"
    assert applicant.masked_id_number == "914403********136T"
    assert applicant.masked_phone == "010****3456"
    assert CREDIT_CODE not in _stored("cases_applicant")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91440300708461136X", "typing error"),
        ("9144030070846113", "18 characters"),
        ("91440300708461136I", "other than I, O, S, V and Z"),
        ("9144AB0070846113", "18 characters"),
    ],
)
def test_a_credit_code_is_checked(desk, refused, code, message):
    with refused(match=message):
        actions.accept(
            desk.clerk, version=desk.benefit, applicant=employer(code), channel="online",
            received=desk.materials(),
        )  # fmt: skip


@pytest.mark.parametrize(
    "code", ["91440300708461136T", "91330100716105852F", "9144030071526726XG",
             "91110000802100433B"],
)  # fmt: skip
def test_published_credit_codes_pass(code):
    assert personal.normalize_credit_code(f" {code[:9]} {code[9:].lower()} ") == code


def test_the_last_four_characters_match_by_keyed_hash(desk):
    applicant = accept(desk, 9).applicant
    assert applicant.matches_last4(valid_id(9)[-4:])
    assert applicant.matches_last4(valid_id(9)[-4:].lower())
    assert applicant.matches_last4("5678")
    assert not applicant.matches_last4("0000")
    assert not applicant.matches_last4(valid_id(9)[-5:])
    assert not applicant.matches_last4("")


def test_a_case_without_a_phone_matches_the_id_only(desk):
    case = accept(desk, 3, applicant=person(3, phone=""))
    applicant = case.applicant
    assert applicant.phone_token == applicant.phone_index == applicant.phone_last4_hash == ""
    assert applicant.phone() == "" and applicant.masked_phone == ""
    assert applicant.matches_last4(valid_id(3)[-4:]) and not applicant.matches_last4("5678")


def test_the_progress_lookup_needs_the_receipt_number_and_the_last_four(desk):
    case = accept(desk, 6)
    assert Case.objects.for_lookup(case.number, valid_id(6)[-4:]) == case
    assert Case.objects.for_lookup(f" {case.number.lower()} ", "5678") == case
    assert Case.objects.for_lookup(case.number, "0000") is None
    assert Case.objects.for_lookup(case.number.replace("01", "02"), valid_id(6)[-4:]) is None
    assert Case.objects.for_lookup("", "") is None
