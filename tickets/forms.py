from __future__ import annotations

import uuid

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.html import LongSelect
from sla.models import SEVERITY_HELP, BusinessCalendar, ProductVersion, Severity, TargetUnit
from tickets import limits
from tickets.converters import is_reference
from tickets.models import CADENCE_MAX, LinkKind, Priority, TicketType
from tickets.wording import TYPE_HELP


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as Django's documentation shows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ChoiceWithHelp(forms.RadioSelect):
    """Radio options that each carry a help text (``option["help"]``); render the field
    with the CHOICE_WITH_HELP crispy template, which shows it."""

    def __init__(self, *args, help_texts=None, **kwargs):
        self.help_texts = help_texts or {}
        super().__init__(*args, **kwargs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["help"] = self.help_texts.get(value, "")
        return option


# Crispy's own radio template ignores the widget's option template, and with it the help.
CHOICE_WITH_HELP = "tickets/widgets/choice_with_help_field.html"


def set_queryset(form: forms.Form, name: str, queryset) -> None:
    """The choices of a model choice field, chosen when the form is made."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class ProductVersionField(forms.ModelChoiceField):
    """The product versions offered (``queryset``: the portal's are those of the
    contract in force, a costly read), while a submitted one is found by its id alone,
    in a plain query: whether the contract covers it is the intake's own check, which
    refuses a customer's uncovered version (intake.ticket_create). Read through the
    choices, it took three times as long."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        try:
            return ProductVersion.objects.select_related("product").get(pk=value)
        except (ValueError, TypeError, ProductVersion.DoesNotExist):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class IntakeForm(forms.Form):
    """What every new ticket asks, in the portal (TicketCreateForm) and at the agents'
    phone and email desk (workspace.forms.LogTicketForm), with the same rules:
    enhancement requests carry no severity; faults need one; S1 needs the business
    impact. Each form adds its own fields and words."""

    type = forms.ChoiceField(
        label=_("What kind of request is it?"),
        choices=TicketType.choices,
        initial=TicketType.INCIDENT,
        widget=ChoiceWithHelp(help_texts=TYPE_HELP),
    )
    severity = forms.ChoiceField(
        label=_("How severe is it?"),
        choices=Severity.choices,
        required=False,
        widget=ChoiceWithHelp(help_texts=SEVERITY_HELP),
        help_text=_("Severity weighs both the technical and the business impact."),
    )
    title = forms.CharField(
        max_length=200, label=_("Title"), widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    description = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_("Description"),
        help_text=format_lazy(
            "{} {}",
            _(
                "What happened, what you expected, and the steps to reproduce it. "
                "Markdown is supported."
            ),
            limits.up_to(limits.TEXT_MAX_CHARS),
        ),
    )
    business_impact = forms.CharField(
        required=False,
        max_length=limits.REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Business impact"),
        help_text=format_lazy(
            "{} {}",
            _("Required for critical (S1) tickets: what has stopped, and for whom."),
            limits.up_to(limits.REASON_MAX_CHARS),
        ),
    )
    product_version = ProductVersionField(
        queryset=ProductVersion.objects.none(), required=False, label=_("Product and version")
    )
    # One per form shown: the same key twice is one ticket (intake.ticket_create).
    intake_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, product_versions=None, **kwargs):
        """``product_versions``: those offered; None offers none yet: a view that
        shows the form only after a failed submission reads them then (set_queryset)."""
        super().__init__(*args, **kwargs)
        if product_versions is not None:
            set_queryset(self, "product_version", product_versions)
        if not self.is_bound:
            self.initial["intake_key"] = uuid.uuid4().hex

    def clean(self):
        data = super().clean() or {}
        if data.get("type") == TicketType.ENHANCEMENT:
            data["severity"] = ""
        elif not data.get("severity"):
            self.add_error("severity", gettext_now("Choose how severe the problem is."))
        if data.get("severity") == Severity.S1 and not (data.get("business_impact") or "").strip():
            self.add_error(
                "business_impact",
                gettext_now(
                    "A critical (S1) ticket needs a business-impact statement: what has "
                    "stopped, and for whom."
                ),
            )
        return data


