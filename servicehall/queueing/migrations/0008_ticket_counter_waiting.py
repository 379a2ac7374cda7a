"""The counters keep the number of tickets waiting in their queue and day; filled here from
the tickets themselves, with a counter made for any queue and day that has waiting
tickets but drew no number (a ticket transferred there)."""

from django.db import migrations, models
from django.db.models import Count


def count_waiting(apps, schema_editor):
    Ticket = apps.get_model("queueing", "Ticket")
    TicketCounter = apps.get_model("queueing", "TicketCounter")
    lines = (
        Ticket.objects.filter(status="waiting")
        .values("unit_id", "queue_id", "service_day")
        .annotate(n=Count("id"))
    )
    for line in lines:
        counter, _created = TicketCounter.objects.get_or_create(
            unit_id=line["unit_id"], queue_id=line["queue_id"], service_day=line["service_day"]
        )
        counter.waiting = line["n"]
        counter.save(update_fields=["waiting"])


class Migration(migrations.Migration):
    dependencies = [
        ("queueing", "0007_partial_ticket_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketcounter",
            name="waiting",
            field=models.PositiveIntegerField(default=0, verbose_name="waiting"),
        ),
        migrations.RunPython(count_waiting, migrations.RunPython.noop),
    ]
