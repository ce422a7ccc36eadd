"""Reads of the customer portal: the home page's lists and the customers' ticket list.

Customer requests run inside their organisation's scope; on top of it, plain customer
users see only the tickets they opened or watch, and customer administrators all of
their organisation's. Every function here answers in a fixed number of queries, however
many tickets the organisation has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from operator import and_

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from accounts import permissions
from accounts.models import Organization, User
from sla.models import ClockState, SLAClock
from tickets import visibility
from tickets.models import OPEN_STATUSES, Status, Ticket

# What the customer has to act on: an answer we asked for, or a fix to confirm.
NEEDS_ANSWER_STATUSES = [Status.WAITING_ON_CUSTOMER, Status.RESOLVED]
# What a row shows beside the ticket's own columns: who opened it. Every table joined
# costs the planner more than the row costs to read (a list's statement joined five
# tables and took 1.1 to 1.7 ms to plan and 0.3 to 0.6 ms to run at a million tickets).
ROW_RELATED = ["requester"]
HOME_LIMIT = 8
# Every status a home list shows: the open ones and a fix to confirm.
COUNTED_STATUSES = list(dict.fromkeys([*OPEN_STATUSES, *NEEDS_ANSWER_STATUSES]))
_REFERENCE = re.compile(r"^#?(?:(?P<code>[A-Za-z0-9]{2,10})-)?(?P<number>\d{1,9})$")


def _with_owed_kind(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Each ticket with ``owed_kind``: the kind of the target behind its ``sla_due_at``,
    the earliest deadline we still owe (a running clock's, or a breached one's not yet
    met), so that a row can say what is late ("reply overdue since …",
    portal.templatetags.portal_tags.owed_next). A subquery on the clocks' (ticket,
    state) index, so the list stays one query."""
    owed = (
        SLAClock.objects.filter(ticket=OuterRef("pk"), due_at__isnull=False)
        .filter(Q(state=ClockState.RUNNING) | Q(state=ClockState.BREACHED, met_at__isnull=True))
        .order_by("due_at", "pk")
        .values("kind")[:1]
    )
    return tickets.annotate(owed_kind=Subquery(owed))


@dataclass
class PortalHome:
    mine: list[Ticket]
    mine_count: int
    needs_answer: list[Ticket]
    needs_answer_count: int
    organization_open: list[Ticket] | None  # customer administrators only
    organization_open_count: int


def portal_home_for(*, user: User, limit: int = HOME_LIMIT) -> PortalHome:
    """The home page's three lists, most recent activity first, and their sizes:
    four queries. Each ticket is listed once: what needs the customer's answer first,
    then their own open tickets, then (for administrators) their organisation's others.
    """
    visible = visibility.visible_tickets(user=user)
    is_admin = permissions.is_customer_admin(user)
    needs_q = Q(status__in=NEEDS_ANSWER_STATUSES)
    mine_q = visibility.involving(user) & Q(status__in=OPEN_STATUSES) & ~needs_q
    others_q = ~visibility.involving(user) & Q(status__in=OPEN_STATUSES) & ~needs_q
    # Counted among the tickets any of the three can hold, not the organisation's every
    # ticket: its (organisation, status) index reads the few hundred open ones, where a
    # large customer's closed history (20,000 tickets) was read whole for each view.
    counts = visible.filter(status__in=COUNTED_STATUSES).aggregate(
        mine=Count("pk", filter=mine_q),
        needs=Count("pk", filter=needs_q),
        organization=Count("pk", filter=others_q),
    )
    rows = _with_owed_kind(visible.select_related(*ROW_RELATED)).order_by(
        "-last_activity_at", "-pk"
    )
    return PortalHome(
        mine=list(rows.filter(mine_q)[:limit]),
        mine_count=counts["mine"],
        needs_answer=list(rows.filter(needs_q)[:limit]),
        needs_answer_count=counts["needs"],
        organization_open=list(rows.filter(others_q)[:limit]) if is_admin else None,
        organization_open_count=counts["organization"] if is_admin else 0,
    )


def ticket_by_reference_for(*, user: User, text: str) -> Ticket | None:
    """The visible ticket that ``text`` names, as ``ACME-1042``, ``#1042`` or ``1042``;
    None when it names none (or one this user may not see)."""
    match = _REFERENCE.match(text.strip())
    organization = permissions.organization_of(user)
    if match is None or organization is None:
        return None
    code = (match["code"] or organization.code).upper()
    if code != organization.code:
        return None
    return visibility.visible_tickets(user=user).filter(number=int(match["number"])).first()


STATUS_GROUPS = {
    "open": OPEN_STATUSES,
    "needs_answer": NEEDS_ANSWER_STATUSES,
}


def ticket_list_for(
    *,
    user: User,
    status: str = "",
    severity: str = "",
    type: str = "",
    requester: User | None = None,
    q: str = "",
) -> QuerySet[Ticket]:
    """The customer's tickets, filtered, most recent activity first. The organisation's
    (organization, -last_activity_at) and (organization, status, -last_activity_at)
    indexes serve the order."""
    tickets = visibility.visible_tickets(user=user).select_related(*ROW_RELATED)
    if status in STATUS_GROUPS:
        tickets = tickets.filter(status__in=STATUS_GROUPS[status])
    elif status:
        tickets = tickets.filter(status=status)
    if severity:
        tickets = tickets.filter(severity=severity)
    if type:
        tickets = tickets.filter(type=type)
    if requester is not None and permissions.is_customer_admin(user):
        tickets = tickets.filter(requester=requester)
    words = q.split()[:8]
    if words:
        tickets = tickets.filter(
            reduce(
                and_,
                (
                    Q(title__icontains=w) | Q(description__icontains=w) | Q(reference__iexact=w)
                    for w in words
                ),
            )
        )
    return _with_owed_kind(tickets).order_by("-last_activity_at", "-pk")


def requester_choices(*, organization: Organization) -> QuerySet[User]:
    """Everyone of the organisation who may have logged a ticket, deactivated included."""
    return (
        User.objects.filter(membership__organization=organization)
        .only("pk", "full_name", "email")  # what an option shows: a large one has hundreds
        .order_by("full_name")
    )
