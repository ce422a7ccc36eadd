"""Reads of the API that decide what a person sees: their tickets, filtered, what a
ticket carries, organisations and their contracts, and their own tokens. The knowledge
base, release notes and notifications are read through their apps' own selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django_scopes import scope, scopes_disabled

from accounts import permissions
from accounts.models import Organization, User
from api.models import ApiToken
from sla.models import ClockState, Contract, SLAClock
from tickets import visibility
from tickets.models import OPEN_STATUSES, Attachment, Ticket


def ticket_list_for(*, user: User, filters: dict) -> tuple[QuerySet[Ticket], str]:
    """The tickets ``user`` may see, narrowed by the validated ``filters``
    (api.serializers.TicketFilterSerializer), and the order of their cursor pages: a key
    unique in the list and held by an index, the organisation's ticket number for
    customers (ticket_org_number), the id for staff."""
    tickets: QuerySet[Ticket]
    if permissions.is_staff_member(user):
        with scopes_disabled():  # staff read every organisation's tickets, as in the workspace
            tickets = Ticket.objects.all()
        order = "-id"
        if filters.get("organization"):
            tickets = tickets.filter(organization__code=filters["organization"].upper())
    else:
        tickets = visibility.visible_tickets(user=user)
        order = "-number"
    state = filters.get("status")
    if state == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    elif state:
        tickets = tickets.filter(status=state)
    if filters.get("severity"):
        tickets = tickets.filter(severity=filters["severity"])
    if filters.get("mine"):
        # Staff: assigned to them; a customer: logged by them.
        mine = "assignee" if permissions.is_staff_member(user) else "requester"
        tickets = tickets.filter(**{mine: user})
    return tickets.select_related("organization", "requester", "assignee"), order


def organization_by_code(code: str) -> Organization | None:
    """An active organisation by its code, for staff who log a ticket on its behalf."""
    return Organization.objects.filter(code=code.upper(), is_active=True).first()


def person_by_email(email: str) -> User | None:
    """An active person by their address, with their membership (the intake checks that
    they are a contact of the organisation named)."""
    users = User.objects.select_related("membership__organization")
    return users.filter(email__iexact=email, is_active=True).first()


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def token_of(*, user: User, token_id: int) -> ApiToken:
    """One of the person's own tokens; anyone else's is a 404, as a missing one."""
    token = tokens_of(user=user).filter(pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    return token


# --- What a ticket carries ----------------------------------------------------------------


def attachments_for(*, user: User, ticket: Ticket) -> QuerySet[Attachment]:
    """The files of a ticket its reader may open: those sent with the ticket and with its
    replies, never a customer those of internal notes (as
    tickets.selectors.attachment_get_for refuses them)."""
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        attachments = Attachment.objects.filter(ticket=ticket)
    if not permissions.can_work_tickets(user):
        attachments = attachments.exclude(reply__is_internal=True)
    return attachments.select_related("reply", "uploaded_by")


def clocks_for(*, ticket: Ticket) -> QuerySet[SLAClock]:
    """The clocks the ticket page's table shows (cancelled ones are not)."""
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        return SLAClock.objects.filter(ticket=ticket).exclude(state=ClockState.CANCELLED)


# --- Organisations and their contracts ------------------------------------------------------


def organizations_for(*, user: User) -> QuerySet[Organization]:
    """A customer's own organisation; every organisation for staff, who work for all."""
    if permissions.is_staff_member(user):
        return Organization.objects.all()
    own = permissions.organization_of(user)
    if own is None:
        return Organization.objects.none()
    return Organization.objects.filter(pk=own.pk)


def organization_get_for(*, user: User, code: str) -> Organization:
    """One organisation by its code; another's (for a customer) is a 404, as a missing one."""
    organization = organizations_for(user=user).filter(code=code.upper()).first()
    if organization is None:
        raise Http404("No such organisation.")
    return organization


def contracts_of(*, organization: Organization) -> QuerySet[Contract]:
    with scope(organization=organization.pk):  # the organisation the reader may see
        return Contract.objects.filter(organization=organization).select_related("tier")
