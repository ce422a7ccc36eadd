"""Forms of the agent workspace: queue filters, take next, bulk actions, phone and email
intake, saved views and canned responses."""

from __future__ import annotations

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.http import QueryDict
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from sla.models import Channel, ProductVersion
from tickets import limits
from tickets.forms import CHOICE_WITH_HELP, IntakeForm, set_queryset
from tickets.models import AssignChoice, Priority
from tickets.selectors import staff_choices
from tickets.wording import status_name
from workspace import bulk, canned_responses, queues


class TakeNextForm(forms.Form):
    """Take the most urgent ticket of all, or of the filters the agent is looking at."""

    mode = forms.ChoiceField(
        choices=[
            ("any", gettext_lazy("The most urgent ticket")),
            ("filtered", gettext_lazy("The most urgent in this view")),
        ]
    )

    def filters(self, params) -> queues.QueueFilters | None:
        return queues.parse_filters(params) if self.cleaned_data["mode"] == "filtered" else None


_REFERENCE = re.compile(r"^[A-Z0-9]{2,10}-\d{1,9}$")


class ReferenceListField(forms.Field):
    """The ticket references ticked in the queue: a page at most."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return list(dict.fromkeys(str(v).strip().upper() for v in values if str(v).strip()))

    def validate(self, value):
        super().validate(value)
        if len(value) > queues.PAGE_SIZE:
            raise forms.ValidationError(
                _("Select at most %(size)s tickets at a time (one page).")
                % {"size": queues.PAGE_SIZE}
            )
        if any(not _REFERENCE.match(reference) for reference in value):
            raise forms.ValidationError(_("That is not a ticket reference."))


class BulkForm(forms.Form):
    tickets = ReferenceListField(
        error_messages={"required": gettext_lazy("Select the tickets first.")}
    )
    action = forms.ChoiceField(
        choices=list(bulk.BULK_ACTIONS.items()), label=gettext_lazy("Action")
    )
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    priority = forms.ChoiceField(choices=[("", "—"), *Priority.choices], required=False)
    transition = forms.ChoiceField(
        choices=[("", "—"), *((t.action, t.label) for t in bulk.BULK_TRANSITIONS)],
        required=False,
        label=gettext_lazy("Status step"),
    )
    watcher = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    # The queue's own address, written by the template (workspace/queue.html) as a hidden input.
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff only as assignees; customer contacts only as watchers.
        staff = User.objects.active_staff()
        contacts = User.objects.filter(staff_role="", is_active=True, membership__isnull=False)
        set_queryset(self, "assignee", staff)
        set_queryset(self, "watcher", contacts)

    def clean(self):
        data = super().clean() or {}
        needs = {"priority": "priority", "status": "transition", "watcher": "watcher"}
        field = needs.get(data.get("action", ""))
        if field and not data.get(field):
            self.add_error(field, _("Choose the new value for the selected tickets."))
        return data


class LogTicketForm(IntakeForm):
    """A ticket taken by phone or email, logged for a customer contact."""

    channel = forms.ChoiceField(
        choices=[(Channel.PHONE, gettext_lazy("Phone")), (Channel.EMAIL, gettext_lazy("Email"))],
        initial=Channel.PHONE,
        label=gettext_lazy("Taken by"),
        widget=forms.RadioSelect,
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM)
    confirm_mismatch = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "I have told the customer about the contract warnings above; log it anyway."
        ),
    )

    def __init__(self, *args, check_url: str, **kwargs):
        super().__init__(
            *args, product_versions=ProductVersion.objects.select_related("product"), **kwargs
        )
        # The agent's words for the shared fields.
        self.fields["type"].label = _("Kind of request")
        self.fields["severity"].label = _("Severity")
        self.fields["severity"].help_text = _("Weigh both the technical and the business impact.")
        self.fields["description"].widget.attrs["rows"] = 5
        self.fields["description"].help_text = (
            _("What the customer reported, in their words where possible.")
            + " "
            + limits.up_to(limits.TEXT_MAX_CHARS)
        )
        self.fields["business_impact"].widget.attrs["rows"] = 2
        self.fields["business_impact"].label = _("Business impact")
        # The contract check reruns when the channel or the product changes.
        recheck = {
            "hx-get": check_url,
            "hx-trigger": "change",
            "hx-target": "#intake-warnings",
            "hx-swap": "innerHTML",
            "hx-include": "closest form",
        }
        self.fields["product_version"].widget.attrs.update(recheck)
        self.fields["channel"].widget.attrs.update(recheck)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(Field("channel"), css_class="mb-2"),
            Field("type", template=CHOICE_WITH_HELP),
            Field("severity", template=CHOICE_WITH_HELP),
            "priority",
            "title",
            "description",
            "business_impact",
            "product_version",
            "intake_key",
        )


class IntakeCheckForm(forms.Form):
    """The fields the live contract check reads from the intake form."""

    channel = forms.ChoiceField(choices=Channel.choices, required=False)
    product_version = forms.ModelChoiceField(
        queryset=ProductVersion.objects.select_related("product"), required=False
    )


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=60, label=gettext_lazy("Name this view"))
    query = forms.CharField(max_length=300, required=False, widget=forms.HiddenInput)

    def clean_query(self):
        # Stored normalised: only the queue and filters the workspace understands.
        query = QueryDict(self.cleaned_data.get("query") or "")
        return queues.parse_filters(query).querystring()


def _placeholders_help() -> str:
    names = ", ".join(
        f"{{{name}}} ({meaning})" for name, meaning in canned_responses.PLACEHOLDERS.items()
    )
    return (
        _("Placeholders: %(names)s.") % {"names": names} + " " + limits.up_to(limits.TEXT_MAX_CHARS)
    )


class CannedResponseForm(forms.Form):
    title = forms.CharField(max_length=120)
    body = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=lazy(lambda: _placeholders_help(), str)(),
    )

    status = forms.ChoiceField(
        label=gettext_lazy("Set the status"),
        required=False,
        help_text=gettext_lazy(
            "Through the workflow's step to it: a ticket that cannot take the step "
            "refuses the reply."
        ),
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Set the priority"),
        required=False,
        choices=[("", gettext_lazy("Unchanged")), *Priority.choices],
    )
    assign = forms.ChoiceField(
        label=gettext_lazy("Assign to"),
        required=False,
        choices=[("", gettext_lazy("Unchanged")), *AssignChoice.choices],
    )
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Agent to assign"),
        required=False,
        queryset=User.objects.none(),
        help_text=gettext_lazy("Only when assigning to a named agent."),
    )

    def __init__(self, *args, submit_label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [
            ("", _("Unchanged")),
            *((s, status_name(s, for_staff=True)) for s in canned_responses.SETTABLE_STATUSES),
        ]
        set_queryset(self, "assignee", staff_choices())
        self.helper = FormHelper(self)
        self.helper.layout = Layout(
            "title",
            "body",
            Div(
                Div("status", css_class="col-md"),
                Div("priority", css_class="col-md"),
                Div("assign", css_class="col-md"),
                Div("assignee", css_class="col-md"),
                css_class="row",
            ),
            Submit("submit", submit_label or _("Save")),
        )


class CannedResponseDeleteForm(forms.Form):
    """Carries the version of the response the agent saw, so a colleague's fresh edit is
    not deleted unseen."""

    seen = forms.DateTimeField(widget=forms.HiddenInput)
