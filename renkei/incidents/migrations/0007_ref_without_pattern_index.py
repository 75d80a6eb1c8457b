# On PostgreSQL a unique CharField also gets a varchar_pattern_ops index for
# LIKE 'prefix%'; incidents are found by their exact ref only, and every
# incident written paid for it. Only the database changes: Django drops such
# an index with IF EXISTS when it alters the field, so the state can stay.

from django.db import migrations

_PATTERN_INDEX = "incidents_incident_ref_eb185301_like"


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{_PATTERN_INDEX}"')


def _create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{_PATTERN_INDEX}" ON "incidents_incident" ("ref" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0006_foreign_key_indexes_in_unique_ones"),
    ]

    operations = [migrations.RunPython(_drop, _create)]