class TicketCreateForm(IntakeForm):
    """A customer logs a ticket in the portal."""

    watchers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Copy colleagues"),
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, colleagues, product_versions=None, **kwargs):
        super().__init__(*args, product_versions=product_versions, **kwargs)
        set_queryset(self, "watchers", colleagues)
        # As the customer types, matching knowledge-base articles appear (static/js/portal.js).
        self.fields["title"].widget.attrs["data-suggest-url"] = reverse_lazy("article_suggest")
        # Paste or drop a screenshot, and preview the text (static/js/markdown_editor.js).
        self.fields["description"].widget.attrs.update(
            {
                "data-markdown-editor": "",
                "data-upload-url": reverse_lazy("draft_upload"),
                "data-upload-draft-field": "intake_key",
                "data-preview-url": reverse_lazy("markdown_preview"),
            }
        )
        self.helper = FormHelper(self)
        self.helper.attrs = {"enctype": "multipart/form-data", "data-submit-once": ""}
        self.helper.layout = Layout(
            Field("type", template=CHOICE_WITH_HELP),
            Field("severity", template=CHOICE_WITH_HELP),
            "title",
            Field("description"),
            "business_impact",
            "product_version",
            "watchers",
            "attachments",
            "intake_key",
            Submit("submit", _("Log the ticket")),
        )


class VersionedForm(forms.Form):
    """Carries the ticket version the editor saw, for optimistic concurrency."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=limits.TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=limits.up_to(limits.TEXT_MAX_CHARS),
    )
    internal = forms.BooleanField(
        required=False, label=_("Internal note (never shown to the customer)")
    )
    attachments = MultipleFileField(label=_("Attachments"))
    # The canned response inserted, when it also sets fields (tickets.canned); the
    # picker fills it in (static/js/workspace.js).
    canned_response = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput
    )
    # The ticket version the agent's page showed: a reply to a ticket that changed since
    # is held back to be read again (tickets.actions.reply). Customers' pages send none.
    version = forms.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput
    )


def _step_text() -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=limits.TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=limits.up_to(limits.TEXT_MAX_CHARS),
    )


class TransitionForm(VersionedForm):
    """A workflow step; the steps that need words (workflow.Transition.text_field) say
    which, and the service refuses the step without them."""

    action = forms.CharField(max_length=40)
    workaround = _step_text()
    resolution = _step_text()
    reason = _step_text()


class AssignForm(VersionedForm):
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Unassigned",
        widget=LongSelect,  # every active agent: the ticket page's longest list
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "assignee", staff)


class SeverityForm(VersionedForm):
    severity = forms.ChoiceField(
        choices=Severity.choices, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
    reason = forms.CharField(max_length=500, help_text="The customer sees this reason.")


class PriorityForm(VersionedForm):
    priority = forms.ChoiceField(
        choices=Priority.choices, widget=forms.Select(attrs={"class": "form-select"})
    )


class TrackerForm(VersionedForm):
    reference = forms.CharField(
        max_length=60, required=False, label="Tracker issue", help_text="For example PROJ-1234."
    )
    url = forms.URLField(required=False, label="Link", assume_scheme="https")
    estimated_resolution = forms.DateField(
        required=False, label="Estimated resolution", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_estimated_resolution(self):
        value = self.cleaned_data["estimated_resolution"]
        # Today in the agent's own time zone (activated per request) still counts.
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(
                "The estimated resolution cannot be in the past: choose today or a later date."
            )
        return value


class WatcherForm(forms.Form):
    watcher = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=_("Colleague"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "watcher", colleagues)


class EscalationRequestForm(forms.Form):
    reason = forms.CharField(
        max_length=limits.REASON_MAX_CHARS,
        help_text=limits.up_to(limits.REASON_MAX_CHARS),
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Why does this need escalating?"),
        error_messages={"required": _("Tell us why this needs escalating.")},
    )


CADENCE_AMOUNT_ERROR = (
    f"Give how often the customer hears from us as a whole number from 1 to {CADENCE_MAX}."
)
CADENCE_UNIT_ERROR = (
    "Choose minutes, hours, business days, weeks or months for the update interval."
)


class EscalationAcceptForm(forms.Form):
    """A manager's acceptance: the level, the specialist and the action plan, whose update
    cadence (an amount of the SLA engine's units on a calendar) runs a clock."""

    level = forms.TypedChoiceField(
        label="Raise to level", choices=[(1, "1"), (2, "2"), (3, "3")], coerce=int
    )
    specialist = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Specialist", empty_label="—"
    )
    action_plan = forms.CharField(
        label="Action plan",
        max_length=limits.REASON_MAX_CHARS,
        help_text=limits.up_to(limits.REASON_MAX_CHARS),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the action plan the customer will see."},
    )
    communication_channel = forms.CharField(
        label="Communication channel", max_length=100, initial="Email and phone"
    )
    cadence_amount = forms.IntegerField(
        label="Updates every",
        initial=1,
        min_value=1,
        max_value=CADENCE_MAX,
        error_messages={
            "required": CADENCE_AMOUNT_ERROR,
            "invalid": CADENCE_AMOUNT_ERROR,
            "min_value": CADENCE_AMOUNT_ERROR,
            "max_value": CADENCE_AMOUNT_ERROR,
        },
    )
    cadence_unit = forms.ChoiceField(
        label="Unit",
        choices=TargetUnit.choices,
        initial=TargetUnit.BUSINESS_DAYS,
        error_messages={"required": CADENCE_UNIT_ERROR, "invalid_choice": CADENCE_UNIT_ERROR},
    )
    cadence_calendar = forms.ModelChoiceField(
        label="Counted on",
        queryset=BusinessCalendar.objects.none(),
        empty_label=None,
        help_text="Hours and minutes count only while this calendar is open.",
        error_messages={
            "required": "Choose the calendar the update interval counts on.",
            "invalid_choice": "Choose the calendar the update interval counts on.",
        },
    )
    participants = forms.CharField(max_length=500, required=False, label="Participants")

    def __init__(self, *args, staff, calendars, action: str = "", **kwargs):
        kwargs.setdefault("auto_id", "accept-%s")  # unique among the ticket page's forms
        super().__init__(*args, **kwargs)
        set_queryset(self, "specialist", staff)
        set_queryset(self, "cadence_calendar", calendars)
        small = "form-control-sm"
        self.helper = FormHelper(self)
        self.helper.form_action = action
        self.helper.form_class = "mt-2"
        self.helper.layout = Layout(
            Field("level", css_class="form-select-sm"),
            Field("specialist", css_class="form-select-sm"),
            Field("action_plan", css_class=small),
            Field("communication_channel", css_class=small),
            Div(
                Div(Field("cadence_amount", css_class=small), css_class="col-4"),
                Div(Field("cadence_unit", css_class="form-select-sm"), css_class="col-8"),
                css_class="row g-2",
            ),
            Field("cadence_calendar", css_class="form-select-sm"),
            Field("participants", css_class=small),
            StrictButton("Accept and escalate", type="submit", css_class="btn-sm btn-danger"),
        )


