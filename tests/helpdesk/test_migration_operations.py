"""RelabelField: a label-only field change, with no SQL and no re-rendering of models."""

import pytest
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState, ProjectState

from core.migration_operations import RelabelField


def _state(field: models.Field) -> ProjectState:
    state = ProjectState()
    state.add_model(
        ModelState("shop", "order", [("id", models.AutoField(primary_key=True)), ("note", field)])
    )
    return state


def test_it_changes_the_labels_in_the_state():
    state = _state(models.CharField(max_length=20))
    RelabelField(
        "order", "note", models.CharField("remark", max_length=20, help_text="Shown to staff")
    ).state_forwards("shop", state)
    field = state.models["shop", "order"].fields["note"]
    assert (field.verbose_name, field.help_text) == ("remark", "Shown to staff")
    assert state.apps.get_model("shop", "order")._meta.get_field("note").verbose_name == "remark"


def test_it_keeps_a_rendered_state_true_without_rendering_it_again():
    state = _state(models.CharField(max_length=20))
    rendered = state.apps.get_model("shop", "order")
    RelabelField("order", "note", models.CharField("remark", max_length=20)).state_forwards(
        "shop", state
    )
    assert state.apps.get_model("shop", "order") is rendered  # not re-rendered
    assert rendered._meta.get_field("note").verbose_name == "remark"


@pytest.mark.parametrize(
    "changed",
    [
        models.CharField("remark", max_length=30),  # a longer column
        models.CharField("remark", max_length=20, null=True),
        models.TextField("remark"),
        models.CharField("remark", max_length=20, db_index=True),
    ],
)
def test_it_refuses_anything_but_labels(changed):
    state = _state(models.CharField(max_length=20))
    with pytest.raises(ValueError, match="changes more than its labels"):
        RelabelField("order", "note", changed).state_forwards("shop", state)


@pytest.mark.django_db
def test_the_label_migrations_issue_no_sql(settings):
    settings.MIGRATION_MODULES = {}  # the test database was made without running them
    loader = MigrationLoader(connection)
    relabelling = [
        key
        for key, migration in loader.disk_migrations.items()
        if any(isinstance(operation, RelabelField) for operation in migration.operations)
    ]
    assert len(relabelling) == 7
    for app_label, name in relabelling:
        state = loader.project_state((app_label, name), at_end=False)
        migration = loader.get_migration(app_label, name)
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            for operation in migration.operations:
                if isinstance(operation, RelabelField):
                    before = state.clone()
                    operation.state_forwards(app_label, state)
                    operation.database_forwards(app_label, editor, before, state)
                else:
                    operation.state_forwards(app_label, state)
        assert editor.collected_sql == [], (app_label, name)
