"""Password policy of 等保 2.0 level 3: at least 8 characters from 3 of 4 classes."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CLASSES = (
    ("lower", str.islower),
    ("upper", str.isupper),
    ("digit", str.isdigit),
    ("symbol", lambda c: c in string.punctuation or c == " "),
)


def character_classes(password: str) -> int:
    return sum(any(test(c) for c in password) for _name, test in CLASSES)


class CharacterClassValidator:
    """At least ``min_classes`` of lower case, upper case, digits and symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "The password must mix at least {count} of: lower-case letters, "
                    "upper-case letters, digits and symbols."
                ).format(count=self.min_classes),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _(
            "Use at least {count} of: lower-case letters, upper-case letters, digits, symbols."
        ).format(count=self.min_classes)
