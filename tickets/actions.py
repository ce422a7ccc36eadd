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
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import permissions
from tickets import (
    canned,
    changes,
    escalations,
    forms,
    links,
    mentions,
    merging,
    selectors,
    services,
    workflow,
)
from tickets.models import CannedResponse, Ticket, TicketLink
from tickets.templatetags.ticket_tags import field_label, history_value
from tickets.wording import status_name


@dataclass(frozen=True)
class ReplyConflict:
    """A reply not posted because the ticket changed after the page was loaded: what
    changed, in words, so that the agent reads it before sending again."""

    changes: list[str]
    internal: bool
    had_attachments: bool  # files cannot be kept: they are to be attached again


@dataclass(frozen=True)
class Outcome:
    level: str  # "success", "warning" (someone else changed the ticket) or "danger"
    text: str
    conflict: ReplyConflict | None = None


# What a change without a field was (the kinds tickets.changes.record stores), in words.
CHANGE_KINDS = {
    "reply": gettext_lazy("replied"),
    "note": gettext_lazy("added an internal note"),
    "escalation_requested": gettext_lazy("requested escalation"),
    "escalation_declined": gettext_lazy("declined the escalation request"),
    "escalation_ended": gettext_lazy("ended the escalation request"),
}


def change_in_words(event) -> str:
    who = str(event.actor) if event.actor else _("the system")
    if not event.field:
        what = CHANGE_KINDS.get(event.kind)
        if what is None:
            return _("%(who)s changed the ticket") % {"who": who}
        return f"{who} {what}"
    if event.field == "status":
        old = status_name(event.old_value, for_staff=True)
        new = status_name(event.new_value, for_staff=True)
    else:
        old, new = history_value(event.old_value), history_value(event.new_value)
    words = {"who": who, "field": field_label(event.field), "old": old, "new": new}
    if not event.old_value:
        return _("%(who)s changed %(field)s to “%(new)s”") % words
    return _("%(who)s changed %(field)s from “%(old)s” to “%(new)s”") % words


def describe_conflict(conflict: changes.ConcurrentEdit) -> str:
    """The conflict and what changed meanwhile, in the reader's language (stored values
    such as a status are named in it too)."""
    changed = "; ".join(change_in_words(e) for e in conflict.changes)
    return f"{conflict} {changed}." if changed else str(conflict)


def _attempt(
    form: django_forms.Form, run: Callable[[dict], str], *, conflicts: bool = True
) -> Outcome:
    """Validate, run the service, and turn a domain error into the words shown (a
    conflict too, unless ``conflicts`` is False: the caller handles it then)."""
    if not form.is_valid():
        return Outcome("danger", forms.first_error(form))
    try:
        return Outcome("success", run(form.cleaned_data))
    except changes.ConcurrentEdit as conflict:
        if not conflicts:
            raise
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
        return _("%(reference)s acknowledged.") % {"reference": ticket.reference}

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
    """Post a reply or an internal note. The agent's page sends the ticket version it
    showed: a reply to a ticket that changed since is not posted, and the outcome's
    ``conflict`` says what changed (a customer's reply is never held back)."""
    not_found: list[str] = []
    staff = permissions.can_work_tickets(request.user)

    def run(d: dict) -> str:
        # Only staff write internal notes; a customer's ticking of the box means nothing.
        internal = bool(d.get("internal")) and staff
        expected_version = d.get("version") if staff else None
        canned_response = None
        if d.get("canned_response") and permissions.can_work_tickets(request.user):
            canned_response = CannedResponse.objects.filter(pk=d["canned_response"]).first()
            if canned_response is None:
                raise ValidationError(_("The canned response was deleted meanwhile."))
        if canned_response is not None:
            canned.canned_response_send(
                request.user,
                canned_response=canned_response,
                ticket=ticket,
                body=d["body"],
                internal=internal,
                attachments=d["attachments"],
                expected_version=expected_version,
            )
        else:
            services.ticket_reply(
                request.user,
                ticket=ticket,
                body=d["body"],
                internal=internal,
                attachments=d["attachments"],
                expected_version=expected_version,
            )
        if not internal:
            return _("Reply sent.")
        # The note's mentions are notified after commit (notifications.handlers); the
        # names that fit no single colleague are said now, to the one who wrote them.
        not_found.extend(mentions.mentions_in(d["body"], author=request.user).not_found)
        return _("Internal note added.")

    form = forms.ReplyForm(request.POST, request.FILES)
    try:
        outcome = _attempt(form, run, conflicts=False)
    except changes.ConcurrentEdit as conflict:
        return Outcome(
            "warning",
            str(conflict),
            ReplyConflict(
                changes=[change_in_words(e) for e in conflict.changes],
                internal=bool(form.cleaned_data.get("internal")) and staff,
                had_attachments=bool(form.cleaned_data.get("attachments")),
            ),
        )
    if outcome.level == "success" and not_found:
        names = ", ".join(f"@{handle}" for handle in not_found)
        text = _("No single colleague matches %(names)s: nobody was notified for them.") % {
            "names": names
        }
        return Outcome("warning", f"{outcome.text} {text}")
    return outcome


