"""The complainant's identity (invariant 9, D-10): encrypted with the product's field
cipher, masked on display; and the keyed hash of the secret tracking code.

The associated data of each token names the column and the complaint's random ``ref``,
so a token copied into another column or another complaint does not decrypt there.
"""

from __future__ import annotations

import secrets
import unicodedata

from servicehall.cases.personal import mask_phone as _mask_phone
from servicehall.lib.fieldcrypto import cipher
from servicehall.lib.idnumbers import mask_id_number

NAME = "complaints.complaint.name"
PHONE = "complaints.complaint.phone"
ID = "complaints.complaint.id_number"

# No 0/O, 1/I/L: the code is read out over the phone and typed from a slip of paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def _associated_data(column: str, ref: str) -> bytes:
    return f"{column}:{ref}".encode("ascii")


def encrypt(column: str, ref: str, value: str) -> str:
    return cipher().encrypt(value, _associated_data(column, ref))


def decrypt(column: str, ref: str, token: str) -> str:
    if not token:
        return ""
    return cipher().decrypt(token, _associated_data(column, ref))


def mask_name(name: str) -> str:
    """``欧**``: the first character only."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    return _mask_phone(phone) if phone else ""


def mask_id(id_number: str) -> str:
    return mask_id_number(id_number) if id_number else ""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    return "".join(unicodedata.normalize("NFKC", typed or "").split()).upper().replace("-", "")


def code_hash(number: str, code: str) -> str:
    """The keyed hash of a tracking code, salted with the tracking number."""
    return cipher().blind_index(f"complaints.code:{number}:{normalise_code(code)}")
