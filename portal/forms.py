"""Forms of the customer portal's ticket list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.html import LongSelect
from sla.models import Severity
from tickets.models import TicketType
from tickets.wording import CUSTOMER_STATUS_NAMES


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
