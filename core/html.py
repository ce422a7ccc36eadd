"""HTML written in Python where a page writes many of the same element (queue rows'
countdowns, a select of hundreds of people or time zones), and Django's template or
``format_html`` machinery per element costs tens of milliseconds a page."""

import html
from collections.abc import Iterator, Mapping

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.safestring import SafeString, mark_safe


def attributes(attrs: Mapping[str, object]) -> str:
    """What django.forms.utils.flatatt writes (True: the name alone; False and None:
    nothing; anything else escaped), without its per-call format_html."""
    return "".join(
        f" {name}" if value is True else f' {name}="{html.escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


class LongSelect(forms.Select):
    """Django's Select, written in Python: the same HTML, for a list of hundreds of
    options (an organisation's people, the agents, the time zones). Django renders each
    option with a template of its own, which took 60 ms of the portal list for the 357
    people of a large customer, and 50 ms of the profile page for its 600 time zones; its
    option dictionaries (``optgroups``) and the server-side cursor a model choice field
    reads its rows with took another 15 ms. Flat choices only (no groups)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        values = set(self.format_value(value))
        options = []
        for option_value, label in self._flat_choices():
            text = str(option_value)
            selected = " selected" if values and text in values else ""
            if selected:
                values = set()  # only the first match, as Django's single select
            options.append(
                f'<option value="{html.escape(text)}"{selected}>{html.escape(str(label))}</option>'
            )
        select_attrs = self.build_attrs(self.attrs, attrs)
        return mark_safe(  # noqa: S308 - every value and label is escaped just above
            f'<select name="{html.escape(name)}"{attributes(select_attrs)}>'
            f"{''.join(options)}</select>"
        )

    def _flat_choices(self) -> Iterator[tuple[object, object]]:
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            yield from choices
            return
        # The rows in one plain query, where the iterator would read them through a
        # server-side cursor (three round trips).
        if choices.field.empty_label is not None:
            yield "", choices.field.empty_label
        for row in list(choices.queryset):
            yield choices.choice(row)
