# host and ip keep their indexes (same names, so nothing is rebuilt), declared
# in Meta instead of db_index: on PostgreSQL, db_index on a CharField also
# makes a varchar_pattern_ops index for LIKE 'prefix%', which no query of
# renkei runs and every report written paid for. SQLite never had those.

from django.db import migrations, models

_PATTERN_INDEXES = {
    "intake_report_host_1628810f_like": "host",
    "intake_report_ip_f269dfbe_like": "ip",
}


def _drop_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _PATTERN_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def _create_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in _PATTERN_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX "{name}" ON "intake_report" ("{column}" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_intake_channels"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="report",
                    name="host",
                    field=models.CharField(blank=True, max_length=300),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="ip",
                    field=models.CharField(blank=True, max_length=64),
                ),
                migrations.AddIndex(
                    model_name="report",
                    index=models.Index(fields=["host"], name="intake_report_host_1628810f"),
                ),
                migrations.AddIndex(
                    model_name="report",
                    index=models.Index(fields=["ip"], name="intake_report_ip_f269dfbe"),
                ),
            ],
            database_operations=[
                migrations.RunPython(_drop_pattern_indexes, _create_pattern_indexes),
            ],
        ),
    ]
