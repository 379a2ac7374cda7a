"""The registry of event types, and of the business tables the ledger reconciles.

The ledger knows no domain app: apps register their event types (each versioned) and,
for each table whose rows the ledger must be able to vouch for, a reconciler that says
which fields a row's latest entry records. ``ledger verify`` then compares every row
with the state recorded by its latest entry, so a row edited behind the application's
back is found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    description: str
    # The clause ids this event carries (N-5.5, D-13, ...), for traceability.
    clauses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reconciler:
    """Rows of ``model`` must match the ``state`` recorded by their latest entry.

    ``state(row)`` returns the dict an action records under the payload key "state";
    ``subject_type`` names the subject in the entries.
    """

    subject_type: str
    model: type[models.Model]
    state: Callable[[models.Model], dict]
    unit_field: str = "unit_id"
    extra: dict = field(default_factory=dict)


_event_types: dict[str, EventType] = {}
_reconcilers: dict[str, Reconciler] = {}


class UnknownEventType(LookupError):
    pass


def register_event(name: str, version: int, description: str, clauses: tuple[str, ...] = ()):
    existing = _event_types.get(name)
    event = EventType(name, version, description, clauses)
    if existing and existing != event:
        raise ValueError(f"event type {name} registered twice with different definitions")
    _event_types[name] = event
    return event


def event_type(name: str) -> EventType:
    try:
        return _event_types[name]
    except KeyError:
        raise UnknownEventType(f"{name} is not a registered ledger event type") from None


def event_types() -> dict[str, EventType]:
    return dict(_event_types)


def register_reconciler(reconciler: Reconciler) -> None:
    _reconcilers[reconciler.subject_type] = reconciler


def reconcilers() -> list[Reconciler]:
    return list(_reconcilers.values())


def subject_type_of(model_or_row) -> str:
    meta = model_or_row._meta
    return f"{meta.app_label}.{meta.model_name}"
