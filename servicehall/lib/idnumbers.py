"""Resident ID numbers (GB 11643-1999) and mainland mobile numbers.

Both are personal data (invariant 9): they are checked and normalised here before
they are encrypted and indexed (see ``crypto``), and masked whenever shown.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

# Province-level codes of GB/T 2260 (71 Taiwan, 81 Hong Kong, 82 Macao), plus 83
# (residence permits for Taiwan residents) and 91 (permanent residence ID cards
# for foreigners), which follow the same 18-character layout.
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91}
)
EARLIEST_BIRTH_DATE = dt.date(1880, 1, 1)

# ISO 7064 MOD 11-2: weight of position i (from the left) is 2**(17 - i) mod 11.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARACTERS = "10X98765432"

_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS = re.compile(r"[0-9]*")
_MOBILE_SHAPE = re.compile(r"1[3-9][0-9]{9}")
# People type numbers as "138 1234 5678" or "138-1234-5678".
_SEPARATORS = re.compile(r"[\s-]")
_CHINA = ZoneInfo("Asia/Shanghai")


class _InvalidInput(ValueError):
    """A value that fails a check, with a stable ``code`` and a translated message.

    The message is formatted only when read (``str(error)`` or ``.message``), so the
    error can be raised and inspected outside a configured Django project.
    """

    def __init__(self, code: str, template: Any, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.template = template
        self.params = params

    @property
    def message(self) -> str:
        return str(self.template).format(**self.params)

    def __str__(self) -> str:
        return self.message


class InvalidIDNumber(_InvalidInput):
    """Not a resident ID number; ``code`` says which check failed."""


class InvalidMobile(_InvalidInput):
    """Not a mainland mobile number; ``code`` says which check failed."""


def _clean(value: str) -> str:
    # NFKC turns full-width digits and letters (common with a Chinese input method)
    # into ASCII, so "１１０１…Ｘ" is read like "1101…X".
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def _parse_birth_date(digits: str) -> dt.date:
    """The date written as ``YYYYMMDD``; ``ValueError`` if there is no such day."""
    return dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))


def normalize_id_number(value: str, *, today: dt.date | None = None) -> str:
    """The ID number in canonical form (upper-case ``X``), or :class:`InvalidIDNumber`.

    ``today`` (default: today in China) bounds the birth date; pass it to make a
    check reproducible.
    """
    number = _clean(value).upper()
    if len(number) != 18:
        raise InvalidIDNumber(
            "length",
            _("An ID number has 18 characters; this one has {count}."),
            count=len(number),
        )
    if not _ID_SHAPE.fullmatch(number):
        raise InvalidIDNumber(
            "characters",
            _("An ID number has 17 digits followed by a digit or the letter X."),
        )
    if int(number[:2]) not in PROVINCE_CODES:
        raise InvalidIDNumber(
            "region",
            _("An ID number starts with a region code; {region} is not one."),
            region=number[:6],
        )
    today = today or dt.datetime.now(_CHINA).date()
    try:
        born = _parse_birth_date(number[6:14])
    except ValueError:
        born = None
    if born is None or not EARLIEST_BIRTH_DATE <= born <= today:
        raise InvalidIDNumber(
            "birth_date",
            _("An ID number contains a birth date; {digits} is not a possible one."),
            digits=number[6:14],
        )
    if check_character(number[:17]) != number[17]:
        raise InvalidIDNumber(
            "check_character",
            _("This ID number has a typing error: its last character does not match."),
        )
    return number


def is_valid_id_number(value: str, *, today: dt.date | None = None) -> bool:
    try:
        normalize_id_number(value, today=today)
    except InvalidIDNumber:
        return False
    return True


def birth_date(id_number: str) -> dt.date:
    """The holder's birth date, from a valid ID number."""
    return _parse_birth_date(normalize_id_number(id_number)[6:14])


def sex(id_number: str) -> Literal["male", "female"]:
    """The holder's sex: the 17th digit is odd for men, even for women."""
    return "male" if int(normalize_id_number(id_number)[16]) % 2 else "female"


def mask_id_number(value: str) -> str:
    """``110105********002X``: region code and the last four characters only.

    Never raises, since it runs while a page is being shown: anything that is not
    18 characters long is masked entirely rather than shown.
    """
    number = _clean(value).upper()
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[14:]


def normalize_mobile(value: str) -> str:
    """The 11-digit mobile number, without ``+86``/``86``, or :class:`InvalidMobile`."""
    number = _clean(value)
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    if not _DIGITS.fullmatch(number):
        raise InvalidMobile("characters", _("A mobile number has digits only."))
    if len(number) != 11:
        raise InvalidMobile(
            "length",
            _("A mobile number has 11 digits; this one has {count}."),
            count=len(number),
        )
    if not _MOBILE_SHAPE.fullmatch(number):
        raise InvalidMobile(
            "prefix",
            _("A mobile number starts with 13 to 19; this one starts with {prefix}."),
            prefix=number[:2],
        )
    return number


def mask_mobile(value: str) -> str:
    """``138****5678``; anything that is not a mobile number is masked entirely."""
    try:
        number = normalize_mobile(value)
    except InvalidMobile:
        return "*" * len(_clean(value))
    return number[:3] + "****" + number[7:]
