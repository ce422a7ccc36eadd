"""Ticket actions shared by the ticket page and the queue's triage in place.

Each action is the form that validates the POST, the one service call, and the message
shown on success; :func:`perform` runs one and turns domain errors into a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms as django_forms
from django.core.exceptions import ValidationError

from accounts import permissions
from tickets import forms, selectors, services, workflow
from tickets.models import Ticket


@dataclass(frozen=True)
class TicketAction:
    form: Callable[..., django_forms.Form]
    run: Callable[..., object]
    success: Callable[[Ticket, dict], str]


def _transition_label(data: dict) -> str:
    transition = workflow.TRANSITIONS.get(data["action"])
    return transition.label.lower() if transition else data["action"]


def _internal(user, data: dict) -> bool:
    # Only staff write internal notes; a customer's ticking of the box means nothing.
    return bool(data.get("internal")) and permissions.can_work_tickets(user)


ACTIONS: dict[str, TicketAction] = {
    "acknowledge": TicketAction(
        form=lambda post, files: forms.VersionedForm(post),
        run=lambda user, ticket, d: services.ticket_transition(
            user, ticket=ticket, action="acknowledge", expected_version=d["version"]
        ),
        success=lambda ticket, d: f"{ticket.reference} acknowledged.",
    ),
    "assign": TicketAction(
        form=lambda post, files: forms.AssignForm(post, staff=selectors.staff_choices()),
        run=lambda user, ticket, d: services.ticket_assign(
            user, ticket=ticket, assignee=d["assignee"], expected_version=d["version"]
        ),
        success=lambda ticket, d: (
            f"{ticket.reference} assigned to {d['assignee']}." if d["assignee"] else "Unassigned."
        ),
    ),
    "severity": TicketAction(
        form=lambda post, files: forms.SeverityForm(post),
        run=lambda user, ticket, d: services.ticket_set_severity(
            user,
            ticket=ticket,
            severity=d["severity"],
            reason=d["reason"],
            expected_version=d["version"],
        ),
        success=lambda ticket, d: (
            f"Severity set to {d['severity']}; the SLA clocks follow the new targets."
        ),
    ),
    "priority": TicketAction(
        form=lambda post, files: forms.PriorityForm(post),
        run=lambda user, ticket, d: services.ticket_set_priority(
            user, ticket=ticket, priority=d["priority"], expected_version=d["version"]
        ),
        success=lambda ticket, d: "Priority changed.",
    ),
    "transition": TicketAction(
        form=lambda post, files: forms.TransitionForm(post),
        run=lambda user, ticket, d: services.ticket_transition(
            user,
            ticket=ticket,
            action=d["action"],
            expected_version=d["version"],
            workaround=d["workaround"],
            resolution=d["resolution"],
            reason=d["reason"],
        ),
        success=lambda ticket, d: f"Done: {_transition_label(d)}.",
    ),
    "reply": TicketAction(
        form=lambda post, files: forms.ReplyForm(post, files),
        run=lambda user, ticket, d: services.ticket_reply(
            user,
            ticket=ticket,
            body=d["body"],
            internal=_internal(user, d),
            attachments=d["attachments"],
        ),
        success=lambda ticket, d: (
            "Reply sent." if not d.get("internal") else "Internal note added."
        ),
    ),
    "tracker": TicketAction(
        form=lambda post, files: forms.TrackerForm(post),
        run=lambda user, ticket, d: services.ticket_link_tracker(
            user,
            ticket=ticket,
            reference=d["reference"],
            url=d["url"],
            estimated_resolution=d["estimated_resolution"],
            expected_version=d["version"],
        ),
        success=lambda ticket, d: "Tracker issue linked.",
    ),
    "watcher": TicketAction(
        form=lambda post, files, ticket: forms.WatcherForm(
            post, colleagues=selectors.colleagues_of(ticket=ticket)
        ),
        run=lambda user, ticket, d: services.ticket_add_watcher(
            user, ticket=ticket, watcher=d["watcher"]
        ),
        success=lambda ticket, d: f"{d['watcher']} is copied on this ticket.",
    ),
    "escalate": TicketAction(
        form=lambda post, files: forms.EscalationRequestForm(post),
        run=lambda user, ticket, d: services.escalation_request(
            user, ticket=ticket, reason=d["reason"]
        ),
        success=lambda ticket, d: "Escalation requested: a manager will review it.",
    ),
    "lower_escalation": TicketAction(
        form=lambda post, files: forms.LowerEscalationForm(post),
        run=lambda user, ticket, d: services.ticket_lower_escalation(
            user, ticket=ticket, reason=d["reason"]
        ),
        success=lambda ticket, d: "Escalation level lowered.",
    ),
}


def describe_conflict(conflict: services.ConcurrentEdit) -> str:
    changes = "; ".join(
        f"{e.actor or 'system'} changed {e.field or e.kind}"
        + (f" from “{e.old_value}” to “{e.new_value}”" if e.field else "")
        for e in conflict.changes
    )
    return f"{conflict} {changes}." if changes else str(conflict)


def perform(name: str, request, ticket: Ticket) -> tuple[str, str]:
    """Validate the POST and run the action: ("success" | "warning" | "danger", text)."""
    action = ACTIONS[name]
    if name == "watcher":
        form = action.form(request.POST, request.FILES, ticket)
    else:
        form = action.form(request.POST, request.FILES)
    if not form.is_valid():
        return "danger", forms.first_error(form)
    data = form.cleaned_data
    try:
        action.run(request.user, ticket, data)
    except services.ConcurrentEdit as conflict:
        return "warning", describe_conflict(conflict)
    except ValidationError as error:
        return "danger", forms.error_text(error)
    except workflow.TransitionError as error:
        return "danger", str(error)
    return "success", action.success(ticket, {**data, "internal": _internal(request.user, data)})
