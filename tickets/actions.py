"""The ticket actions that the ticket page (tickets.views) and the queue's triage in place
(workspace.views) share: one function each, which validates the POST with its form,
calls its one service and says how it went, in words for the person who acted.

Every view of an action is a plain ``def`` of its own that calls one of these; the
views only differ in what they answer (a redirect to the ticket, or the queue's row).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms as django_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts import permissions
from tickets import changes, escalations, forms, selectors, services, workflow
from tickets.models import Ticket


@dataclass(frozen=True)
class Outcome:
    level: str  # "success", "warning" (someone else changed the ticket) or "danger"
    text: str


def describe_conflict(conflict: changes.ConcurrentEdit) -> str:
    changed = "; ".join(
        f"{e.actor or 'system'} changed {e.field or e.kind}"
        + (f" from “{e.old_value}” to “{e.new_value}”" if e.field else "")
        for e in conflict.changes
    )
    return f"{conflict} {changed}." if changed else str(conflict)


def _attempt(form: django_forms.Form, run: Callable[[dict], str]) -> Outcome:
    """Validate, run the service, and turn a domain error into the words shown."""
    if not form.is_valid():
        return Outcome("danger", forms.first_error(form))
    try:
        return Outcome("success", run(form.cleaned_data))
    except changes.ConcurrentEdit as conflict:
        return Outcome("warning", describe_conflict(conflict))
    except ValidationError as error:
        return Outcome("danger", forms.error_text(error))
    except workflow.TransitionError as error:
        return Outcome("danger", str(error))


def acknowledge(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        services.ticket_transition(
            request.user, ticket=ticket, action="acknowledge", expected_version=d["version"]
        )
        return f"{ticket.reference} acknowledged."

    return _attempt(forms.VersionedForm(request.POST), run)


def transition(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        services.ticket_transition(
            request.user,
            ticket=ticket,
            action=d["action"],
            expected_version=d["version"],
            workaround=d["workaround"],
            resolution=d["resolution"],
            reason=d["reason"],
        )
        step = workflow.TRANSITIONS.get(d["action"])
        return _("Done: %(step)s.") % {"step": str(step.label).lower() if step else d["action"]}

    return _attempt(forms.TransitionForm(request.POST), run)


def reply(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        # Only staff write internal notes; a customer's ticking of the box means nothing.
        internal = bool(d.get("internal")) and permissions.can_work_tickets(request.user)
        services.ticket_reply(
            request.user,
            ticket=ticket,
            body=d["body"],
            internal=internal,
            attachments=d["attachments"],
        )
        return _("Internal note added.") if internal else _("Reply sent.")

    return _attempt(forms.ReplyForm(request.POST, request.FILES), run)


def assign(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        services.ticket_assign(
            request.user, ticket=ticket, assignee=d["assignee"], expected_version=d["version"]
        )
        return (
            f"{ticket.reference} assigned to {d['assignee']}." if d["assignee"] else "Unassigned."
        )

    return _attempt(forms.AssignForm(request.POST, staff=selectors.staff_choices()), run)


def severity(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        services.ticket_set_severity(
            request.user,
            ticket=ticket,
            severity=d["severity"],
            reason=d["reason"],
            expected_version=d["version"],
        )
        return f"Severity set to {d['severity']}; the SLA clocks follow the new targets."

    return _attempt(forms.SeverityForm(request.POST), run)


def priority(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        services.ticket_set_priority(
            request.user, ticket=ticket, priority=d["priority"], expected_version=d["version"]
        )
        return "Priority changed."

    return _attempt(forms.PriorityForm(request.POST), run)


def tracker(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        services.ticket_link_tracker(
            request.user,
            ticket=ticket,
            reference=d["reference"],
            url=d["url"],
            estimated_resolution=d["estimated_resolution"],
            expected_version=d["version"],
        )
        return "Tracker issue linked."

    return _attempt(forms.TrackerForm(request.POST), run)


def watcher(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        services.ticket_add_watcher(request.user, ticket=ticket, watcher=d["watcher"])
        return _("%(person)s is copied on this ticket.") % {"person": d["watcher"]}

    colleagues = selectors.colleagues_of(ticket=ticket)
    return _attempt(forms.WatcherForm(request.POST, colleagues=colleagues), run)


def escalate(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        escalations.escalation_request(request.user, ticket=ticket, reason=d["reason"])
        return _("Escalation requested: a manager will review it.")

    return _attempt(forms.EscalationRequestForm(request.POST), run)


def lower_escalation(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        escalations.ticket_lower_escalation(request.user, ticket=ticket, reason=d["reason"])
        return "Escalation level lowered."

    return _attempt(forms.LowerEscalationForm(request.POST), run)
