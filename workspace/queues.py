"""Reads of the agent workspace's queues: their tickets and counts, the rows of
triage in place, and the take-next candidates.

A queue is a named condition on open tickets; the filters (organisation, tier,
severity) narrow any queue. Every selector here that crosses organisations is a staff
read and says so with one ``scopes_disabled()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from accounts.models import Organization, User
from sla.models import Severity, SupportTier
from tickets import live
from tickets.models import (
    OPEN_STATUSES,
    EscalationRequest,
    EscalationStatus,
    SavedView,
    Status,
    Ticket,
)
from tickets.urgency import UrgentFirst

PAGE_SIZE = 50

# What a queue or search row shows. Each join costs the planner about 1.5 ms on every
# page (the requester, which no row shows, doubled the rows query's planning time).
ROW_RELATED = ["organization", "assignee", "contract__tier"]


@dataclass(frozen=True)
class Queue:
    slug: str
    label: str | Promise
    icon: str
    condition: Callable[[User, dt.datetime], Q]
    # The condition admits one open status only: the queue's page asks for it alone, not
    # for the open statuses as well, which PostgreSQL takes for two independent
    # conditions and multiplies (679 tickets expected of 14,275 waiting), choosing to
    # join and sort them all over reading the queue's own index in order.
    one_status: bool = False


def _breached(at: dt.datetime) -> Q:
    # The sweep marks breaches within a minute; a deadline already past counts too.
    return Q(sla_breached=True) | Q(sla_due_at__lte=at)


def _escalation_pending() -> Exists:
    # Only on open tickets: resolving or closing ends a pending request (tickets.services),
    # and a closed ticket's row (ticket_row) must not offer one still, whatever the data.
    return Exists(
        EscalationRequest.objects.filter(
            ticket=OuterRef("pk"),
            status=EscalationStatus.PENDING,
            ticket__status__in=OPEN_STATUSES,
        )
    )


def _escalated(user: User, at: dt.datetime) -> Q:
    # IN over the (few) pending requests, not EXISTS per open ticket: the count query
    # aggregates every open ticket, and a per-row probe made it ~5x slower at 1M tickets.
    pending = EscalationRequest.objects.filter(status=EscalationStatus.PENDING)
    return Q(escalation_level__gt=0) | Q(pk__in=pending.values("ticket_id"))


def _my_teams(user: User, at: dt.datetime) -> Q:
    # Subqueries, not joins: a join through the team's members would repeat each ticket
    # once per teammate in the count query's conditional aggregates.
    looked_after = Organization.objects.filter(support_team__members=user).values("pk")
    teammates = User.objects.filter(teams__members=user).values("pk")
    return Q(organization_id__in=looked_after) | Q(assignee_id__in=teammates)


QUEUES: dict[str, Queue] = {
    q.slug: q
    for q in [
        Queue("all", _("All open"), "inbox", lambda user, at: Q()),
        Queue("unassigned", _("Unassigned"), "person-dash", lambda user, at: Q(assignee=None)),
        Queue("mine", _("Mine"), "person-check", lambda user, at: Q(assignee=user)),
        Queue("team", _("My team's"), "people", _my_teams),
        Queue(
            "warning",
            _("About to breach"),
            "hourglass-split",
            lambda user, at: Q(sla_warn_at__lte=at) & ~_breached(at),
        ),
        Queue("breached", _("Breached"), "exclamation-octagon", lambda user, at: _breached(at)),
        Queue(
            "waiting",
            _("Waiting on customer"),
            "pause-circle",
            lambda user, at: Q(status=Status.WAITING_ON_CUSTOMER),
            one_status=True,
        ),
        Queue("escalated", _("Escalated"), "arrow-up-circle", _escalated),
        Queue(
            "no_contract",
            _("No valid contract"),
            "file-earmark-x",
            lambda user, at: Q(has_valid_contract=False),
        ),
    ]
}


@dataclass(frozen=True)
class QueueFilters:
    """Which queue, narrowed by organisation, support tier and severity (by id, so a
    saved view's filters are read without a query)."""

    queue: str = "all"
    organization_id: int | None = None
    tier_id: int | None = None
    severity: str = ""

    def narrowing(self, *, skip: str = "") -> Q:
        """The organisation, tier and severity conditions (``skip`` leaves one out)."""
        condition = Q()
        if self.organization_id is not None and skip != "organization":
            condition &= Q(organization_id=self.organization_id)
        if self.tier_id is not None and skip != "tier":
            condition &= Q(contract__tier_id=self.tier_id)
        if self.severity and skip != "severity":
            condition &= Q(severity=self.severity)
        return condition

    def condition(self, user: User, at: dt.datetime, *, skip: str = "") -> Q:
        return QUEUES[self.queue].condition(user, at) & self.narrowing(skip=skip)

    @property
    def is_narrowed(self) -> bool:
        return bool(self.organization_id or self.tier_id or self.severity)

    def params(self, **override) -> dict[str, str]:
        values = {
            "queue": self.queue,
            "organization": str(self.organization_id or ""),
            "tier": str(self.tier_id or ""),
            "severity": self.severity,
        } | {key: str(value) for key, value in override.items()}
        return {key: value for key, value in values.items() if value and value != "all"}

    def querystring(self, **override) -> str:
        return urlencode(self.params(**override))


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def parse_filters(params: Mapping[str, str]) -> QueueFilters:
    """The queue and filters of a query string. Unknown values are dropped, so a stale
    bookmark or saved view shows the unfiltered queue instead of an error."""
    queue = params.get("queue") or "all"
    severity = params.get("severity") or ""
    return QueueFilters(
        queue=queue if queue in QUEUES else "all",
        organization_id=_id(params.get("organization")),
        tier_id=_id(params.get("tier")),
        severity=severity if severity in Severity.values else "",
    )


def _open_tickets() -> QuerySet[Ticket]:
    return Ticket.objects.filter(status__in=OPEN_STATUSES)


@dataclass
class QueueCounts:
    queues: dict[str, int] = field(default_factory=dict)
    severities: dict[str, int] = field(default_factory=dict)
    tiers: dict[int, int] = field(default_factory=dict)
    views: dict[int, int] = field(default_factory=dict)


def queue_counts(
    *,
    user: User,
    filters: QueueFilters,
    tiers: list[SupportTier],
    views: list[tuple[SavedView, QueueFilters]],
    at: dt.datetime,
) -> QueueCounts:
    """Every count of the workspace in ONE query, by conditional aggregation over the
    open tickets: each queue under the current filters, each severity and tier within
    the current queue, and each of the agent's saved views. Shared for up to
    live.LIVE_SECONDS by the agent and filters they depend on, until the next change."""
    signature = [
        str(user.pk),
        filters.querystring(),
        ",".join(str(tier.pk) for tier in tiers),
        ",".join(f"{view.pk}:{view.query}" for view, _ in views),
    ]
    return live.shared(
        "queue-counts",
        signature,
        lambda: _count(user=user, filters=filters, tiers=tiers, views=views, at=at),
    )


def _count(
    *,
    user: User,
    filters: QueueFilters,
    tiers: list[SupportTier],
    views: list[tuple[SavedView, QueueFilters]],
    at: dt.datetime,
) -> QueueCounts:
    # Staff queues cover every organisation by design (the escalated queue's subquery
    # reads escalation requests, so the conditions are built inside the escape too).
    with scopes_disabled():
        aggregates = {}
        for slug, queue in QUEUES.items():
            aggregates[f"q_{slug}"] = Count(
                "pk", filter=queue.condition(user, at) & filters.narrowing()
            )
        for severity in Severity.values:
            aggregates[f"s_{severity}"] = Count(
                "pk", filter=filters.condition(user, at, skip="severity") & Q(severity=severity)
            )
        for tier in tiers:
            aggregates[f"t_{tier.pk}"] = Count(
                "pk",
                filter=filters.condition(user, at, skip="tier") & Q(contract__tier_id=tier.pk),
            )
        for view, view_filters in views:
            aggregates[f"v_{view.pk}"] = Count("pk", filter=view_filters.condition(user, at))
        row = _open_tickets().aggregate(**aggregates)
    counts = QueueCounts()
    for key, value in row.items():
        kind, _, name = key.partition("_")
        if kind == "q":
            counts.queues[name] = value
        elif kind == "s":
            counts.severities[name] = value
        elif kind == "t":
            counts.tiers[int(name)] = value
        else:
            counts.views[int(name)] = value
    return counts


def queue_tickets(
    *, user: User, filters: QueueFilters, at: dt.datetime, any_overdue: bool = True
) -> UrgentFirst:
    """The queue's open tickets, most urgent first (tickets.urgency), with what a row
    shows. ``any_overdue=False`` when the counts found no breached ticket."""
    # Staff queues cover every organisation by design.
    with scopes_disabled():
        base = Ticket.objects.all() if QUEUES[filters.queue].one_status else _open_tickets()
        tickets = (
            base.filter(filters.condition(user, at))
            .select_related(*ROW_RELATED)
            .annotate(escalation_pending=_escalation_pending())
        )
        return UrgentFirst(tickets, at=at, any_overdue=any_overdue)


def take_next_candidates(*, filters: QueueFilters | None = None, at: dt.datetime) -> UrgentFirst:
    """Unassigned open tickets an agent can start on now (not those waiting on the
    customer), most urgent first. The caller locks the first one it can."""
    narrowing = filters.narrowing() if filters else Q()
    # "Take next" hands out tickets of every organisation by design.
    with scopes_disabled():
        tickets = (
            _open_tickets()
            .filter(narrowing, assignee=None)
            .exclude(status=Status.WAITING_ON_CUSTOMER)
        )
        return UrgentFirst(tickets, at=at)


def ticket_row(*, reference: str) -> Ticket:
    """One open or closed ticket as a queue row shows it (staff only)."""
    # A staff read across organisations; the view checked the role first.
    with scopes_disabled():
        ticket = (
            Ticket.objects.select_related(*ROW_RELATED)
            .annotate(escalation_pending=_escalation_pending())
            .filter(reference=reference)
            .first()
        )
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def tickets_by_references(*, references: list[str]) -> list[Ticket]:
    """The tickets a bulk action names, in one query; unknown references are left out."""
    # A staff read across organisations; the view checked the role first.
    with scopes_disabled():
        return list(
            Ticket.objects.select_related("organization")
            .filter(reference__in=[r.upper() for r in references])
            .order_by("reference")
        )
