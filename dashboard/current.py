"""The dashboard's "now": live counts and lists from the deadline each ticket keeps
(``sla_due_at``, ``sla_warn_at``, ``sla_breached``), so nothing walks the clocks; who is
on call. Every figure leaves as a :class:`~dashboard.tables.Table`, which the page shows
and the CSV export writes. Each makes a fixed number of queries whatever the rows.

Staff dashboards work across organisations: each selector that reads tenant rows says
so with one ``scopes_disabled()`` and narrows to ``organization`` when given one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Window
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from accounts.models import Organization
from dashboard.tables import (
    NONE,
    Cell,
    Table,
    When,
    format_person,
    more_note,
    ticket_link,
    when_cell,
)
from notifications.selectors import on_call_at
from sla.models import POLICY_TARGET_KINDS, Severity, TargetKind
from tickets.models import OPEN_STATUSES, URGENCY_ORDER, EscalationRequest, EscalationStatus, Ticket
from tickets.urgency import UrgentFirst
from tickets.wording import status_name

# The policy's target kinds: compliance measures the contract's targets, not the update
# cadence an escalation's action plan adds (dashboard.services leaves those out).
KINDS = [TargetKind(kind) for kind, _ in POLICY_TARGET_KINDS]
DURATION_KINDS = [TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION]
SEVERITIES = list(Severity)
NOW_ROWS = 20  # rows of each "now" list
BREACH_ROWS = 100  # rows of the breach list on a page; its CSV has them all
OPEN_ROWS = 50  # open tickets on an organisation's page
BREAKDOWN_ROWS = 25  # organisations or agents on a page, worst first; the CSV has them all


def _open_tickets(organization: Organization | None):

    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    return tickets.filter(organization=organization) if organization else tickets


def open_by_severity(*, now: dt.datetime, organization: Organization | None = None) -> Table:
    """Open tickets by severity and SLA state: breached (a deadline has passed), warning
    (a warning point has), on track, or no running clock (waiting on the customer, or
    no SLA)."""
    breached = Q(sla_breached=True) | Q(sla_due_at__lte=now)
    running = Q(sla_breached=False, sla_due_at__gt=now)
    # Counted by severity (never NULL), not by id: every column this reads is in
    # ticket_open_sla_state_idx, so the counts come from the index alone. Staff
    # dashboards work across organisations.
    with scopes_disabled():
        counts = {
            row["severity"]: row
            for row in _open_tickets(organization)
            .values("severity")
            .annotate(
                on_track=Count(
                    "severity", filter=running & (Q(sla_warn_at__gt=now) | Q(sla_warn_at=None))
                ),
                warning=Count("severity", filter=running & Q(sla_warn_at__lte=now)),
                breached=Count("severity", filter=breached),
                no_clock=Count("severity", filter=Q(sla_breached=False, sla_due_at=None)),
                total=Count("severity"),
            )
            .order_by()
        }
    keys = ["on_track", "warning", "breached", "no_clock", "total"]
    rows: list[list[Cell]] = []
    totals = dict.fromkeys(keys, 0)
    for value, label in [*((s.value, s.label) for s in SEVERITIES), ("", _("No severity"))]:
        row = counts.get(value, {})
        rows.append([str(label), *(str(row.get(key, 0)) for key in keys)])
        for key in keys:
            totals[key] += row.get(key, 0)
    rows.append([_("All open tickets"), *(str(totals[key]) for key in keys)])
    return Table(
        "open_by_severity",
        _("Open tickets by severity and SLA state"),
        [
            _("Severity"),
            _("On track"),
            _("Warning"),
            _("Breached"),
            _("No running clock"),
            _("Total"),
        ],
        rows,
    )


def _next_deadline(ticket, now: dt.datetime) -> Cell:
    """The ticket's most urgent deadline still owed: a breached one reads as overdue."""
    if ticket.sla_due_at and ticket.sla_due_at <= now:
        return When(ticket.sla_due_at, "overdue since ")
    if ticket.sla_due_at:
        return When(ticket.sla_due_at)
    return "breached" if ticket.sla_breached else NONE


# What the ticket lists of "now" show of a ticket, its organisation and its assignee. The
# count of the same query (with_total) carries every matching row through the joins and
# the window: with whole rows (a ticket's description and search document among them)
# the at-risk list took 60 ms at a million tickets and spilled to disk; with these, 23 ms.
TICKET_ROW = (
    "reference",
    "title",
    "severity",
    "escalation_level",
    "created_at",
    "sla_due_at",
    "sla_breached",
    "organization__code",
)
PERSON = ("full_name", "email")  # format_person


def _ticket_rows(queryset: QuerySet, *, assignee: bool) -> QuerySet:
    related = ["organization", *(["assignee"] if assignee else [])]
    person = [f"assignee__{name}" for name in PERSON] if assignee else []
    return queryset.select_related(*related).only(*TICKET_ROW, *person)


def with_total(queryset: QuerySet, limit: int) -> tuple[list, int]:
    """The first rows and, from the same query, how many there are in all."""
    rows = list(queryset.annotate(found=Window(Count("pk")))[:limit])
    return rows, (rows[0].found if rows else 0)


