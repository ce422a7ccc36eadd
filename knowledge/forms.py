from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.models import ReleaseKind


class ArticleSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the knowledge base"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. payroll export")}),
    )
    category = forms.SlugField(required=False, widget=forms.HiddenInput)


class SuggestForm(forms.Form):
    title = forms.CharField(required=False, max_length=200)


class ReleaseNoteFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All kinds")), *ReleaseKind.choices],
    )
