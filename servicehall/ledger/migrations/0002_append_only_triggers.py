"""Triggers that refuse UPDATE and DELETE of ledger entries and checkpoints (D-11)."""

from django.db import migrations


def install(apps, schema_editor):
    from servicehall.ledger import triggers

    triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    from servicehall.ledger import triggers

    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
