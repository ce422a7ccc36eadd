"""A week of SLA history with figures computed by hand (tests/dashboard/test_compliance.py
spells them out): tickets and clocks built directly with known timestamps.

The period is Monday 16 to Sunday 22 November 2026; "now" is Tuesday 24 November 2026
12:00 in Budapest (CET, UTC+1). The vendor calendar is Monday to Friday 09:00-17:00
Europe/Budapest (no holiday that week); the 24x7 calendar counts wall-clock time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dashboard import services as dashboard_services
from dashboard.tables import Period
from sla.models import BusinessCalendar, ClockState, Contract, SLAClock
from surveys.models import SatisfactionSurvey
from tickets.models import EscalationRequest, Status, Ticket, TicketEvent

BUDAPEST = ZoneInfo("Europe/Budapest")
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=BUDAPEST)
WEEK = Period(dt.date(2026, 11, 16), dt.date(2026, 11, 22))


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BUDAPEST)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@dataclass
class History:
    personas: object
    tickets: dict[str, Ticket] = field(default_factory=dict)
    clocks: dict[str, SLAClock] = field(default_factory=dict)
    calendars: dict[str, BusinessCalendar] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    numbers: dict[int, int] = field(default_factory=dict)

    def ticket(self, name: str, organization, *, created_at, severity, **fields) -> Ticket:
        number = self.numbers[organization.pk] = self.numbers.get(organization.pk, 0) + 1
        requester = (
            self.personas.admin_a if organization == self.personas.org_a else self.personas.admin_b
        )
        ticket = Ticket.objects.create(
            organization=organization,
            number=number,
            reference=f"{organization.code}-{number}",
            title=fields.pop("title", f"Ticket {name}"),
            description="Built by the dashboard tests.",
            severity=severity,
            requester=requester,
            contract=self.contracts[organization.code],
            has_valid_contract=True,
            created_at=created_at,
            **fields,
        )
        self.tickets[name] = ticket
        return ticket

    def clock(self, name: str, ticket: Ticket, kind: str, calendar: str, **fields) -> SLAClock:
        clock = SLAClock.objects.create(
            ticket=ticket,
            organization_id=ticket.organization_id,
            kind=kind,
            calendar=self.calendars[calendar],
            amount=1,
            unit="business_days",
            severity=fields.pop("severity", ticket.severity),
            **fields,
        )
        self.clocks[name] = clock
        return clock

    def status(self, ticket: Ticket, status: str, at: dt.datetime) -> None:
        TicketEvent.objects.create(
            ticket=ticket,
            organization_id=ticket.organization_id,
            kind="status",
            field="status",
            new_value=Status(status).label,
            created_at=at,
        )

    def summarise(self) -> None:
        """What the beat task and dashboard_summaries would have stored for 1-24 November."""
        dashboard_services.summaries_refresh(first=dt.date(2026, 11, 1), last=NOW.date())


@pytest.fixture
def history(personas, contracts, frozen_now) -> History:
    """ACME (Privilege) and GLBX (Standard): eight tickets in the week, one older."""
    h = History(personas=personas, contracts=contracts)
    h.calendars = {
        "vendor": BusinessCalendar.objects.get(name="Vendor business hours"),
        "24x7": BusinessCalendar.objects.get(name="24x7"),
    }
    acme, glbx, agent = personas.org_a, personas.org_b, personas.agent
    after = {"sla_due_at": NOW + dt.timedelta(days=2), "sla_warn_at": NOW + dt.timedelta(days=1)}

    # Before the week, still open: the backlog the week starts with.
    h.ticket("O1", acme, created_at=local(2, 10), severity="S3", status=Status.IN_PROGRESS)
    # ACME, assigned to the agent unless said otherwise.
    t1 = h.ticket(
        "T1",
        acme,
        created_at=local(16, 10),
        severity="S1",
        status=Status.CLOSED,
        assignee=agent,
        resolved_at=local(16, 14),
        closed_at=local(17, 9),
    )
    t2 = h.ticket(
        "T2",
        acme,
        created_at=local(16, 16),
        severity="S2",
        status=Status.RESOLVED,
        assignee=agent,
        first_response_at=local(17, 10),
        resolved_at=local(19, 15),
    )
    t3 = h.ticket(
        "T3",
        acme,
        created_at=local(17, 9),
        severity="S2",
        status=Status.IN_PROGRESS,
        assignee=agent,
        sla_due_at=NOW + dt.timedelta(hours=2),
        sla_warn_at=NOW - dt.timedelta(hours=1),
    )
    t4 = h.ticket(
        "T4", acme, created_at=local(18, 2), severity="S1", status=Status.NEW, sla_breached=True
    )
    t5 = h.ticket(
        "T5",
        acme,
        created_at=local(18, 9),
        severity="S2",
        status=Status.IN_PROGRESS,
        assignee=agent,
        escalation_level=2,
        sla_due_at=NOW + dt.timedelta(hours=5),
        sla_warn_at=NOW + dt.timedelta(hours=1),
    )
    # GLBX, unassigned.
    g1 = h.ticket(
        "G1",
        glbx,
        created_at=local(19, 10),
        severity="S2",
        status=Status.IN_PROGRESS,
        sla_due_at=NOW - dt.timedelta(minutes=10),
        sla_warn_at=NOW - dt.timedelta(hours=3),
    )
    g2 = h.ticket(
        "G2", glbx, created_at=local(20, 9), severity="S3", status=Status.WAITING_ON_CUSTOMER
    )
    g3 = h.ticket("G3", glbx, created_at=local(22, 23), severity="S3", status=Status.NEW, **after)
    # Logged at 00:10 on Monday 23 in Budapest, still Sunday 22 in UTC: not in the week.
    g4 = h.ticket(
        "G4",
        glbx,
        created_at=local(23, 0, 10),
        severity="S3",
        status=Status.NEW,
        sla_due_at=NOW + dt.timedelta(minutes=30),
        sla_warn_at=NOW - dt.timedelta(minutes=5),
    )

    met, breached = ClockState.MET, ClockState.BREACHED
    # First responses.
    h.clock(
        "c1",
        t1,
        "first_response",
        "24x7",
        state=met,
        started_at=local(16, 10),
        due_at=local(16, 12),
        met_at=local(16, 11),
        elapsed_open_minutes=60,
    )
    h.clock(
        "c2",
        t2,
        "first_response",
        "vendor",
        state=met,
        started_at=local(16, 16),
        due_at=local(17, 17),
        met_at=local(17, 10),
        elapsed_open_minutes=120,
    )
    h.clock(
        "c3",
        t3,
        "first_response",
        "vendor",
        state=met,
        started_at=local(17, 9),
        pauses=[[local(17, 10).isoformat(), local(18, 10).isoformat()]],
        due_at=local(19, 10),
        met_at=local(18, 12),
        elapsed_open_minutes=180,
    )
    h.clock(
        "c14",
        t5,
        "first_response",
        "vendor",
        state=breached,
        started_at=local(18, 9),
        due_at=local(19, 17),
        breached_at=local(19, 17),
        met_at=local(20, 11),
        late_minutes=120,
        elapsed_open_minutes=1080,
    )
    h.clock(
        "c6",
        g2,
        "first_response",
        "vendor",
        state=met,
        started_at=local(20, 9),
        due_at=local(23, 17),
        met_at=local(20, 9, 30),
        elapsed_open_minutes=30,
    )
    # Met at 23:30 on Sunday in Budapest (22:30 UTC): in the week.
    h.clock(
        "c12",
        g3,
        "first_response",
        "vendor",
        state=met,
        started_at=local(22, 23),
        due_at=local(23, 17),
        met_at=local(22, 23, 30),
        elapsed_open_minutes=50,
    )
    # Met at 00:30 on Monday 23 in Budapest (Sunday 23:30 UTC): not in the week.
    h.clock(
        "c13",
        g4,
        "first_response",
        "vendor",
        state=met,
        started_at=local(23, 0, 10),
        due_at=local(24, 17),
        met_at=local(23, 0, 30),
        elapsed_open_minutes=0,
    )
    # Triage of the night-time S1: 15 minutes around the clock, met 30 minutes late.
    h.clock(
        "c4",
        t4,
        "triage",
        "24x7",
        state=breached,
        started_at=local(18, 2),
        due_at=local(18, 2, 15),
        breached_at=local(18, 2, 15),
        met_at=local(18, 2, 45),
        late_minutes=30,
        elapsed_open_minutes=45,
    )
    # GLBX's update, due on Friday at close of business and still owed.
    h.clock(
        "c5",
        g1,
        "update",
        "vendor",
        state=breached,
        started_at=local(19, 10),
        due_at=local(20, 17),
        breached_at=local(20, 17),
    )
    # Neither counts: cancelled, and still running.
    h.clock(
        "c7",
        t1,
        "update",
        "24x7",
        state=ClockState.CANCELLED,
        started_at=local(16, 11),
        due_at=local(16, 13),
    )
    h.clock(
        "c8",
        t3,
        "update",
        "vendor",
        state=ClockState.RUNNING,
        started_at=local(18, 12),
        due_at=NOW + dt.timedelta(hours=2),
    )

    # T2 waited on the customer from Tuesday 12:00 to Wednesday 11:00, then was resolved.
    h.status(t2, Status.ACKNOWLEDGED, local(17, 10))
    h.status(t2, Status.WAITING_ON_CUSTOMER, local(17, 12))
    h.status(t2, Status.IN_PROGRESS, local(18, 11))
    h.status(t2, Status.RESOLVED, local(19, 15))
    h.status(t1, Status.RESOLVED, local(16, 14))
    h.status(t1, Status.CLOSED, local(17, 9))

    EscalationRequest.objects.create(
        ticket=t4,
        organization=acme,
        requested_by=personas.admin_a,
        reason="Production is down at night.",
        created_at=local(18, 3),
    )
    # Survey answers: three first given in the week, two outside it.
    for ticket, rating, answered_at in [
        (t1, "good", local(17, 10)),
        (t2, "bad", local(20, 11)),
        (g2, "good", local(22, 20)),
        (h.tickets["O1"], "bad", local(13, 9)),  # the Friday before
        (g3, "good", local(23, 0, 10)),  # Monday 00:10 in Budapest: the next week
    ]:
        SatisfactionSurvey.objects.create(
            ticket=ticket,
            organization_id=ticket.organization_id,
            respondent=ticket.requester,
            rating=rating,
            comment=f"{rating.title()} work on {ticket.reference}.",
            answered_at=answered_at,
            updated_at=answered_at,
        )
    h.summarise()
    return h
