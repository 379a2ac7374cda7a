"""``ledger.actions.append`` and ``correct``: one chain per unit, canonical payloads, and
corrections that keep what they correct."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicehall.ledger.actions import (
    LedgerError,
    Subject,
    append,
    append_row,
    bytes_of,
    correct,
    hasher,
)
from servicehall.ledger.canonical import NotCanonical
from servicehall.ledger.choices import Channel
from servicehall.ledger.models import LedgerEntry, LedgerHead
from servicehall.ledger.registry import UnknownEventType
from servicehall.ledger.verify import Summary, verify_all, verify_unit

NOTE = Subject("test.note", "1")


def _append(unit, event, payload=None, actor=None, **extra) -> LedgerEntry:
    with transaction.atomic():
        return append(
            unit=unit,
            event=event,
            subject=NOTE,
            payload={"n": 0} if payload is None else payload,
            actor=actor,
            channel=Channel.SYSTEM if actor is None else Channel.STAFF,
            **extra,
        )


def _chain(unit) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(unit=unit).order_by("seq"))


def test_append_numbers_entries_from_one_and_links_each_to_the_previous(world, test_event):
    for n in range(5):
        _append(world.office, test_event, {"n": n})

    chain = _chain(world.office)
    assert [entry.seq for entry in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == ""
    for previous, entry in zip(chain, chain[1:], strict=False):
        assert entry.prev_hash == previous.entry_hash
    for entry in chain:
        # Recomputed from the row as the database returns it.
        assert entry.entry_hash == hasher().hash_leaf(bytes_of(entry)).hex()
    head = LedgerHead.objects.get(unit=world.office)
    assert (head.seq, head.head_hash) == (5, chain[-1].entry_hash)
    assert verify_unit(world.office.pk, Summary()) is None


def test_append_row_writes_the_entry_append_writes_and_answers_its_seq(world, test_event):
    """The hall's actions append without the entry instance: the same chain, row for row."""
    _append(world.office, test_event, {"n": 0})
    with transaction.atomic():
        seq = append_row(
            unit=world.office, event=test_event, subject=NOTE, payload={"n": 1},
            channel=Channel.SYSTEM,
        )  # fmt: skip
    _append(world.office, test_event, {"n": 2})

    chain = _chain(world.office)
    assert seq == 2 and [entry.seq for entry in chain] == [1, 2, 3]
    assert (chain[1].payload, chain[1].prev_hash) == ('{"n":1}', chain[0].entry_hash)
    assert chain[1].entry_hash == hasher().hash_leaf(bytes_of(chain[1])).hex()
    assert chain[2].prev_hash == chain[1].entry_hash
    assert verify_unit(world.office.pk, Summary()) is None
    with pytest.raises(LedgerError):
        append_row(unit=world.office, event=test_event, subject=NOTE, payload={}, actor=None)


def test_an_append_is_three_statements_and_returns_the_stored_entry(world, test_event):
    _append(world.office, test_event)  # the unit's head row exists from here on

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        entry = append(
            unit=world.office, event=test_event, subject=NOTE, payload={"n": 1},
            channel=Channel.SYSTEM,
        )  # fmt: skip
    statements = [q["sql"] for q in queries.captured_queries if "ledger_" in q["sql"]]

    # Read the locked head, insert the entry, move the head.
    assert len(statements) == 3
    if connection.vendor == "postgresql":
        assert statements[0].endswith("FOR UPDATE")
    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert [getattr(stored, f.attname) for f in LedgerEntry._meta.concrete_fields] == [
        getattr(entry, f.attname) for f in LedgerEntry._meta.concrete_fields
    ]
    assert not entry._state.adding
    head = LedgerHead.objects.get(unit=world.office)
    assert (head.seq, head.head_hash) == (2, entry.entry_hash)
    assert verify_unit(world.office.pk, Summary()) is None


