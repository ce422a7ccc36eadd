"""Sending a reply written from a canned response that also sets fields (status,
priority, assignee): the reply and the changes go through the ticket services in one
transaction (workspace.canned_responses maintains the responses themselves)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from tickets import services as ticket_services
from tickets import workflow
from tickets.models import AssignChoice, CannedResponse, Priority, Reply, Status, Ticket
from tickets.wording import status_name

# The statuses a response may set: those a staff step reaches without words of its own
# (a workaround, a resolution and a reopen each need their text: they stay on the page).
SETTABLE_STATUSES = [
    status
    for status in Status.values
    if any(
        t.target == status and workflow.STAFF in t.who and not t.text_field
        for t in workflow.TRANSITIONS.values()
    )
]


def _step_to(status: str, *, current: str) -> workflow.Transition | None:
    for transition in workflow.TRANSITIONS.values():
        if (
            transition.target == status
            and current in transition.sources
            and workflow.STAFF in transition.who
            and not transition.text_field
        ):
            return transition
    return None


def canned_response_changes(canned_response: CannedResponse) -> list[str]:
    """What sending the response also sets, in words for the agent ("Status: …")."""
    said = []
    if canned_response.status:
        said.append(
            _("Status: %(status)s")
            % {"status": status_name(canned_response.status, for_staff=True)}
        )
    if canned_response.priority:
        said.append(
            _("Priority: %(priority)s") % {"priority": Priority(canned_response.priority).label}
        )
    if canned_response.assign == AssignChoice.ME:
        said.append(_("Assignee: you"))
    elif canned_response.assign == AssignChoice.AGENT and canned_response.assignee:
        said.append(_("Assignee: %(person)s") % {"person": canned_response.assignee})
    return said


def canned_response_send(
    actor: User,
    *,
    canned_response: CannedResponse,
    ticket: Ticket,
    body: str,
    internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
) -> Reply:
    """Post the reply the agent wrote from ``canned_response`` and set the fields the
    response sets, each through its ticket service (so each is in the history), all in
    one transaction: a status the workflow refuses from the ticket's state sends
    nothing (``workflow.TransitionError``)."""
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(_("Only support staff use canned responses."))
    with transaction.atomic():
        reply = ticket_services.ticket_reply(
            actor,
            ticket=ticket,
            body=body,
            internal=internal,
            attachments=attachments,
            expected_version=expected_version,
        )
        ticket.refresh_from_db()
        if canned_response.status and ticket.status != canned_response.status:
            step = _step_to(canned_response.status, current=ticket.status)
            if step is None:
                raise workflow.TransitionError(
                    _(
                        "“%(title)s” sets the status to “%(target)s”, which a ticket that "
                        "is %(current)s cannot reach: nothing was sent."
                    )
                    % {
                        "title": canned_response.title,
                        "target": status_name(canned_response.status, for_staff=True),
                        "current": status_name(ticket.status, for_staff=True).lower(),
                    }
                )
            ticket = ticket_services.ticket_transition(actor, ticket=ticket, action=step.action)
        if canned_response.priority:
            ticket = ticket_services.ticket_set_priority(
                actor, ticket=ticket, priority=canned_response.priority
            )
        assignee = actor if canned_response.assign == AssignChoice.ME else canned_response.assignee
        if canned_response.assign and assignee is not None and ticket.assignee_id != assignee.pk:
            ticket_services.ticket_assign(actor, ticket=ticket, assignee=assignee)
    return reply
