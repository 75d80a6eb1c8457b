# Two foreign keys lose their own index: another index of the table starts with
# the same column (a unique constraint's, incident_merge_source), so it served
# nothing and cost a write per row. Only the indexes go, so the database drops
# them instead of Django rebuilding the tables on SQLite.

import django.db.models.deletion
from django.db import migrations, models

# (table, column, the name Django gave the index: the same on SQLite and PostgreSQL)
_DROPPED = (
    ("incidents_incidentmerge", "source_id", "incidents_incidentmerge_source_id_1c0419df"),
    ("incidents_incidentport", "incident_id", "incidents_incidentport_incident_id_4d92dc22"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_partial_merge_assignee_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="incidentmerge",
                    name="source",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merges_out",
                        to="incidents.incident",
                    ),
                ),
                migrations.AlterField(
                    model_name="incidentport",
                    name="incident",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="port_rows",
                        to="incidents.incident",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in _DROPPED
            ],
        ),
    ]
