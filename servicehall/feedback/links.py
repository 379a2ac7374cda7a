"""Evaluation links (the QR code on a ticket or receipt, a text message after a call).

A link carries a signed token naming what is rated and when the link expires; nothing is
stored for it. It is used once: once the visit or case is rated, the one-rating
constraint refuses any other (一次一评, 一事一评). Expiry is counted from when the service
ended (a visit's finish, a case's acceptance), so opening the page again never extends it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

from .choices import SubjectKind

SALT = "servicehall.feedback.link"


@dataclass(frozen=True)
class LinkClaim:
    kind: str
    pk: int
    expires_at: dt.datetime


class BadLink(Exception):
    """The token was not made here, or was altered."""


def make_token(kind: str, pk: int, expires_at: dt.datetime) -> str:
    if kind not in (SubjectKind.VISIT, SubjectKind.CASE):
        raise ValueError(f"no evaluation link for {kind}")
    return signing.dumps({"k": str(kind), "id": pk, "x": int(expires_at.timestamp())}, salt=SALT)


def read_token(token: str) -> LinkClaim:
    """What the token names; expiry is checked by the caller (``actions.link_subject``)."""
    try:
        data = signing.loads(token, salt=SALT)
        return LinkClaim(
            kind=data["k"],
            pk=int(data["id"]),
            expires_at=dt.datetime.fromtimestamp(int(data["x"]), tz=dt.UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadLink from None


def expiry(start: dt.datetime | None, days: int) -> dt.datetime:
    return (start or timezone.now()) + dt.timedelta(days=days)