def assign(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        services.ticket_assign(
            request.user, ticket=ticket, assignee=d["assignee"], expected_version=d["version"]
        )
        if not d["assignee"]:
            return _("Unassigned.")
        return _("%(reference)s assigned to %(person)s.") % {
            "reference": ticket.reference,
            "person": d["assignee"],
        }

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
        return _("Severity set to %(severity)s; the SLA clocks follow the new targets.") % {
            "severity": d["severity"]
        }

    return _attempt(forms.SeverityForm(request.POST), run)


def priority(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        services.ticket_set_priority(
            request.user, ticket=ticket, priority=d["priority"], expected_version=d["version"]
        )
        return _("Priority changed.")

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
        return _("Tracker issue linked.")

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
        return _("Escalation level lowered.")

    return _attempt(forms.LowerEscalationForm(request.POST), run)


# --- Links, merges and parent incidents (tickets.links, tickets.merging) ---------------


def _other_ticket(request, reference: str) -> Ticket:
    """The ticket a form names, as the acting person may see it (else: not found)."""
    try:
        return selectors.ticket_get_for(user=request.user, reference=reference)
    except Http404:
        raise ValidationError(
            _("There is no ticket %(reference)s.") % {"reference": reference}
        ) from None


def link_add(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        other = _other_ticket(request, d["other"])
        links.ticket_link_add(request.user, ticket=ticket, other=other, kind=d["kind"])
        return _("Linked to %(reference)s.") % {"reference": other.reference}

    return _attempt(forms.LinkForm(request.POST), run)


def link_remove(request, link: TicketLink) -> Outcome:
    def run(d: dict) -> str:
        links.ticket_link_remove(request.user, link=link)
        return _("Link removed.")

    return _attempt(forms.ConfirmForm(request.POST), run)


def merge(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        target = _other_ticket(request, d["target"])
        merging.ticket_merge(request.user, source=ticket, target=target)
        return _("%(reference)s was merged into %(target)s and closed.") % {
            "reference": ticket.reference,
            "target": target.reference,
        }

    return _attempt(forms.MergeForm(request.POST), run)


def set_parent(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        parent = _other_ticket(request, d["parent"])
        links.ticket_set_parent(request.user, ticket=ticket, parent=parent)
        return _("%(reference)s is now a child of the incident %(parent)s.") % {
            "reference": ticket.reference,
            "parent": parent.reference,
        }

    return _attempt(forms.ParentForm(request.POST), run)


def remove_parent(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        links.ticket_remove_parent(request.user, ticket=ticket)
        return _("The ticket is no longer a child of the incident.")

    return _attempt(forms.ConfirmForm(request.POST), run)


def resolve_children(request, ticket: Ticket) -> Outcome:
    def run(d: dict) -> str:
        resolved = links.ticket_resolve_children(request.user, parent=ticket)
        return ngettext(
            "%(count)s child ticket resolved.", "%(count)s child tickets resolved.", len(resolved)
        ) % {"count": len(resolved)}

    return _attempt(forms.ConfirmForm(request.POST), run)
