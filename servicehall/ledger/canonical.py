"""Canonical bytes: the same entry always hashes to the same value, on any database.

Payloads are JSON with sorted keys, no insignificant whitespace, UTF-8, and no floats
(a float has no single canonical text; amounts are integers of fen, rates are strings).
An entry's bytes are a fixed list of header lines followed by the payload; header
values are identifiers and timestamps that never contain a newline.
"""

from __future__ import annotations

import datetime as dt
import json

ENTRY_FORMAT = b"servicehall-ledger-entry/1"


class NotCanonical(TypeError):
    """A payload value that has no canonical JSON form."""


def _check(value, path: str = "$") -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return
    if isinstance(value, float):
        raise NotCanonical(f"{path}: floats are not allowed in ledger payloads")
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{path}: keys must be strings")
            _check(item, f"{path}.{key}")
        return
    raise NotCanonical(f"{path}: {type(value).__name__} is not allowed in ledger payloads")


# One encoder for every entry: json.dumps with these options builds a new one on each call,
# half the time of encoding an issued ticket's payload.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(payload: dict) -> str:
    _check(payload)
    return _ENCODER.encode(payload)


def timestamp(moment: dt.datetime) -> str:
    """UTC with microseconds, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``: what both databases store
    and return unchanged. (``isoformat`` rather than ``strftime``, whose ``%Y`` is not
    zero-padded to four digits on every platform.)"""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def optional_timestamp(moment: dt.datetime | None) -> str | None:
    """``timestamp`` of a moment that may not have come yet (``None`` stays ``None``)."""
    return None if moment is None else timestamp(moment)


def entry_bytes(
    *,
    unit_id: int,
    seq: int,
    at: dt.datetime,
    actor_staff_no: str,
    channel: str,
    event_type: str,
    event_version: int,
    subject_type: str,
    subject_id: str,
    corrects_seq: int | None,
    prev_hash: str,
    payload: str,
) -> bytes:
    header = (
        ENTRY_FORMAT.decode(),
        str(unit_id),
        str(seq),
        timestamp(at),
        actor_staff_no,
        channel,
        f"{event_type}@{event_version}",
        f"{subject_type}:{subject_id}",
        "" if corrects_seq is None else str(corrects_seq),
        prev_hash,
    )
    check_header(*header)
    return ("\n".join(header) + "\n" + payload).encode("utf-8")


def check_header(*values: str) -> None:
    """Header values are single lines: a newline would let one entry's bytes read as another's."""
    for value in values:
        if "\n" in value:
            raise NotCanonical("ledger header values cannot contain a newline")
