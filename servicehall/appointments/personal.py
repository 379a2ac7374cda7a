"""The booking's personal data (invariant 9): encrypted at rest, found by blind index.

ID numbers and mobile numbers are checked and normalised (``lib.idnumbers``), then
encrypted with ``lib.crypto.FieldCipher`` under the configured key and algorithm. The
associated data names the column and the booking code, so a token copied into another
column or another booking does not decrypt there. The blind index is the keyed hash of
the normalised ID number, so a booking is found by ID number with one indexed query,
without decrypting any row; the same index in another app finds the same person.
"""

from __future__ import annotations

import functools

from django.conf import settings

from servicehall.lib.crypto import FieldCipher, parse_key

ID_NUMBER_COLUMN = "appointments.appointment.id_number"
MOBILE_COLUMN = "appointments.appointment.mobile"


@functools.lru_cache(maxsize=4)
def _cipher(key_text: str, algorithm: str) -> FieldCipher:
    return FieldCipher(parse_key(key_text), algorithm)


def cipher() -> FieldCipher:
    """The cipher of the current settings (cached per key and algorithm)."""
    return _cipher(settings.FIELD_ENCRYPTION_KEY, settings.FIELD_CIPHER)


def associated_data(column: str, code: str) -> bytes:
    return f"{column}:{code}".encode("ascii")


def encrypt(column: str, code: str, value: str) -> str:
    return cipher().encrypt(value, associated_data(column, code))


def decrypt(column: str, code: str, token: str) -> str:
    return cipher().decrypt(token, associated_data(column, code))


def id_number_index(normalized: str) -> str:
    """The blind index of a normalised ID number (``normalize_id_number``)."""
    return cipher().blind_index(normalized)
