from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import COMMENT_MAX_LENGTH, Rating


class SurveyForm(forms.Form):
    """The satisfaction survey: good or bad, and a few words if the customer wishes.
    Drawn by templates/surveys/survey_form.html (two big buttons, not a crispy layout)."""

    rating = forms.ChoiceField(
        label=_("How did we do?"), choices=Rating.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        return " ".join(str(error) for error in errors)
    return str(_("Check the form."))