def test_each_unit_has_its_own_chain(world, test_event):
    for n in range(3):
        _append(world.office, test_event, {"n": n})
        _append(world.other_office, test_event, {"n": n})
    _append(world.office, test_event, {"n": 3})

    office, other = _chain(world.office), _chain(world.other_office)
    assert [entry.seq for entry in office] == [1, 2, 3, 4]
    assert [entry.seq for entry in other] == [1, 2, 3]
    assert other[0].prev_hash == ""
    assert other[1].prev_hash == other[0].entry_hash
    assert {entry.entry_hash for entry in office}.isdisjoint(e.prev_hash for e in other)
    assert LedgerHead.objects.get(unit=world.other_office).seq == 3
    assert verify_all()[0] == []


def test_payload_is_stored_as_canonical_json(world, test_event):
    entry = _append(world.office, test_event, {"b": [1, True, None], "a": "窗口 1", "c": {}})

    assert LedgerEntry.objects.get(pk=entry.pk).payload == '{"a":"窗口 1","b":[1,true,null],"c":{}}'


def test_entry_bytes_are_fixed_lines_then_the_payload(world, test_event):
    moment = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        entry = _append(world.office, test_event, {"n": 1}, actor=world.clerk)

    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert stored.at == moment
    assert bytes_of(stored).decode() == "\n".join(
        [
            "servicehall-ledger-entry/1",
            str(world.office.pk),
            "1",
            "2026-03-02T09:30:15.123456Z",
            "A001",
            "staff",
            "test.note@1",
            "test.note:1",
            "",
            "",
            '{"n":1}',
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused_and_writes_nothing(world, test_event):
    with pytest.raises(LedgerError, match="inside the action's transaction"):
        append(unit=world.office, event=test_event, subject=NOTE, payload={}, actor=world.clerk)

    assert not LedgerEntry.objects.exists()
    assert not LedgerHead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_correct_outside_a_transaction_commits_its_own_entry(world, test_event):
    entry = _append(world.office, test_event, {"n": 1}, actor=world.clerk)

    correction = correct(actor=world.head, entry=entry, corrected={"n": 2}, reason="录入错误")

    assert LedgerEntry.objects.filter(unit=world.office).count() == 2
    assert LedgerEntry.objects.get(pk=correction.pk).corrects_seq == 1


def test_unknown_event_type_is_refused_and_writes_nothing(world):
    with pytest.raises(UnknownEventType, match="test.unregistered"):
        _append(world.office, "test.unregistered", actor=world.clerk)

    assert not LedgerEntry.objects.exists()
    assert not LedgerHead.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"amount": 12.5},
        {"items": [1, {"rate": 0.1}]},
        {"when": dt.date(2026, 3, 2)},
        {1: "integer key"},
    ],
    ids=["float", "nested-float", "date", "integer-key"],
)
def test_payload_without_canonical_form_is_refused_and_writes_nothing(world, test_event, payload):
    first = _append(world.office, test_event, {"n": 1})

    with pytest.raises(NotCanonical):
        _append(world.office, test_event, payload)

    assert list(LedgerEntry.objects.values_list("pk", flat=True)) == [first.pk]
    head = LedgerHead.objects.get(unit=world.office)
    assert (head.seq, head.head_hash) == (1, first.entry_hash)
    assert verify_all()[0] == []


def test_float_refused_in_a_units_first_entry_leaves_a_verifiable_ledger(world, test_event):
    with pytest.raises(NotCanonical):
        _append(world.office, test_event, {"amount": 1.0})

    assert not LedgerEntry.objects.exists()
    assert verify_all()[0] == []


