# The API's incident list and feed of changes (intake/api.py) go by updated_at.
#
# On PostgreSQL the index is built CONCURRENTLY: incidents of a running
# centre may number millions, and a plain CREATE INDEX would hold every
# report's write to them until it is done. That cannot run inside a
# transaction, hence atomic = False. SQLite builds it as usual.

from django.db import migrations, models


class AddIndexWithoutBlockingWrites(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("incidents", "0007_ref_without_pattern_index"),
    ]

    operations = [
        AddIndexWithoutBlockingWrites(
            model_name="incident",
            index=models.Index(fields=["updated_at", "id"], name="incident_changed"),
        ),
    ]
