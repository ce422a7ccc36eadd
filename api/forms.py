from django import forms

from accounts.forms import SubmitHelperMixin
from api.models import TokenScope

EXPIRY_CHOICES = [(30, "in 30 days"), (90, "in 90 days"), (365, "in a year")]


class TokenForm(SubmitHelperMixin, forms.Form):
    submit_label = "Create the token"

    name = forms.CharField(
        max_length=100,
        help_text="What will use it, e.g. “Nagios on mon-01”.",
    )
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        help_text="Read is enough to follow tickets; logging and replying needs read and write.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial=90,
    )