@pytest.mark.parametrize(
    ("payload", "subject"),
    [({"amount": 1.0}, NOTE), ({"n": 1}, Subject("test.note", "1\n2"))],
    ids=["float payload", "newline in the subject"],
)
def test_a_refused_first_entry_touches_no_head(world, test_event, payload, subject):
    # The caller catches the refusal and carries on in its transaction: nothing of the
    # refused entry may stay behind, not even the unit's first, empty, head row.
    with transaction.atomic():
        with pytest.raises(NotCanonical):
            append(
                unit=world.office,
                event=test_event,
                subject=subject,
                payload=payload,
                channel=Channel.SYSTEM,
            )

        assert not LedgerHead.objects.filter(unit=world.office).exists()
    assert not LedgerEntry.objects.exists()
    assert verify_all()[0] == []


def test_staff_entry_records_the_staff_members_number(world, test_event):
    entry = _append(world.office, test_event, actor=world.clerk)

    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert stored.actor == world.clerk
    assert stored.actor_staff_no == "A001"
    assert stored.channel == Channel.STAFF


def test_staff_number_is_blank_for_staff_without_one(world, test_event):
    entry = _append(world.office, test_event, actor=world.unit_admin)

    assert LedgerEntry.objects.get(pk=entry.pk).actor_staff_no == ""


def test_staff_entry_without_a_staff_member_is_refused(world, test_event):
    with pytest.raises(LedgerError, match="names its staff member"), transaction.atomic():
        append(unit=world.office, event=test_event, subject=NOTE, payload={})

    assert not LedgerEntry.objects.exists()


def test_client_channel_entry_needs_no_staff_member(world, test_event):
    with transaction.atomic():
        entry = append(
            unit=world.office, event=test_event, subject=NOTE, payload={}, channel=Channel.KIOSK
        )

    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert (stored.actor, stored.actor_staff_no, stored.channel) == (None, "", "kiosk")


def test_correction_keeps_both_entries_and_names_the_corrected_one(world, test_event):
    original = _append(world.office, test_event, {"window": 1}, actor=world.clerk)
    _append(world.office, test_event, {"window": 2}, actor=world.clerk)

    correction = correct(
        actor=world.head, entry=original, corrected={"window": 3}, reason="  窗口号录错  "
    )

    chain = _chain(world.office)
    assert [entry.seq for entry in chain] == [1, 2, 3]
    assert chain[0].payload == '{"window":1}'
    assert chain[0].entry_hash == original.entry_hash
    stored = chain[2]
    assert stored.pk == correction.pk
    assert stored.corrects_seq == 1
    assert stored.event_type == "ledger.correction"
    assert (stored.subject_type, stored.subject_id) == (NOTE.type, NOTE.id)
    assert (stored.actor, stored.actor_staff_no) == (world.head, "A000")
    assert json.loads(stored.payload) == {"corrected": {"window": 3}, "reason": "窗口号录错"}
    assert verify_all()[0] == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_correction_needs_a_reason(world, test_event, reason):
    original = _append(world.office, test_event, actor=world.clerk)

    with pytest.raises(LedgerError, match="needs a reason"):
        correct(actor=world.head, entry=original, corrected={"n": 1}, reason=reason)

    assert list(LedgerEntry.objects.values_list("seq", flat=True)) == [1]


def test_outsider_cannot_correct_another_units_entry(world, test_event):
    from django.core.exceptions import PermissionDenied

    original = _append(world.office, test_event, actor=world.clerk)

    with pytest.raises(PermissionDenied):
        correct(actor=world.outsider, entry=original, corrected={"n": 1}, reason="改")

    assert LedgerEntry.objects.count() == 1


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=st.dictionaries(st.text(max_size=8), _json, max_size=5))
def test_any_canonical_payload_round_trips_and_verifies(db, test_event, payload):
    from servicehall.org.models import Unit

    unit, _created = Unit.objects.get_or_create(
        code="H", defaults={"name": "假设", "kind": "office"}
    )
    entry = _append(unit, test_event, payload)

    assert json.loads(LedgerEntry.objects.get(pk=entry.pk).payload) == payload
    assert verify_unit(unit.pk, Summary()) is None
