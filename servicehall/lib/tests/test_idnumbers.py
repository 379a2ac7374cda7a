"""Resident ID numbers and mobile numbers: checks, normalisation, masking."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicehall.lib import idnumbers
from servicehall.lib.idnumbers import (
    InvalidIDNumber,
    InvalidMobile,
    birth_date,
    check_character,
    is_valid_id_number,
    mask_id_number,
    mask_mobile,
    normalize_id_number,
    normalize_mobile,
    sex,
)

VALID = "11010519491231002X"  # the example of GB 11643-1999
TODAY = dt.date(2026, 3, 5)


@pytest.fixture(autouse=True, scope="module")
def untranslated():
    """Messages as their English msgids, so they can be read without Django settings."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(idnumbers, "_", str)
        yield


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def error_code(value: str) -> str:
    """The code of the check ``value`` fails; its message must format too."""
    with pytest.raises(InvalidIDNumber) as excinfo:
        normalize_id_number(value, today=TODAY)
    assert str(excinfo.value)
    return excinfo.value.code


# ID numbers


def test_standard_example_is_valid():
    assert normalize_id_number(VALID) == VALID
    assert is_valid_id_number(VALID)


def test_check_character_follows_iso_7064_mod_11_2():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"  # the standard's other example


@given(first17=st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_check_character_satisfies_the_iso_7064_equation(first17):
    # ISO 7064 MOD 11-2, stated independently of the implementation: with X = 10,
    # the sum of each character times 2**(position from the right, 0-based) is 1 mod 11.
    number = first17 + check_character(first17)
    values = [10 if char == "X" else int(char) for char in reversed(number)]
    assert sum(value * 2**power for power, value in enumerate(values)) % 11 == 1


def test_lowercase_x_is_normalised():
    assert normalize_id_number("11010519491231002x") == VALID


def test_spaces_and_full_width_characters_are_normalised():
    assert normalize_id_number(" 110105 19491231 002X ") == VALID
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ") == VALID


def test_wrong_check_character():
    assert error_code("110105194912310021") == "check_character"
    assert not is_valid_id_number("110105194912310021")


def test_a_single_mistyped_digit_is_caught():
    assert error_code("11010519491231012X") == "check_character"


@pytest.mark.parametrize("value", [VALID[:17], VALID + "1", ""])
def test_wrong_length(value):
    with pytest.raises(InvalidIDNumber) as excinfo:
        normalize_id_number(value)
    assert excinfo.value.code == "length"
    assert excinfo.value.params == {"count": len(value)}
    assert str(excinfo.value) == (f"An ID number has 18 characters; this one has {len(value)}.")


@pytest.mark.parametrize(
    "value", ["1101051949123100XX", "11010519491231A02X", "X10105194912310021"]
)
def test_letters_other_than_a_final_x(value):
    assert error_code(value) == "characters"


@pytest.mark.parametrize("region", ["000000", "100105", "990105", "200105", "900105"])
def test_region_must_start_with_a_province_code(region):
    assert error_code(with_check(region + "19491231002")) == "region"


@pytest.mark.parametrize(
    "region", ["110105", "440300", "650102", "810000", "820000", "830000", "910000"]
)
def test_province_codes_are_accepted(region):
    assert is_valid_id_number(with_check(region + "19900101123"), today=TODAY)


@pytest.mark.parametrize(
    "birth",
    [
        "19490230",  # 30 February
        "19491301",  # month 13
        "19490000",
        "20991231",  # in the future
        "20260306",  # tomorrow
        "18791231",  # before 1880
    ],
)
def test_impossible_birth_dates(birth):
    assert error_code(with_check("110105" + birth + "002")) == "birth_date"


def test_born_today_is_possible():
    assert is_valid_id_number(with_check("11010520260305002"), today=TODAY)


def test_birth_date_message_names_the_digits():
    with pytest.raises(InvalidIDNumber) as excinfo:
        normalize_id_number(with_check("11010519490230002"))
    assert str(excinfo.value) == (
        "An ID number contains a birth date; 19490230 is not a possible one."
    )


def test_birth_date_and_sex():
    assert birth_date(VALID) == dt.date(1949, 12, 31)
    assert sex(VALID) == "female"  # 17th digit 2
    assert sex(with_check("11010519491231003")) == "male"


def test_birth_date_refuses_an_invalid_number():
    with pytest.raises(InvalidIDNumber):
        birth_date("110105194912310021")


def test_mask_id_number():
    assert mask_id_number(VALID) == "110105********002X"
    assert mask_id_number("11010519491231002x") == "110105********002X"


def test_mask_id_number_hides_anything_malformed():
    assert mask_id_number("1101051949") == "**********"


@given(
    region=st.sampled_from(sorted(idnumbers.PROVINCE_CODES)),
    rest=st.from_regex(r"[0-9]{4}", fullmatch=True),
    born=st.dates(dt.date(1880, 1, 1), TODAY),
    sequence=st.from_regex(r"[0-9]{3}", fullmatch=True),
)
def test_every_well_formed_number_is_valid_and_round_trips(region, rest, born, sequence):
    number = with_check(f"{region}{rest}{born:%Y%m%d}{sequence}")
    assert normalize_id_number(number.lower(), today=TODAY) == number
    assert birth_date(number) == born


# Mobile numbers


@pytest.mark.parametrize(
    "value",
    ["13812345678", "+8613812345678", "8613812345678", "+86 138 1234 5678", "138-1234-5678"],
)
def test_mobile_forms_are_normalised(value):
    assert normalize_mobile(value) == "13812345678"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1381234567", "length"),
        ("138123456789", "length"),
        ("12812345678", "prefix"),
        ("23812345678", "prefix"),
        ("1381234567a", "characters"),
        ("+1 212 555 0100", "characters"),
        ("", "length"),
    ],
)
def test_invalid_mobiles(value, code):
    with pytest.raises(InvalidMobile) as excinfo:
        normalize_mobile(value)
    assert excinfo.value.code == code
    assert str(excinfo.value)  # the message formats with its parameters


def test_mobile_length_message():
    with pytest.raises(InvalidMobile) as excinfo:
        normalize_mobile("1381234567")
    assert str(excinfo.value) == "A mobile number has 11 digits; this one has 10."


def test_mask_mobile():
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("+86 138 1234 5678") == "138****5678"


def test_mask_mobile_hides_anything_malformed():
    assert mask_mobile("12345") == "*****"


def test_errors_are_value_errors():
    # Callers that only know ValueError (e.g. generic parsing code) still catch them.
    assert issubclass(InvalidIDNumber, ValueError)
    assert issubclass(InvalidMobile, ValueError)
