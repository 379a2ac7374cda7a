"""The entries' own indexes on the unit and the actor are dropped: ledger_entry_unit_seq and
the partial ledger_entry_actor_at begin with those columns and serve their lookups, and
every index is written by every append.

Only the indexes are dropped: Django's AlterField would rebuild the table on SQLite,
copying every entry and losing the append-only triggers with the old table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def drop_index(table: str, index: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{index}"', f'CREATE INDEX "{index}" ON "{table}" ("{column}")'
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0004_partial_indexes"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL, verbose_name="staff member",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT,
                        to="org.unit", verbose_name="unit",
                    ),
                ),
            ],
            database_operations=[
                drop_index("ledger_ledgerentry", "ledger_ledgerentry_actor_id_3bb583e9", "actor_id"),
                drop_index("ledger_ledgerentry", "ledger_ledgerentry_unit_id_7a470a47", "unit_id"),
            ],
        ),
    ]
