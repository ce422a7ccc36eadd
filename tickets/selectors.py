"""Reads of the ticket domain that decide what a user sees."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django_scopes import scope, scopes_disabled

from accounts import permissions
from accounts.models import User
from sla.models import ClockState, SLAClock
from tickets import visibility
from tickets.converters import is_reference
from tickets.models import (
    OPEN_STATUSES,
    Attachment,
    EscalationRequest,
    Reply,
    Ticket,
    TicketEvent,
)
from tickets.urgency import UrgentFirst

TICKET_RELATED = [
    "organization",
    "requester",
    "assignee",
    "product_version__product",
    "contract__tier",
]


def ticket_get_for(*, user: User, reference: str) -> Ticket:
    """One ticket by reference for this user.

    A ticket the user may not see is a 404, the same as a missing one: another
    organisation's, and a colleague's that a plain customer user is not on (a 403
    would tell him which numbers exist). A malformed reference is a 404 too.
    """
    if not is_reference(reference):
        raise Http404("No such ticket.")
    if permissions.is_staff_member(user):
        with scopes_disabled():  # staff open any organisation's ticket by its reference
            ticket = (
                Ticket.objects.select_related(*TICKET_RELATED)
                .filter(reference=reference.upper())
                .first()
            )
    else:
        ticket = (
            visibility.visible_tickets(user=user)
            .select_related(*TICKET_RELATED)
            .filter(reference=reference.upper())
            .first()
        )
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def ticket_list_for_customer(*, user: User) -> QuerySet[Ticket]:
    return (
        visibility.visible_tickets(user=user)
        .select_related("requester", "assignee")
        .order_by("-last_activity_at")
    )


def ticket_list_open_for_staff(*, at: dt.datetime) -> UrgentFirst:
    """Open tickets of every organisation, most urgent first (tickets.urgency)."""
    with scopes_disabled():  # the staff's list of every organisation's open tickets
        tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).select_related(
            "organization", "requester", "assignee"
        )
        return UrgentFirst(tickets, at=at)


def conversation_for(*, user: User, ticket: Ticket) -> list[Reply]:
    """The replies this user may read: customers never see internal notes."""
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        return list(conversation_query(user=user, ticket=ticket))


def conversation_query(*, user: User, ticket: Ticket) -> QuerySet[Reply]:
    """The same, unread, for a page of it (the API): read it in the ticket's scope."""
    replies = (
        Reply.objects.filter(ticket=ticket)
        .select_related("author")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("created_at"))
        )
    )
    if not permissions.can_work_tickets(user):
        replies = replies.filter(is_internal=False)
    return replies


def history_for(*, user: User, ticket: Ticket) -> list[TicketEvent]:
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        events = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
        if not permissions.can_work_tickets(user):
            # The tracker's URL is internal (older rows were recorded as public).
            events = events.filter(is_public=True).exclude(field="tracker_url")
        return list(events)


def clocks_for(*, ticket: Ticket) -> list[SLAClock]:
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        return list(
            SLAClock.objects.filter(ticket=ticket)
            .exclude(state=ClockState.CANCELLED)
            .order_by("started_at", "kind")
        )


def ticket_attachments(*, ticket: Ticket) -> list[Attachment]:
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        return list(Attachment.objects.filter(ticket=ticket, reply__isnull=True))


def attachment_get_for(*, user: User, reference: str, attachment_id: int) -> Attachment:
    """An attachment, only through a ticket the user may see; notes' files stay staff-only."""
    ticket = ticket_get_for(user=user, reference=reference)
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        attachment = (
            Attachment.objects.select_related("reply")
            .filter(ticket=ticket, pk=attachment_id)
            .first()
        )
    if attachment is None:
        raise Http404("No such attachment.")
    if attachment.reply and attachment.reply.is_internal and not permissions.can_work_tickets(user):
        raise Http404("No such attachment.")
    return attachment


def escalations_for(*, ticket: Ticket) -> list[EscalationRequest]:
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        return list(
            EscalationRequest.objects.filter(ticket=ticket).select_related(
                "requested_by", "handled_by", "specialist", "cadence_calendar"
            )
        )


def escalation_get_for(*, user: User, reference: str, escalation_id: int) -> EscalationRequest:
    """A request of the ticket, whatever its status: deciding one already decided or
    ended with its ticket is refused by the service, in words, not with a 404."""
    ticket = ticket_get_for(user=user, reference=reference)
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        escalation = (
            EscalationRequest.objects.filter(ticket=ticket, pk=escalation_id)
            .select_related("ticket")
            .first()
        )
    if escalation is None:
        raise Http404("No such escalation request.")
    return escalation


def staff_choices() -> QuerySet[User]:
    return User.objects.exclude(staff_role="").filter(is_active=True).order_by("full_name")


def colleagues_in(*, organization) -> QuerySet[User]:
    return User.objects.filter(membership__organization=organization, is_active=True).order_by(
        "full_name"
    )


def colleagues_of(*, ticket: Ticket) -> QuerySet[User]:
    return colleagues_in(organization=ticket.organization_id)


# How many of a requester's other tickets the agent's ticket page lists: the open ones
# (most recent activity first), and the latest closed or resolved ones.
OTHER_OPEN_SHOWN = 10
OTHER_RECENT_SHOWN = 5


def requester_other_tickets(*, ticket: Ticket) -> tuple[list[Ticket], list[Ticket]]:
    """The requester's other tickets in the ticket's own organisation (a contact who moved
    to another organisation brings nothing from it): the open ones and a few recent
    others, for the agent's ticket page. Two queries, whatever their number."""
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        others = (
            Ticket.objects.filter(requester_id=ticket.requester_id)
            .exclude(pk=ticket.pk)
            .only("reference", "title", "status", "severity", "last_activity_at")
            .order_by("-last_activity_at", "-pk")
        )
        open_ = list(others.filter(status__in=OPEN_STATUSES)[:OTHER_OPEN_SHOWN])
        recent = list(others.exclude(status__in=OPEN_STATUSES)[:OTHER_RECENT_SHOWN])
    return open_, recent
