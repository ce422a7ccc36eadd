from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications import selectors
from notifications.models import Kind

EMAIL = "email"
IN_APP = "in_app"
CHOICES = [(EMAIL, gettext_lazy("Email and in-app")), (IN_APP, gettext_lazy("In-app only"))]


class PreferencesForm(forms.Form):
    """One required choice per kind the user can receive: a post that leaves any out
    changes nothing. Notices that cannot be switched off are shown locked."""

    def __init__(self, *args, user, current: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = []
        for kind in selectors.preference_kinds_for(user):
            label = Kind(kind).label
            if kind in selectors.ALWAYS_EMAILED:
                self.locked.append(label)
                continue
            help_text = (
                _("Always emailed for critical (S1) tickets.")
                if kind in selectors.CRITICAL_FOR_STAFF and user.is_vendor_staff
                else ""
            )
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=CHOICES,
                widget=forms.RadioSelect,
                initial=EMAIL if current.get(kind, True) else IN_APP,
                help_text=help_text,
            )
        self.helper = FormHelper(self)
        self.helper.add_input(Submit("submit", _("Save preferences")))

    def choices(self) -> dict[str, bool]:
        return {kind: value == EMAIL for kind, value in self.cleaned_data.items()}
