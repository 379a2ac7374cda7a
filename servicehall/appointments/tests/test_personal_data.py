"""Personal data at rest (invariant 9): encrypted columns, the blind-index lookup, masking."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicehall.appointments import personal
from servicehall.appointments.models import Appointment
from servicehall.lib.crypto import DecryptionError, sm4_gcm_available
from servicehall.lib.idnumbers import InvalidIDNumber

from .factories import MOBILE, book, valid_id


def _stored_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM appointments_appointment")
        return cursor.fetchall()


def test_a_booking_is_found_by_id_number_through_the_blind_index(hall):
    wanted = book(hall.morning, 2)
    book(hall.morning, 1)
    book(hall.card, 3)
    with CaptureQueriesContext(connection) as queries:
        found = list(Appointment.objects.with_id_number(valid_id(2).lower()))
    assert found == [wanted]
    # One query, on the index column and its keyed hash: no row was read to decrypt it.
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "id_number_index" in sql and personal.id_number_index(valid_id(2)) in sql
    assert valid_id(2) not in sql


def test_the_lookup_can_use_an_index(hall):
    book(hall.morning, 2)
    sql, params = Appointment.objects.with_id_number(valid_id(2)).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A few rows are cheaper to scan; forbid the scan to see that an index serves.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "appointment_id_index" in plan or "appointment_one_active_per_id" in plan


def test_the_lookup_refuses_a_value_that_is_no_id_number(hall):
    with pytest.raises(InvalidIDNumber):
        Appointment.objects.with_id_number("12345")


def test_the_stored_columns_hold_no_plaintext(hall):
    row = book(hall.morning, 5, mobile="138 1234 5678")
    stored = " ".join(str(value) for value in _stored_rows()[0])
    assert valid_id(5) not in stored
    assert MOBILE not in stored
    assert row.masked_id_number not in stored and row.masked_mobile not in stored
    # The columns are a token and a keyed hash, and the numbers come back from the token.
    assert row.id_number_index == personal.cipher().blind_index(valid_id(5))
    assert len(row.id_number_index) == 64
    assert (row.id_number(), row.mobile()) == (valid_id(5), MOBILE)


def test_each_booking_encrypts_anew(hall):
    first, second = book(hall.morning, 5), book(hall.card, 5)
    assert first.id_number_token != second.id_number_token
    assert first.id_number_index == second.id_number_index


def test_a_token_moved_to_another_booking_or_column_does_not_decrypt(hall):
    first, second = book(hall.morning, 1), book(hall.morning, 2)
    Appointment.objects.filter(pk=second.pk).update(id_number_token=first.id_number_token)
    second.refresh_from_db()
    with pytest.raises(DecryptionError):
        second.id_number()
    first.mobile_token = first.id_number_token
    with pytest.raises(DecryptionError):
        first.mobile()


@pytest.mark.skipif(not sm4_gcm_available(), reason="this OpenSSL build has no SM4-GCM")
def test_sm4_gcm_is_used_when_configured(hall, settings):
    settings.FIELD_CIPHER = "SM4-GCM"
    row = book(hall.morning, 9)
    import base64

    assert base64.urlsafe_b64decode(row.id_number_token)[0] == 0x02  # the SM4-GCM tag
    assert row.id_number() == valid_id(9)


def test_masked_forms(hall):
    row = book(hall.morning, 5)
    assert row.masked_id_number == valid_id(5)[:6] + "********" + valid_id(5)[-4:]
    assert row.masked_mobile == "138****5678"
