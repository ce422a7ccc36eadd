"""Forms of the customer portal's ticket list."""

from django import forms

from accounts.models import User
from sla.models import Severity
from tickets.models import Status, TicketType


class TicketFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Any status"),
            ("open", "Open (not resolved)"),
            ("needs_answer", "Needs your answer"),
            *Status.choices,
        ],
    )
    severity = forms.ChoiceField(
        label="Severity", required=False, choices=[("", "Any severity"), *Severity.choices]
    )
    type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *TicketType.choices]
    )
    requester = forms.ModelChoiceField(
        label="Requester", required=False, queryset=User.objects.none(), empty_label="Anyone"
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
