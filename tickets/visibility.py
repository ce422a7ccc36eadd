"""Who may see which ticket: the one definition, used by every list, search and check.

Support staff see every organisation's tickets; a customer administrator sees all of
their organisation's; a plain customer user those they opened or are copied on; anyone
else none. :func:`visible_to` writes that rule as a condition on tickets, and both the
lists (:func:`visible_tickets`) and the check of one ticket (:func:`can_view`) apply
that same condition, so a page can never show a ticket that the check would refuse.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts import permissions
from accounts.models import User
from tickets.models import Ticket


def involving(user: User) -> Q:
    """Tickets the person opened or is copied on. EXISTS, not a join on the watchers, so
    a ticket is listed once and counts stay exact without DISTINCT."""
    watching = Ticket.watchers.through.objects.filter(ticket_id=OuterRef("pk"), user_id=user.pk)
    return Q(requester=user) | Q(Exists(watching))


def visible_to(user: User) -> Q:
    """The tickets ``user`` may see, as a condition (staff: every ticket)."""
    if permissions.is_staff_member(user):
        return Q()
    organization = permissions.organization_of(user)
    if organization is None:
        return Q(pk__in=[])
    if permissions.is_customer_admin(user):
        return Q(organization=organization)
    return Q(organization=organization) & involving(user)


def visible_tickets(*, user: User) -> QuerySet[Ticket]:
    """A customer's tickets, in their organisation's scope (accounts.middleware). Staff
    lists read across organisations with their own reason to (tickets.selectors)."""
    return Ticket.objects.filter(visible_to(user))


def can_view(user: User, ticket: Ticket) -> bool:
    """Whether ``user`` may see this ticket (and so act on it as their role allows):
    the condition of :func:`visible_to`, asked of this one row."""
    if permissions.is_staff_member(user):
        return True
    return Ticket._base_manager.filter(visible_to(user), pk=ticket.pk).exists()