def at_risk(*, now: dt.datetime, organization: Organization | None = None) -> Table:
    """Open tickets past a warning point and not yet breached, the soonest deadline first."""
    with scopes_disabled():  # staff dashboards work across organisations
        tickets, total = with_total(
            _ticket_rows(
                _open_tickets(organization).filter(
                    sla_breached=False, sla_warn_at__lte=now, sla_due_at__gt=now
                ),
                assignee=True,
            ).order_by("sla_due_at", "pk"),
            NOW_ROWS,
        )
    return Table(
        "at_risk",
        _("At risk: warning reached, soonest deadline first"),
        [_("Ticket"), _("Title"), _("Organisation"), _("Severity"), _("Due"), _("Assignee")],
        [
            [
                ticket_link(t.reference),
                t.title,
                t.organization.code,
                t.severity or NONE,
                when_cell(t.sla_due_at),
                format_person(t.assignee),
            ]
            for t in tickets
        ],
        note=more_note(len(tickets), total, _("tickets at risk")),
        figures_from=99,
    )


def escalation_requests(*, organization: Organization | None = None) -> Table:
    """Escalation requests awaiting a manager's review, the oldest first: open tickets'
    only (resolving or closing a ticket ends its request; this holds whatever the data)."""

    with scopes_disabled():  # staff dashboards work across organisations
        requests = EscalationRequest.objects.filter(
            status=EscalationStatus.PENDING, ticket__status__in=OPEN_STATUSES
        )
        if organization:
            requests = requests.filter(organization=organization)
        found, total = with_total(
            requests.select_related("ticket", "organization", "requested_by")
            .only(
                "created_at",
                "reason",
                "ticket__reference",
                "organization__code",
                *(f"requested_by__{name}" for name in PERSON),
            )
            .order_by("created_at", "pk"),
            NOW_ROWS,
        )
    return Table(
        "escalation_requests",
        _("Escalation requests awaiting review"),
        [_("Ticket"), _("Organisation"), _("Requested"), _("By"), _("Reason")],
        [
            [
                ticket_link(r.ticket.reference),
                r.organization.code,
                when_cell(r.created_at),
                format_person(r.requested_by),
                r.reason if len(r.reason) <= 120 else f"{r.reason[:119]}…",
            ]
            for r in found
        ],
        note=more_note(len(found), total, _("requests")),
        figures_from=99,
    )


def escalated_tickets(*, organization: Organization | None = None) -> Table:
    """Open tickets at an escalation level above 0, the highest level first."""
    with scopes_disabled():  # staff dashboards work across organisations
        tickets, total = with_total(
            _ticket_rows(
                _open_tickets(organization).filter(escalation_level__gt=0), assignee=True
            ).order_by("-escalation_level", "created_at", "pk"),
            NOW_ROWS,
        )
    return Table(
        "escalated_tickets",
        _("Escalated open tickets"),
        [_("Ticket"), _("Title"), _("Organisation"), _("Level"), _("Severity"), _("Assignee")],
        [
            [
                ticket_link(t.reference),
                t.title,
                t.organization.code,
                str(t.escalation_level),
                t.severity or NONE,
                format_person(t.assignee),
            ]
            for t in tickets
        ],
        note=more_note(len(tickets), total, _("escalated tickets")),
        figures_from=99,
    )


def unassigned_critical(*, now: dt.datetime, organization: Organization | None = None) -> Table:
    """Open S1 tickets nobody has taken, the soonest deadline first (an overdue one
    first of all: a breached target stays the ticket's deadline until it is met)."""
    with scopes_disabled():  # staff dashboards work across organisations
        tickets, total = with_total(
            _ticket_rows(
                _open_tickets(organization).filter(severity=Severity.S1, assignee=None),
                assignee=False,
            ).order_by(*URGENCY_ORDER),
            NOW_ROWS,
        )
    return Table(
        "unassigned_s1",
        _("Unassigned S1 tickets, soonest deadline first"),
        [_("Ticket"), _("Title"), _("Organisation"), _("Logged"), _("Next deadline")],
        [
            [
                ticket_link(t.reference),
                t.title,
                t.organization.code,
                when_cell(t.created_at),
                _next_deadline(t, now),
            ]
            for t in tickets
        ],
        note=more_note(len(tickets), total, _("unassigned S1 tickets")),
        figures_from=99,
    )


def open_tickets(*, now: dt.datetime, organization: Organization) -> Table:
    """An organisation's open tickets, the most urgent first (tickets.urgency)."""
    with scopes_disabled():  # the organisation was checked by organization_for
        ordered = UrgentFirst(_open_tickets(organization).select_related("assignee"), at=now)
        tickets = ordered[0:OPEN_ROWS]
        total = len(tickets) if len(tickets) < OPEN_ROWS else len(ordered)
    return Table(
        "open_tickets",
        _("Open tickets, most urgent first"),
        [_("Ticket"), _("Title"), _("Severity"), _("Status"), _("Next deadline"), _("Assignee")],
        [
            [
                ticket_link(t.reference),
                t.title,
                t.severity or NONE,
                status_name(t.status, for_staff=True),
                _next_deadline(t, now),
                format_person(t.assignee),
            ]
            for t in tickets
        ],
        note=more_note(len(tickets), total, _("open tickets")),
        figures_from=99,
    )


@dataclass(frozen=True)
class OnCall:
    known: bool  # False when no rota is set up
    people: list[str] = field(default_factory=list)


def on_call(*, now: dt.datetime) -> OnCall:
    """Who covers critical tickets now, from the notifications app's rota."""
    person = on_call_at(now)
    return OnCall(known=True, people=[format_person(person)] if person is not None else [])
