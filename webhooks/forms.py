from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import SubmitHelperMixin
from accounts.models import Organization
from webhooks import services
from webhooks.models import DeliveryState


class EndpointForm(SubmitHelperMixin, forms.Form):
    """A new endpoint; an administrator also picks whose tickets it hears of."""

    # Lazy: read when the form is built, in the request's language.
    submit_label = cast(str, _("Add the endpoint"))

    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Where the help desk posts the events, e.g. https://hooks.example.com/helpdesk."
        ),
    )
    description = forms.CharField(
        max_length=100,
        required=False,
        label=_("Description"),
        help_text=_("What listens there, e.g. “Jira sync”."),
    )
    events = forms.MultipleChoiceField(label=_("Events"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, administrator: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if administrator:
            self.fields["organization"] = forms.ModelChoiceField(
                queryset=Organization.objects.filter(is_active=True).order_by("name"),
                required=False,
                label=_("Organization"),
                empty_label=_("Every organisation"),
                help_text=_("Every organisation's tickets, or one organisation's."),
            )
            self.order_fields(["url", "description", "organization", "events"])
            self.build_helper()
        # An administrator registers the vendor's endpoints, which may hear the SLA's.
        events = cast(forms.MultipleChoiceField, self.fields["events"])
        events.choices = services.events_for(vendor=administrator)
        events.initial = [value for value, _ in services.events_for(vendor=administrator)][:3]


class EndpointUpdateForm(SubmitHelperMixin, forms.Form):
    submit_label = cast(str, _("Save"))

    description = forms.CharField(max_length=100, required=False, label=_("Description"))
    events = forms.MultipleChoiceField(label=_("Events"), widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(
        label=_("Send events to this endpoint"),
        required=False,
        help_text=_(
            "Switched off, it hears of nothing; deliveries already waiting go once it is on again."
        ),
    )

    def __init__(self, *args, endpoint, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        events = cast(forms.MultipleChoiceField, self.fields["events"])
        events.choices = services.events_for(vendor=endpoint.is_vendor)


class DeliveryFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", _("All")), *DeliveryState.choices],
        required=False,
        label=_("Show"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
