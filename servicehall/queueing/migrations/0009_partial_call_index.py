"""The index of a unit's call events by time holds the calls alone: the queue events that
every issued ticket writes no longer update it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("queueing", "0008_ticket_counter_waiting"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="hallevent", name="hall_event_unit_kind_at"),
        migrations.AddIndex(
            model_name="hallevent",
            index=models.Index(
                condition=models.Q(("kind", "call")),
                fields=["unit", "at"],
                name="hall_event_unit_calls",
            ),
        ),
    ]
