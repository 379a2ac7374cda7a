"""The database refuses UPDATE and DELETE of ledger entries and checkpoints (D-11),
whichever way the statement arrives, and the refused row stays as it was."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from servicehall.ledger import triggers
from servicehall.ledger.actions import Subject, append
from servicehall.ledger.choices import Channel
from servicehall.ledger.models import Checkpoint, LedgerEntry
from servicehall.ledger.proofs import make_checkpoint


@pytest.fixture
def rows(world, test_event):
    with transaction.atomic():
        for n in range(3):
            append(
                unit=world.office,
                event=test_event,
                subject=Subject("test.note", str(n)),
                payload={"n": n},
                actor=world.clerk,
            )
    checkpoint = make_checkpoint(world.office)
    return LedgerEntry.objects.get(unit=world.office, seq=2), checkpoint


def _snapshot(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def _refused(action) -> None:
    # A savepoint, so that the test's own transaction survives the error on PostgreSQL.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        action()


def test_triggers_are_installed_by_the_migrations(db):
    assert triggers.installed(connection)


def _entry_changes(entry: LedgerEntry):
    def save_instance():
        entry.payload = '{"n":99}'
        entry.save()

    def raw_update():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_ledgerentry SET payload = %s WHERE id = %s", ['{"n":99}', entry.pk]
            )

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_ledgerentry WHERE id = %s", [entry.pk])

    def raw_delete_all():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_ledgerentry")

    return {
        "orm-update": lambda: LedgerEntry.objects.filter(pk=entry.pk).update(payload='{"n":99}'),
        "orm-update-all": lambda: LedgerEntry.objects.update(channel=Channel.SYSTEM),
        "orm-save": save_instance,
        "orm-delete": lambda: LedgerEntry.objects.filter(pk=entry.pk).delete(),
        "orm-delete-instance": lambda: LedgerEntry.objects.get(pk=entry.pk).delete(),
        "raw-update": raw_update,
        "raw-delete": raw_delete,
        "raw-delete-all": raw_delete_all,
    }


ENTRY_CHANGES = list(_entry_changes(LedgerEntry()).keys())


@pytest.mark.parametrize("how", ENTRY_CHANGES)
def test_ledger_entry_cannot_be_changed_or_deleted(rows, how):
    entry, _checkpoint = rows
    before = {
        pk: _snapshot(LedgerEntry, pk) for pk in LedgerEntry.objects.values_list("pk", flat=True)
    }

    _refused(_entry_changes(entry)[how])

    after = {
        pk: _snapshot(LedgerEntry, pk) for pk in LedgerEntry.objects.values_list("pk", flat=True)
    }
    assert after == before


def _checkpoint_changes(checkpoint: Checkpoint):
    def save_instance():
        checkpoint.root_hash = "0" * 64
        checkpoint.save()

    def raw_update():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_checkpoint SET root_hash = %s WHERE id = %s",
                ["0" * 64, checkpoint.pk],
            )

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_checkpoint WHERE id = %s", [checkpoint.pk])

    return {
        "orm-update": lambda: Checkpoint.objects.filter(pk=checkpoint.pk).update(size=1),
        "orm-save": save_instance,
        "orm-delete": lambda: Checkpoint.objects.filter(pk=checkpoint.pk).delete(),
        "orm-delete-instance": lambda: Checkpoint.objects.get(pk=checkpoint.pk).delete(),
        "raw-update": raw_update,
        "raw-delete": raw_delete,
    }


CHECKPOINT_CHANGES = list(_checkpoint_changes(Checkpoint()).keys())


@pytest.mark.parametrize("how", CHECKPOINT_CHANGES)
def test_checkpoint_cannot_be_changed_or_deleted(rows, how):
    _entry, checkpoint = rows
    before = _snapshot(Checkpoint, checkpoint.pk)

    _refused(_checkpoint_changes(checkpoint)[how])

    assert _snapshot(Checkpoint, checkpoint.pk) == before
    assert Checkpoint.objects.count() == 1


def test_inserting_entries_is_still_allowed(rows, world, test_event):
    with transaction.atomic():
        append(
            unit=world.office,
            event=test_event,
            subject=Subject("test.note", "4"),
            payload={},
            actor=world.clerk,
        )

    assert LedgerEntry.objects.filter(unit=world.office).count() == 4


def test_someone_who_drops_the_triggers_can_edit_and_install_puts_them_back(rows):
    entry, _checkpoint = rows

    triggers.remove(connection)
    assert not triggers.installed(connection)
    LedgerEntry.objects.filter(pk=entry.pk).update(payload='{"n":99}')
    assert LedgerEntry.objects.get(pk=entry.pk).payload == '{"n":99}'

    triggers.install(connection)
    assert triggers.installed(connection)
    _refused(lambda: LedgerEntry.objects.filter(pk=entry.pk).update(payload='{"n":1}'))
    assert LedgerEntry.objects.get(pk=entry.pk).payload == '{"n":99}'


def test_installing_twice_is_harmless(db):
    triggers.install(connection)
    triggers.install(connection)

    assert triggers.installed(connection)


@pytest.mark.django_db(transaction=True)
def test_triggers_refuse_changes_outside_a_transaction_too(world, test_event):
    with transaction.atomic():
        entry = append(
            unit=world.office,
            event=test_event,
            subject=Subject("test.note", "1"),
            payload={"n": 1},
            actor=world.clerk,
        )

    with pytest.raises(DatabaseError, match="append-only"):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"):
        LedgerEntry.objects.filter(pk=entry.pk).update(payload="{}")

    assert LedgerEntry.objects.get(pk=entry.pk).payload == '{"n":1}'
    # The committed entry stays for the flush after this test: the ledger tests'
    # conftest empties the append-only tables first, or SQLite would refuse the flush.
