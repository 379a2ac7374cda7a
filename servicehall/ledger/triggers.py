"""Database triggers that refuse UPDATE and DELETE of ledger rows (D-11).

The application has no code path that edits an entry; the triggers stop everyone else
who reaches the database through an ordinary connection. Someone who can drop them can
still edit rows, which is what ``ledger verify`` is for.
"""

from __future__ import annotations

PROTECTED_TABLES = ("ledger_ledgerentry", "ledger_checkpoint")


def _sqlite_install(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: {op} on {table} refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _sqlite_remove(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for op in ("update", "delete")]


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION servicehall_ledger_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql
"""


def _pg_install(table: str) -> list[str]:
    return [
        f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION servicehall_ledger_refuse_change()"
    ]


def _pg_remove(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]


def _statements(vendor: str, install: bool) -> list[str]:
    builders = {
        ("sqlite", True): _sqlite_install,
        ("sqlite", False): _sqlite_remove,
        ("postgresql", True): _pg_install,
        ("postgresql", False): _pg_remove,
    }
    if (vendor, install) not in builders:
        raise NotImplementedError(f"no ledger triggers for {vendor}")
    sql = [_PG_FUNCTION] if (vendor, install) == ("postgresql", True) else []
    for table in PROTECTED_TABLES:
        sql += builders[vendor, install](table)
    return sql


def install(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=True):
            cursor.execute(statement)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=False):
            cursor.execute(statement)


def installed(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                ["ledger_%"],
            )
            return cursor.fetchone()[0] == 2 * len(PROTECTED_TABLES)
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE %s", ["ledger_%_append_only"]
        )
        return cursor.fetchone()[0] == len(PROTECTED_TABLES)
