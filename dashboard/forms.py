"""The dashboard's period filter: a preset, or a custom range of whole days."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.services import vendor_today
from dashboard.tables import PRESETS, Period

MAX_DAYS = 400  # a custom period covers at most this many days
# The dates a period or a monthly report may cover: year 1 or 9999 would overflow the
# day arithmetic (a day's end is the next day's start) into a server error.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)


def date_range_error() -> str:
    return _("Choose dates from %(first)s to %(last)s.") % {
        "first": date_format(EARLIEST, "FULL_DATE_FORMAT"),
        "last": date_format(LATEST, "FULL_DATE_FORMAT"),
    }


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=list(PRESETS.items()),
        initial="30d",
        required=False,
        # static/js/dashboard.js shows the dates only for a custom period.
        widget=forms.Select(attrs={"data-period-select": ""}),
    )
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row row-cols-sm-auto g-2 align-items-end"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("period", wrapper_class="col-12"),
            Field("start", wrapper_class="col-12 period-dates"),
            Field("end", wrapper_class="col-12 period-dates"),
            Submit("show", _("Show"), css_class="btn-primary mb-3"),
        )

    def clean(self):
        data = super().clean() or {}
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Give both dates of a custom period."))
            if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
                raise forms.ValidationError(date_range_error())
            if end < start:
                raise forms.ValidationError(_("The period cannot end before it starts."))
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(
                    _("Choose a period of %(days)s days at most.") % {"days": MAX_DAYS}
                )
        return data

    def get_period(self, today: dt.date | None = None) -> Period:
        """The chosen period; the last 30 days when the choice is missing or invalid."""
        if not self.is_bound or not self.is_valid():
            return Period.preset("30d", today)
        key = self.cleaned_data.get("period") or "30d"
        if key == "custom":
            return Period(self.cleaned_data["start"], self.cleaned_data["end"], "custom")
        return Period.preset(key, today or vendor_today())
