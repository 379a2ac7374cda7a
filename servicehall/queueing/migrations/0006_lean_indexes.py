"""The tickets' waiting line gets one index in calling order, the finished tickets a partial
one; the indexes that others now begin with are dropped (each is written by every ticket
issued and every event).

The foreign keys' own indexes are dropped alone: Django's AlterField would rebuild the
tables on SQLite.
"""

import django.db.models.deletion
from django.db import migrations, models


def drop_index(table: str, index: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{index}"', f'CREATE INDEX "{index}" ON "{table}" ("{column}")'
    )


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("queueing", "0005_partial_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=[
                    "queue", "service_day", "status", "target_window", "priority", "issued_at",
                    "id",
                ],
                name="ticket_waiting",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                models.F("queue"),
                models.OrderBy(models.F("finished_at"), descending=True),
                condition=models.Q(status="done"),
                name="ticket_recent_service",
            ),
        ),
        migrations.RemoveIndex(model_name="ticket", name="ticket_calling_order"),
        migrations.RemoveIndex(model_name="ticket", name="ticket_waiting_count"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="hallevent",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE,
                        to="org.unit", verbose_name="unit",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="queue",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT,
                        to="queueing.queue", verbose_name="queue",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="target_window",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True,
                        on_delete=django.db.models.deletion.PROTECT, related_name="+",
                        to="org.window", verbose_name="transferred to window",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT,
                        to="org.unit", verbose_name="unit",
                    ),
                ),
            ],
            database_operations=[
                drop_index("queueing_hallevent", "queueing_hallevent_unit_id_a834fb67", "unit_id"),
                drop_index("queueing_ticket", "queueing_ticket_queue_id_991f879a", "queue_id"),
                drop_index(
                    "queueing_ticket", "queueing_ticket_target_window_id_ed1271a9",
                    "target_window_id",
                ),
                drop_index("queueing_ticket", "queueing_ticket_unit_id_b6aa49b3", "unit_id"),
            ],
        ),
    ]
