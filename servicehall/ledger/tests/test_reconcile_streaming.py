"""``ledger verify``'s reconciliation streams: business rows and the ledger's subjects are
read in pages (``RECONCILE_BATCH``), each page's entries found through the subject index,
so memory does not grow with the ledger; whatever the page size, it names the same rows.
A field that a state function gained after an entry was written is not held against the
rows that entry recorded (an upgrade does not flag every older row).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicehall.ledger import registry, verify
from servicehall.ledger.models import LedgerEntry
from servicehall.ledger.verify import Summary, reconcile
from servicehall.org.models import DutyAssignment

from .conftest import DAY2


def _named(problems) -> set[tuple]:
    return {(p.unit_id, p.seq, p.kind) for p in problems}


def _tamper(roster_ledger) -> set[tuple]:
    """Three rows changed behind the ledger's back, in different pages of two."""
    office, rows, world = roster_ledger.office, roster_ledger.rows, roster_ledger.world
    DutyAssignment.objects.filter(pk=rows["clerk_day1"].pk).update(window=None)
    DutyAssignment.objects.filter(pk=rows["clerk_day2"].pk).delete()
    added = DutyAssignment.objects.create(
        unit=office, date=DAY2, staff=world.reviewer, window=roster_ledger.window2
    )
    assert added.pk
    return {
        (office.pk, 1, "row changed behind the ledger"),
        (office.pk, 4, "row deleted behind the ledger"),
        (office.pk, None, "unrecorded row"),
    }


@pytest.mark.parametrize("batch", [1, 2, 3, 1000])
def test_pages_of_any_size_name_the_same_rows(roster_ledger, monkeypatch, batch):
    expected = _tamper(roster_ledger)
    monkeypatch.setattr(verify, "RECONCILE_BATCH", batch)
    summary = Summary()

    problems = list(reconcile(summary))

    assert _named(problems) == expected
    assert summary.rows_reconciled == DutyAssignment.objects.count()


def test_an_untouched_ledger_reconciles_in_small_pages(roster_ledger, monkeypatch):
    monkeypatch.setattr(verify, "RECONCILE_BATCH", 2)

    assert list(reconcile(Summary())) == []


def test_no_query_reads_a_whole_subject_type_at_once(roster_ledger, monkeypatch):
    monkeypatch.setattr(verify, "RECONCILE_BATCH", 2)
    with CaptureQueriesContext(connection) as queries:
        list(reconcile(Summary()))

    ledger_reads = [q["sql"] for q in queries if "ledger_ledgerentry" in q["sql"]]
    # Each read of entries is bounded: a page of subjects (IN or LIMIT), or the few
    # entries naming other subjects.
    for sql in ledger_reads:
        if "LIKE" in sql:
            assert "subject_type" not in sql, sql
        else:
            assert " IN (" in sql or "LIMIT" in sql, sql
    assert sum("LIKE" in sql for sql in ledger_reads) == 1


def test_a_field_added_to_a_state_later_is_not_held_against_older_entries(
    roster_ledger, monkeypatch
):
    reconciler = registry._reconcilers["org.dutyassignment"]

    def grown(row):
        return {**reconciler.state(row), "note": "a field added in a later release"}

    monkeypatch.setitem(
        registry._reconcilers,
        "org.dutyassignment",
        registry.Reconciler("org.dutyassignment", DutyAssignment, grown),
    )

    assert list(reconcile(Summary())) == []


def test_a_recorded_field_the_state_no_longer_has_is_a_change(roster_ledger, monkeypatch):
    reconciler = registry._reconcilers["org.dutyassignment"]

    def shrunk(row):
        state = dict(reconciler.state(row))
        state.pop(next(iter(state)))
        return state

    monkeypatch.setitem(
        registry._reconcilers,
        "org.dutyassignment",
        registry.Reconciler("org.dutyassignment", DutyAssignment, shrunk),
    )

    kinds = {p.kind for p in reconcile(Summary())}
    assert kinds == {"row changed behind the ledger"}


def test_a_row_recorded_only_by_another_subjects_entry_is_named_when_deleted(
    roster_ledger, monkeypatch, test_event
):
    from django.db import transaction

    from servicehall.ledger.actions import Subject, append
    from servicehall.ledger.choices import Channel

    office, world = roster_ledger.office, roster_ledger.world
    extra = DutyAssignment.objects.create(
        unit=office, date=DAY2, staff=world.reviewer, window=roster_ledger.window2
    )
    state = registry._reconcilers["org.dutyassignment"].state(extra)
    with transaction.atomic():
        entry = append(
            unit=office,
            event=test_event,
            subject=Subject("test.note", "1"),
            channel=Channel.SYSTEM,
            payload={"also": [{"subject": f"org.dutyassignment:{extra.pk}", "state": state}]},
        )
    assert list(reconcile(Summary())) == []
    DutyAssignment.objects.filter(pk=extra.pk).delete()

    problems = list(reconcile(Summary()))

    assert _named(problems) == {(office.pk, entry.seq, "row deleted behind the ledger")}
    assert not LedgerEntry.objects.filter(subject_type="org.dutyassignment",
                                          subject_id=str(extra.pk)).exists()  # fmt: skip


def test_the_ledgers_subjects_are_read_a_page_at_a_time_as_they_are_checked(
    roster_ledger, monkeypatch
):
    """The deleted row is named after reading the first page of subjects, not all of them."""
    first = min(roster_ledger.rows.values(), key=lambda row: str(row.pk))
    DutyAssignment.objects.filter(pk=first.pk).delete()
    monkeypatch.setattr(verify, "RECONCILE_BATCH", 1)

    with CaptureQueriesContext(connection) as queries:
        problems = reconcile(Summary())
        deleted = next(p for p in problems if p.kind == "row deleted behind the ledger")
        pages_read = [
            q
            for q in queries.captured_queries
            if "DISTINCT" in q["sql"] and "'org.dutyassignment'" in q["sql"]
        ]

    assert str(first.pk) in deleted.detail
    subjects = LedgerEntry.objects.filter(subject_type="org.dutyassignment")
    assert subjects.values("subject_id").distinct().count() >= 4
    assert len(pages_read) == 1
