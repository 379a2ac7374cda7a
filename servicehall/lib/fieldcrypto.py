"""The field cipher of the current settings, shared by every app that keeps personal data.

One cipher and one blind index for the whole product: the same ID number has the same
index in appointments and cases, so a person is found across them (invariant 9).
"""

from __future__ import annotations

import functools

from django.conf import settings

from .crypto import FieldCipher, parse_key


@functools.lru_cache(maxsize=4)
def _cipher(key_text: str, algorithm: str) -> FieldCipher:
    return FieldCipher(parse_key(key_text), algorithm)


def cipher() -> FieldCipher:
    """The cipher of the current settings (cached per key and algorithm)."""
    return _cipher(settings.FIELD_ENCRYPTION_KEY, settings.FIELD_CIPHER)


def id_number_index(normalized: str) -> str:
    """The blind index of a normalised ID number (``idnumbers.normalize_id_number``)."""
    return cipher().blind_index(normalized)


def text_digest(column: str, key, text: str) -> str:
    """A keyed digest of a free text, for the ledger (D-10): clients and staff write names,
    phone and ID numbers into these texts, and staff who may not see them read the ledger.
    The ledger vouches for the text (``ledger verify`` finds it changed) without holding it.
    Salted with the column and the row's ``key``, so equal texts of two rows do not show as
    equal; empty stays empty."""
    return cipher().blind_index(f"{column}:{key}\x1f{text}") if text else ""
