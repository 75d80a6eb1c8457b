# The incident foreign key loses its own index: the unique constraint's index
# (incident, decided_at, reason) starts with the same column, so it served
# nothing and cost a write per decision. Only the index goes, so the database
# drops it instead of Django rebuilding the table on SQLite.

import django.db.models.deletion
from django.db import migrations, models

# The name Django gave the index (the same on SQLite and PostgreSQL).
_DROPPED = "coordination_nonotification_incident_id_85c4078b"


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0004_statistics_indexes"),
        ("incidents", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="nonotification",
                    name="incident",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="no_notifications",
                        to="incidents.incident",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{_DROPPED}"',
                    reverse_sql=(
                        f'CREATE INDEX "{_DROPPED}" ON "coordination_nonotification" ("incident_id")'
                    ),
                ),
            ],
        ),
    ]
