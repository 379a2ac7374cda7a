"""The applicant's personal data (invariant 9): checked, encrypted at rest, found by blind
index, shown masked.

The cipher is the appointments' (one per process, cached per key and algorithm), so that
the blind index of an ID number is the same in both apps and finds the same person; it is
meant to move to ``servicehall/lib/`` together with the unified social credit code check.

The associated data of each token names the column and the applicant's random ``ref``,
so a token copied into another column or another applicant does not decrypt there. The
keyed hashes of the last four characters (for the progress lookup: receipt number plus
the last four characters of the ID or phone number) are salted with the same ``ref``, so
that equal endings of different people do not show as equal hashes.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from servicehall.lib.fieldcrypto import cipher, id_number_index
from servicehall.lib.idnumbers import InvalidMobile, mask_mobile, normalize_mobile

__all__ = [
    "ID_COLUMN",
    "PHONE_COLUMN",
    "InvalidCreditCode",
    "InvalidPhone",
    "cipher",
    "decrypt",
    "encrypt",
    "id_number_index",
    "last4_hash",
    "mask_credit_code",
    "mask_phone",
    "normalize_credit_code",
    "normalize_phone",
    "phone_index",
]

ID_COLUMN = "cases.applicant.id_number"
PHONE_COLUMN = "cases.applicant.phone"


def _associated_data(column: str, ref: str) -> bytes:
    return f"{column}:{ref}".encode("ascii")


def encrypt(column: str, ref: str, value: str) -> str:
    return cipher().encrypt(value, _associated_data(column, ref))


def decrypt(column: str, ref: str, token: str) -> str:
    return cipher().decrypt(token, _associated_data(column, ref))


def phone_index(normalized: str) -> str:
    """The blind index of a normalised phone number (``normalize_phone``)."""
    return cipher().blind_index(normalized)


def last4_hash(column: str, ref: str, value: str) -> str:
    """The keyed hash of the last four characters of ``value`` (or of a typed last four)."""
    last4 = _clean(value)[-4:].upper()
    return cipher().blind_index(f"{column}:last4:{ref}:{last4}")


# --- unified social credit codes (统一社会信用代码, GB 32100-2015) -------------------------

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CREDIT_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_SEPARATORS = re.compile(r"[\s-]")


class InvalidCreditCode(ValueError):
    """Not a unified social credit code; ``code`` says which check failed."""

    def __init__(self, code: str, message) -> None:
        super().__init__(code)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def _clean(value: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or ""))


def credit_check_character(first17: str) -> str:
    total = sum(
        _CREDIT_ALPHABET.index(character) * weight
        for character, weight in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """The 18-character code in upper case, or :class:`InvalidCreditCode`."""
    code = _clean(value).upper()
    if len(code) != 18:
        raise InvalidCreditCode(
            "length",
            _("A unified social credit code has 18 characters; this one has {count}.").format(
                count=len(code)
            ),
        )
    if not _CREDIT_SHAPE.fullmatch(code):
        raise InvalidCreditCode(
            "characters",
            _(
                "A unified social credit code has digits and capital letters other than "
                "I, O, S, V and Z, with a six-digit region code in places 3 to 8."
            ),
        )
    if credit_check_character(code[:17]) != code[17]:
        raise InvalidCreditCode(
            "check_character",
            _("This credit code has a typing error: its last character does not match."),
        )
    return code


def mask_credit_code(value: str) -> str:
    """``911101********433B``: registration type, region and the last four only."""
    code = _clean(value).upper()
    if len(code) != 18:
        return "*" * len(code)
    return code[:6] + "*" * 8 + code[14:]


# --- phone numbers: a mobile number, or a landline with its area code -----------------------

_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}[2-9][0-9]{6,7}")


class InvalidPhone(ValueError):
    def __init__(self, message) -> None:
        super().__init__("phone")
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def normalize_phone(value: str) -> str:
    """A mainland mobile number (11 digits), or a landline with its area code
    (``01012345678``); :class:`InvalidPhone` otherwise. Employers often give a landline."""
    try:
        return normalize_mobile(value)
    except InvalidMobile as error:
        number = _clean(value)
        if _LANDLINE.fullmatch(number):
            return number
        raise InvalidPhone(
            _("{reason} A landline number starts with its area code.").format(reason=error)
        ) from None


def mask_phone(value: str) -> str:
    """``138****5678`` for a mobile, ``010****5678`` for a landline."""
    number = _clean(value)
    if len(number) == 11 and number.startswith("1"):
        return mask_mobile(number)
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
