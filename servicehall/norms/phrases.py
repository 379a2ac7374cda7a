"""The standard phrases (附件3) offered to staff at the right moment (mode "prompt")."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Clause


@dataclass
class Prompt:
    """A phrase to say now (attachment 3), with its id and the moment it is for."""

    code: str
    text: str
    moment: str


def prompts(wanted: list[tuple[str, str, dict]]) -> list[Prompt]:
    """``(code, moment, blanks)`` wanted now, as the phrases to say, blanks filled, in one
    query; a phrase missing from the catalogue is left out."""
    if not wanted:
        return []
    clauses = {c.code: c for c in Clause.objects.filter(code__in=[w[0] for w in wanted])}
    return [
        Prompt(code, clauses[code].fill(**blanks), moment)
        for code, moment, blanks in wanted
        if code in clauses
    ]
