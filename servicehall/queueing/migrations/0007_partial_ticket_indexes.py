"""A ticket's item, window and clerk are indexed only where the ticket names them: a ticket
is issued with none of them (item: mostly none), and every index is written by every
ticket issued. The foreign keys' full indexes are dropped alone: Django's AlterField
would rebuild the table on SQLite.
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
        ("catalogue", "0002_material_need"),
        ("org", "0001_initial"),
        ("queueing", "0006_lean_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(item__isnull=False), fields=["item"], name="ticket_item"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(window__isnull=False), fields=["window"], name="ticket_window"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(clerk__isnull=False), fields=["clerk"], name="ticket_clerk"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ticket",
                    name="clerk",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL, verbose_name="clerk",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="item",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="catalogue.serviceitem", verbose_name="service item",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="window",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True,
                        on_delete=django.db.models.deletion.PROTECT, related_name="tickets",
                        to="org.window", verbose_name="window",
                    ),
                ),
            ],
            database_operations=[
                drop_index("queueing_ticket", "queueing_ticket_clerk_id_ac0c1dfb", "clerk_id"),
                drop_index("queueing_ticket", "queueing_ticket_item_id_e8227c29", "item_id"),
                drop_index("queueing_ticket", "queueing_ticket_window_id_b9f0f80f", "window_id"),
            ],
        ),
    ]
