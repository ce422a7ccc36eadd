"""The ticket's full-text document becomes a stored column (tickets.models.TicketDocument),
so that ranking a search's matches reads it instead of parsing every title and
description again; its GIN index replaces the index on the expression."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

import tickets.models
from tickets.migration_operations import AddIndexOnPostgreSQL, RemoveIndexOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_take_next_index"),
    ]

    operations = [
        RemoveIndexOnPostgreSQL(
            model_name="ticket",
            name="ticket_search_idx",
        ),
        migrations.AddField(
            model_name="ticket",
            name="search_document",
            field=models.GeneratedField(
                db_persist=True,
                expression=tickets.models.TicketDocument(),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        AddIndexOnPostgreSQL(
            model_name="ticket",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_document"], name="ticket_document_idx"
            ),
        ),
    ]
