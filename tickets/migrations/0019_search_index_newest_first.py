"""The ticket's full-text RUM index keeps each ticket's creation time beside its
document (``rum_tsvector_addon_ops``, attached ``created_at``): when more tickets hold a
search's words than its list shows, the search takes the newest of them from the index
in order and ranks only those (workspace.search), instead of ranking every match.
PostgreSQL only, like the index it replaces."""

from django.db import migrations

import tickets.indexes
from tickets.migration_operations import AddIndexOnPostgreSQL, RemoveIndexOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0018_ticket_overdue_no_calendar_idx"),
    ]

    operations = [
        RemoveIndexOnPostgreSQL(
            model_name="ticket",
            name="ticket_document_rum_idx",
        ),
        AddIndexOnPostgreSQL(
            model_name="ticket",
            index=tickets.indexes.RumIndex(
                fields=["search_document", "created_at"],
                name="ticket_document_recent_idx",
                opclasses=["rum_tsvector_addon_ops", "rum_timestamptz_ops"],
                attach="created_at",
                to="search_document",
            ),
        ),
    ]
