"""Reads of an organisation's monthly service report and the list of organisations a
person looks after; the report's compliance figures come from :mod:`dashboard.period`."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from accounts.models import Organization, User
from dashboard.current import with_total
from dashboard.satisfaction import Score
from dashboard.services import vendor_today
from dashboard.tables import (
    NONE,
    Period,
    Table,
    format_person,
    ticket_link,
    ticket_linker,
    when_cell,
)
from sla.models import Severity, TargetKind
from tickets import wording
from tickets.models import EscalationRequest, Status, Ticket

ENGAGED_ROWS = 50  # organisations listed as "yours" on the dashboard


def organizations_engaged(*, user: User) -> tuple[list[Organization], int]:
    """The first organisations this user is the Client Engagement Manager of, by name,
    and how many there are (every other one is a link in the table by organisation)."""
    return with_total(
        Organization.objects.filter(cem=user, is_active=True).order_by("name"), ENGAGED_ROWS
    )


def report_months(*, today: dt.date | None = None) -> list[Period]:
    """The months of the monthly reports offered: this one and the eleven before it."""
    today = today or vendor_today()
    months = []
    year, month = today.year, today.month
    for _month in range(12):
        months.append(Period.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def customer_report_months(
    *, organization: Organization, today: dt.date | None = None
) -> list[Period]:
    """The months of an organisation's own service report, the latest first: this one and
    each before it back to the month of its first ticket (this one alone before any)."""
    today = today or vendor_today()
    with scopes_disabled():  # the organisation is the signed-in customer's own
        first = (
            Ticket.objects.filter(organization=organization)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
    earliest = vendor_today(first) if first else today
    months = []
    year, month = today.year, today.month
    while (year, month) >= (earliest.year, earliest.month):
        months.append(Period.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months or [Period.month(today.year, today.month)]


def in_customer_words(tables: dict[str, Table]) -> dict[str, Table]:
    """The report's tables as a customer reads them: a target and a status under the
    names the portal gives them (tickets.wording), the figures unchanged."""
    targets = {str(kind.label): wording.target_name(kind, for_staff=False) for kind in TargetKind}
    statuses = {
        str(status.label): wording.status_name(status, for_staff=False) for status in Status
    }
    headings = {f"{staff} %": f"{customer} %" for staff, customer in targets.items()}
    by_column = {str(_("Target")): targets, str(_("Status")): statuses}
    for table in tables.values():
        names = [by_column.get(str(column)) for column in table.columns]
        table.columns = [headings.get(str(column), column) for column in table.columns]
        for row in table.rows:
            for index, names_of in enumerate(names):
                cell = row[index]
                if names_of and isinstance(cell, str):
                    row[index] = names_of.get(cell, cell)
    return tables


def escalations_in(*, period: Period, organization: Organization) -> Table:
    """Escalation requests the organisation made in the period and what became of them."""

    with scopes_disabled():  # the organisation was checked by organization_for
        requests = list(
            EscalationRequest.objects.filter(
                organization=organization,
                created_at__gte=period.start,
                created_at__lt=period.end,
            )
            .select_related("ticket", "requested_by", "handled_by")
            .order_by("created_at", "pk")
        )
    return Table(
        "escalations",
        _("Escalation requests"),
        [_("Ticket"), _("Requested"), _("By"), _("Decision"), _("Decided by"), _("Reason")],
        [
            [
                ticket_link(r.ticket.reference),
                when_cell(r.created_at),
                format_person(r.requested_by),
                r.get_status_display(),
                format_person(r.handled_by, NONE),
                r.reason,
            ]
            for r in requests
        ],
        figures_from=99,
    )


def tickets_logged(*, period: Period, organization: Organization) -> Table:
    """The organisation's tickets logged in the period, with where each one stands."""

    with scopes_disabled():  # the organisation was checked by organization_for
        tickets = list(
            Ticket.objects.filter(
                organization=organization,
                created_at__gte=period.start,
                created_at__lt=period.end,
            ).order_by("created_at", "pk")
        )
    link = ticket_linker()
    return Table(
        "tickets",
        _("Tickets logged"),
        [
            _("Ticket"),
            _("Title"),
            _("Severity"),
            _("Status"),
            _("Logged"),
            _("First response"),
            _("Resolved"),
        ],
        [
            [
                link(t.reference),
                t.title,
                t.severity or NONE,
                # By value, not get_status_display(): Django rebuilds the choices each call.
                wording.status_name(t.status, for_staff=True),
                when_cell(t.created_at),
                when_cell(t.first_response_at),
                when_cell(t.resolved_at),
            ]
            for t in tickets
        ],
        figures_from=99,
    )


def open_critical_at_end(
    *, period: Period, organization: Organization, now: dt.datetime | None = None
) -> tuple[int, int]:
    """The organisation's S1 tickets (by their severity now) open at the end of the
    period, or now while it lasts, and at the end of the previous period: one query."""
    now = now or timezone.now()

    def open_at(instant: dt.datetime) -> Q:
        return (
            Q(created_at__lt=instant)
            & (Q(resolved_at=None) | Q(resolved_at__gte=instant))
            & (Q(closed_at=None) | Q(closed_at__gte=instant))
        )

    at_end, before_end = min(period.end, now), min(period.previous.end, now)
    with scopes_disabled():  # the organisation was checked by organization_for
        # Every column read is in ticket_org_created_idx (the date it was logged bounds
        # the range, the rest is included): counted from the index, not from the
        # organisation's whole history in the table.
        found = Ticket.objects.filter(
            organization=organization,
            created_at__lt=max(at_end, before_end),
            severity=Severity.S1,
        ).aggregate(
            now=Count("created_at", filter=open_at(at_end)),
            before=Count("created_at", filter=open_at(before_end)),
        )
    return found["now"], found["before"]


def report_summary(
    *,
    period: Period,
    organization: Organization,
    compliance: Table,
    trend_table: Table,
    satisfaction: Score,
) -> Table:
    """The report's headline figures, from tables already computed."""
    logged = sum(int(str(row[1])) for row in trend_table.rows if row[1] != NONE)
    resolved = sum(int(str(row[2])) for row in trend_table.rows if row[2] != NONE)
    open_rows = [str(row[3]) for row in trend_table.rows if row[3] != NONE]
    all_targets = compliance.rows[-1]
    return Table(
        "summary",
        _("Summary"),
        [_("Figure"), _("Value")],
        [
            [_("Tickets logged"), str(logged)],
            [_("Tickets resolved"), str(resolved)],
            [_("Open at the end of the period"), str(open_rows[-1]) if open_rows else NONE],
            [_("Targets settled"), str(all_targets[1])],
            [_("Targets met on time, %"), str(all_targets[4])],
            [_("Breaches"), str(all_targets[3])],
            [_("Satisfaction answers"), str(satisfaction.answers)],
            [_("Satisfaction, good %"), satisfaction.percent],
        ],
    )
