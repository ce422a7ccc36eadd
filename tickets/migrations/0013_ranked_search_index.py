"""The ticket's full-text document gets a RUM index in place of its GIN index: the
workspace search reads the best-ranked matches from it in order (workspace.search)
instead of ranking every match. PostgreSQL only, like the index it replaces; the
``rum`` extension must be installed on the server (Debian: postgresql-NN-rum)."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations

import tickets.indexes
from tickets.migration_operations import AddIndexOnPostgreSQL, RemoveIndexOnPostgreSQL


class CreateRumExtension(CreateExtension):
    """CREATE EXTENSION rum, with a message that says what to install when the server
    does not have it."""

    def __init__(self) -> None:
        super().__init__("rum")

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
                if cursor.fetchone() is None:
                    raise RuntimeError(
                        "The PostgreSQL server lacks the rum extension that the ticket "
                        "search index needs: install it (Debian and Ubuntu: "
                        "apt-get install postgresql-<major version>-rum) and migrate again."
                    )
        super().database_forwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0012_fewer_ticket_indexes"),
    ]

    operations = [
        CreateRumExtension(),
        RemoveIndexOnPostgreSQL(
            model_name="ticket",
            name="ticket_document_idx",
        ),
        AddIndexOnPostgreSQL(
            model_name="ticket",
            index=tickets.indexes.RumIndex(
                fields=["search_document"],
                name="ticket_document_rum_idx",
                opclasses=["rum_tsvector_ops"],
            ),
        ),
    ]