class TicketReferenceField(forms.CharField):
    """Another ticket, by its reference (``ACME-1042``), upper-cased; the action finds it
    through the selector that decides who may see it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault("error_messages", {"required": _("Give the other ticket's reference.")})
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value).strip().upper()
        if not is_reference(text):
            raise ValidationError(_("Give a ticket reference such as ACME-1042."))
        return text


class LinkForm(forms.Form):
    kind = forms.ChoiceField(
        choices=LinkKind.choices,
        label=_("This ticket is"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    other = TicketReferenceField(label=_("Ticket"))


class MergeForm(forms.Form):
    target = TicketReferenceField(label=_("Merge this ticket into"))


class ParentForm(forms.Form):
    parent = TicketReferenceField(label=_("Parent incident"))


class ConfirmForm(forms.Form):
    """A button that acts (remove a link, detach a child, resolve the children): its
    hidden ``confirm`` says the page's form sent it."""

    confirm = forms.BooleanField(error_messages={"required": _("Use the button on the page.")})


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=limits.REASON_MAX_CHARS,
        help_text=limits.up_to(limits.REASON_MAX_CHARS),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LowerEscalationForm(forms.Form):
    reason = forms.CharField(
        max_length=limits.REASON_MAX_CHARS,
        help_text=limits.up_to(limits.REASON_MAX_CHARS),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Give the reason for lowering the level."},
    )


def first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        return " ".join(str(error) for error in errors)
    return gettext_now("Check the form.")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: on its fields where it names one the
    form has, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)
