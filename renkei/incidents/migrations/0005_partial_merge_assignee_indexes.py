# Only the two foreign-key indexes change: the columns stay as they are, so the
# database drops the indexes instead of Django rebuilding the table on SQLite.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The names Django gave the foreign keys' own indexes (the same on SQLite and PostgreSQL).
_OLD_INDEXES = (
    "incidents_incident_merged_into_id_75509a6d",
    "incidents_incident_assignee_id_34068d21",
)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0004_statistics_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="incident",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merged_from",
                        to="incidents.incident",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "incidents_incident" ("{column}")',
                )
                for name, column in zip(_OLD_INDEXES, ("merged_into_id", "assignee_id"), strict=True)
            ],
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="incident_merged_into",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False)),
                fields=["assignee"],
                name="incident_assignee",
            ),
        ),
    ]
