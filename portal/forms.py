"""Forms of the customer portal's ticket list."""

import html
from collections.abc import Iterator

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.html import attributes
from sla.models import Severity
from tickets.models import TicketType
from tickets.wording import CUSTOMER_STATUS_NAMES


class LongSelect(forms.Select):
    """Django's Select, written in Python: the same HTML, for a list of hundreds of
    options (an organisation's people). Django renders each option with a template of
    its own, which took 60 ms of the portal list for the 357 people of a large customer;
    its option dictionaries (``optgroups``) and the server-side cursor a model choice
    field reads its rows with took another 15 ms. Flat choices only (no groups)."""

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


class TicketFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("open", _("Open (not resolved)")),
            ("needs_answer", _("Needs your answer")),
            *((status.value, name) for status, name in CUSTOMER_STATUS_NAMES.items()),
        ],
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any severity")), *Severity.choices]
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *TicketType.choices]
    )
    requester = forms.ModelChoiceField(
        label=_("Requester"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Anyone"),
        widget=LongSelect,
    )

    def __init__(self, *args, requesters=None, **kwargs):
        """``requesters``: the people to filter by, for customer administrators; None
        drops the field (plain users see only their own tickets anyway)."""
        super().__init__(*args, **kwargs)
        if requesters is None:
            del self.fields["requester"]
        else:
            requester = self.fields["requester"]
            assert isinstance(requester, forms.ModelChoiceField)
            requester.queryset = requesters
        for name, field in self.fields.items():
            if name != "q":
                field.widget.attrs["class"] = "form-select"

    def filters(self) -> dict:
        """The valid filters, dropping any that did not validate."""
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value}

    @property
    def active_count(self) -> int:
        return sum(1 for key, value in self.filters().items() if key != "q" and value)
