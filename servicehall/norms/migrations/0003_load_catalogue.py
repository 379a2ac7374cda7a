"""Load every clause of the norms data file (90 ids) into the catalogue."""

from django.db import migrations


def load(apps, schema_editor):
    from servicehall.norms.catalogue import load_clauses

    Clause = apps.get_model("norms", "Clause")
    for row in load_clauses():
        Clause.objects.update_or_create(
            code=row["code"],
            defaults={
                "kind": row["kind"],
                "text_zh": row["zh"],
                "gloss_en": row["en"],
                "modes": row["modes"],
                "system_note": row["system"],
                "moment": row["moment"],
                "template": row["template"],
                "order": row["order"],
            },
        )


def unload(apps, schema_editor):
    apps.get_model("norms", "Clause").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("norms", "0002_initial")]
    operations = [migrations.RunPython(load, unload)]
