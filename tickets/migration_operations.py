"""Migration operations that only touch PostgreSQL.

The GIN full-text indexes exist on PostgreSQL only; the SQLite demo searches with
icontains (workspace.search), so there these operations change the migration state alone.
"""

from django.db import migrations


class PostgreSQLOnly(migrations.operations.base.Operation):
    """Mixed in before an index operation: runs it on PostgreSQL only."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddIndexOnPostgreSQL(PostgreSQLOnly, migrations.AddIndex):
    pass


class RemoveIndexOnPostgreSQL(PostgreSQLOnly, migrations.RemoveIndex):
    pass
