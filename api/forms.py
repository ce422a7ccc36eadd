from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import SubmitHelperMixin
from api.models import TokenScope

EXPIRY_CHOICES = [(30, _("in 30 days")), (90, _("in 90 days")), (365, _("in a year"))]


class TokenForm(SubmitHelperMixin, forms.Form):
    # Lazy: read when the form is built, in the request's language.
    submit_label = cast(str, _("Create the token"))

    name = forms.CharField(
        max_length=100,
        label=_("Name"),
        help_text=_("What will use it, e.g. “Nagios on mon-01”."),
    )
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        label=_("Scope"),
        help_text=_("Read is enough to follow tickets; logging and replying needs read and write."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial=90,
    )
