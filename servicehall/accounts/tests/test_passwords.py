"""Password policy: at least 8 characters from 3 of 4 classes, hashed with Argon2."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize("password", ["Qwxzt7Lm", "abc-def-9", "ABC DEF 9x", "Zz9!zzzz"])
def test_strong_passwords_pass(password):
    validate_password(password)


@pytest.mark.parametrize(
    "password",
    ["Ab1!", "abcdefgh", "abcdefg1", "ABCDEFGH1", "12345678"],
    ids=["short", "one-class", "two-classes", "two-classes-upper", "digits"],
)
def test_weak_passwords_fail(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_passwords_are_hashed_with_argon2(world):
    assert identify_hasher(world.clerk.password).algorithm == "argon2"
