"""Reads of the ticket domain that decide what a user sees."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django_scopes import scope, scopes_disabled

from accounts import permissions
from accounts.models import User
from sla.models import ClockState, Contract, ProductVersion, SLAClock
from tickets import visibility
from tickets.converters import is_reference
from tickets.models import (
    OPEN_STATUSES,
    Attachment,
    EscalationRequest,
    PendingUpload,
    Reply,
    Ticket,
    TicketEvent,
    TicketLink,
    side_kind,
)
from tickets.urgency import UrgentFirst

# A ticket comes with its people joined to it. Its product version and contract come with
# terms_for(), in a query of their own each, on the pages that show them: joining all
# seven tables in one query cost PostgreSQL's planner 4 to 7 ms (it weighs every order of
# the joins, whose number grows factorially) to run a query of 0.3 ms.
TICKET_RELATED = ["organization", "requester", "assignee"]


def terms_for(*, ticket: Ticket) -> None:
    """Reads the ticket's product version (with its product) and its contract (with its
    tier) into it, in one query each (none for a ticket without either)."""
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        prefetch_related_objects(
            [ticket],
            Prefetch(
                "product_version",
                queryset=ProductVersion.objects.select_related("product").order_by(),
            ),
            Prefetch("contract", queryset=Contract.objects.select_related("tier").order_by()),
        )


def ticket_get_for(*, user: User, reference: str) -> Ticket:
    """One ticket by reference for this user.

    A ticket the user may not see is a 404, the same as a missing one: another
    organisation's, and a colleague's that a plain customer user is not on (a 403
    would tell him which numbers exist). A malformed reference is a 404 too.
    """
    if not is_reference(reference):
        raise Http404("No such ticket.")
    # get(), not first(): the reference is unique, and an ORDER BY made the ORM and the
    # planner weigh an order for at most one row (about 1.5 ms of a ticket page).
    try:
        if permissions.is_staff_member(user):
            with scopes_disabled():  # staff open any organisation's ticket by its reference
                return Ticket.objects.select_related(*TICKET_RELATED).get(
                    reference=reference.upper()
                )
        return (
            visibility.visible_tickets(user=user)
            .select_related(*TICKET_RELATED)
            .get(reference=reference.upper())
        )
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


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
    return User.objects.active_staff().order_by("full_name")


def colleagues_in(*, organization) -> QuerySet[User]:
    return User.objects.filter(membership__organization=organization, is_active=True).order_by(
        "full_name"
    )


def colleagues_of(*, ticket: Ticket) -> QuerySet[User]:
    return colleagues_in(organization=ticket.organization_id)


# --- Links, parent incidents and merged duplicates (tickets.links, tickets.merging) -----


@dataclass(frozen=True)
class LinkRow:
    """A link as one of its tickets reads it: the other ticket, and how it relates
    ("duplicate" from the duplicate's side, "has_duplicate" from the other)."""

    link: TicketLink
    other: Ticket
    kind: str


def _only_visible(user: User, ticket: Ticket, others: list[Ticket]) -> list[Ticket]:
    """Staff see every ticket; a customer only tickets of this ticket's organisation
    that they may see, so another organisation's is never named to them."""
    if permissions.is_staff_member(user):
        return others
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        seen = set(
            visibility.visible_tickets(user=user)
            .filter(organization=ticket.organization_id, pk__in=[o.pk for o in others])
            .values_list("pk", flat=True)
        )
    return [other for other in others if other.pk in seen]


def links_for(*, user: User, ticket: Ticket) -> list[LinkRow]:
    with scopes_disabled():  # a link may join two organisations' tickets (staff's)
        links = list(
            TicketLink.objects.filter(Q(ticket=ticket) | Q(other=ticket)).select_related(
                "ticket", "other"
            )
        )
    rows = [
        LinkRow(
            link,
            link.other if link.ticket_id == ticket.pk else link.ticket,
            side_kind(link.kind, mine=link.ticket_id == ticket.pk),
        )
        for link in links
    ]
    shown = {other.pk for other in _only_visible(user, ticket, [row.other for row in rows])}
    return [row for row in rows if row.other.pk in shown]


def link_get_for(*, user: User, reference: str, link_id: int) -> TicketLink:
    """A link of the ticket the URL names (staff only, who see every ticket)."""
    ticket = ticket_get_for(user=user, reference=reference)
    with scopes_disabled():  # the link may be stored from the other organisation's side
        link = (
            TicketLink.objects.filter(Q(ticket=ticket) | Q(other=ticket), pk=link_id)
            .select_related("ticket", "other")
            .first()
        )
    if link is None:
        raise Http404("No such link.")
    return link


def parent_for(*, user: User, ticket: Ticket) -> Ticket | None:
    if ticket.parent_id is None:
        return None
    with scopes_disabled():  # the parent may be another organisation's incident (staff's)
        parent = Ticket.objects.filter(pk=ticket.parent_id).first()
    shown = _only_visible(user, ticket, [parent] if parent else [])
    return shown[0] if shown else None


def children_and_merged_for(*, user: User, ticket: Ticket) -> tuple[list[Ticket], list[Ticket]]:
    """The ticket's children (an incident's: they may be other organisations' tickets,
    staff's) and the duplicates merged into it (always its own organisation's, by the
    merge's rule), each in id order and as this user may see them: one query for both,
    from the two partial indexes (ticket_parent_idx, ticket_merged_into_idx)."""
    with scopes_disabled():  # children may be other organisations' tickets (staff's)
        found = list(
            Ticket.objects.filter(
                Q(parent=ticket) | Q(merged_into=ticket, organization_id=ticket.organization_id)
            )
            .select_related("organization")
            .order_by("pk")
        )
    shown = {other.pk for other in _only_visible(user, ticket, found)}
    children = [t for t in found if t.parent_id == ticket.pk and t.pk in shown]
    merged = [t for t in found if t.merged_into_id == ticket.pk and t.pk in shown]
    return children, merged


def merged_into_for(*, user: User, ticket: Ticket) -> Ticket | None:
    """The ticket a duplicate was merged into, if this user may see it (the same
    organisation's, by the merge's rule)."""
    if ticket.merged_into_id is None:
        return None
    with scope(organization=ticket.organization_id):  # merges stay in one organisation
        target = Ticket.objects.filter(pk=ticket.merged_into_id).first()
    shown = _only_visible(user, ticket, [target] if target else [])
    return shown[0] if shown else None


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


def upload_file_get_for(*, user: User, token: uuid.UUID) -> Attachment | PendingUpload:
    """A pasted file: still pending, for its uploader alone; posted, through the ticket,
    for whoever may see its message (tickets.selectors.attachment_get_for), or a copy
    of its public message on a child of its parent incident (the copy shows the
    parent's file at the parent's address). Anything else is the same 404 as a missing
    file."""
    # Found by its token, whose organisation the address does not say: the owner check
    # and the ticket's visibility below decide.
    with scopes_disabled():
        pending = PendingUpload.objects.filter(token=token, uploaded_by=user).first()
        posted = (
            None
            if pending
            else Attachment.objects.filter(token=token).select_related("ticket").first()
        )
    if pending is not None:
        return pending
    if posted is None:
        raise Http404("No such file.")
    try:
        return attachment_get_for(
            user=user, reference=posted.ticket.reference, attachment_id=posted.pk
        )
    except Http404:
        if posted.reply_id is None or not _sees_a_copy(user, reply_id=posted.reply_id):
            raise
        return posted


def _sees_a_copy(user: User, *, reply_id: int) -> bool:
    """Whether ``user`` may see a public copy of the (public) reply on a child ticket."""
    return Ticket._base_manager.filter(  # unscoped: the visibility condition decides
        visibility.visible_to(user),
        replies__copied_from_id=reply_id,
        replies__is_internal=False,
        replies__copied_from__is_internal=False,
    ).exists()
