"""Migration operations of our own.

:class:`RelabelField` is Django's ``AlterField`` for a change that touches only what people
read: a field's ``verbose_name`` and ``help_text``. Such a change needs no SQL, yet Django's
``AlterField`` re-renders the model and every model related to it in the migration state,
which made the label migrations of December 2026 (367 fields) two thirds of a fresh
``migrate`` (every test run, every first start of the demo). This one swaps the field in
the state and writes the labels onto an already rendered model, and refuses any change
other than the labels, so it can never hide a schema change.
"""

from __future__ import annotations

from django.db import migrations, models

LABELS = ("verbose_name", "help_text")


def _without_labels(field: models.Field) -> tuple:
    """What the field is, its labels aside (fields inside it, such as a generated
    field's output field, compared the same way)."""
    path, args, kwargs = field.deconstruct()[1:]
    return (
        path,
        args,
        {
            key: _without_labels(value) if isinstance(value, models.Field) else value
            for key, value in kwargs.items()
            if key not in LABELS
        },
    )


class RelabelField(migrations.AlterField):
    """Change a field's verbose name and help text only: no SQL, no re-rendering."""

    def state_forwards(self, app_label, state):
        model_key = app_label, self.model_name_lower
        fields = state.models[model_key].fields
        old_field = fields[self.name]
        if _without_labels(old_field) != _without_labels(self.field):
            raise ValueError(
                f"RelabelField {app_label}.{self.model_name}.{self.name} changes more than "
                f"its labels: use AlterField"
            )
        if state._relations is not None:  # as ProjectState.alter_field keeps them
            fields.pop(self.name)
            if old_field.is_relation:
                state.resolve_model_field_relations(model_key, self.name, old_field)
            fields[self.name] = self.field
            if self.field.is_relation:
                state.resolve_model_field_relations(model_key, self.name, self.field)
        else:
            fields[self.name] = self.field
        if "apps" in state.__dict__:  # rendered already: keep its labels true, cheaply
            try:
                rendered = state.apps.get_model(app_label, self.model_name)
            except LookupError:
                return
            rendered_field = rendered._meta.get_field(self.name)
            for label in LABELS:
                setattr(rendered_field, label, getattr(self.field, label))

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass  # labels live in Python only

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Relabel field {self.name} on {self.model_name}"
