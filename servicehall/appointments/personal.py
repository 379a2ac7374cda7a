"""The booking's personal data (invariant 9): encrypted at rest, found by blind index.

ID numbers and mobile numbers are checked and normalised (``lib.idnumbers``), then
encrypted with ``lib.crypto.FieldCipher`` under the configured key and algorithm. The
associated data names the column and the booking code, so a token copied into another
column or another booking does not decrypt there. The blind index is the keyed hash of
the normalised ID number, so a booking is found by ID number with one indexed query,
without decrypting any row; the same index in another app finds the same person.
"""

from __future__ import annotations

from servicehall.lib.fieldcrypto import cipher, id_number_index

ID_NUMBER_COLUMN = "appointments.appointment.id_number"
MOBILE_COLUMN = "appointments.appointment.mobile"


def associated_data(column: str, code: str) -> bytes:
    return f"{column}:{code}".encode("ascii")


def encrypt(column: str, code: str, value: str) -> str:
    return cipher().encrypt(value, associated_data(column, code))


def decrypt(column: str, code: str, token: str) -> str:
    return cipher().decrypt(token, associated_data(column, code))


__all__ = ["cipher", "id_number_index", "encrypt", "decrypt", "associated_data"]
