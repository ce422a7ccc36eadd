from django import forms

from knowledge.models import ReleaseKind


class ArticleSearchForm(forms.Form):
    q = forms.CharField(
        label="Search the knowledge base",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. payroll export"}),
    )
    category = forms.SlugField(required=False, widget=forms.HiddenInput)


class SuggestForm(forms.Form):
    title = forms.CharField(required=False, max_length=200)


class ReleaseNoteFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("", "All kinds"), *ReleaseKind.choices],
    )
