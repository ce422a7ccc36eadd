"""What each step of the workflow does to the SLA clocks, with deadlines computed by hand.

The vendor calendar is Monday to Friday 09:00-17:00 Europe/Budapest with Hungarian
holidays (none in late November 2026); the 24x7 calendar counts wall-clock time. In
November Budapest is on CET, UTC+1.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sla import services as clocks
from sla.models import BusinessCalendar, ClockState, SLAClock, SLAPolicy, SLATarget
from tests import factories
from tickets import services
from tickets.models import Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

BUDAPEST = ZoneInfo("Europe/Budapest")
CALENDARS = {"vendor": "Vendor business hours", "24x7": "24x7"}


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BUDAPEST)


def add_target(tier: str, severity: str, kind: str, amount: int, unit: str, calendar: str):
    """A target the default policies lack (workaround, resolution), for these tests."""
    return SLATarget.objects.create(
        policy=SLAPolicy.objects.get(tier__slug=tier, severity=severity),
        kind=kind,
        amount=amount,
        unit=unit,
        calendar=BusinessCalendar.objects.get(name=CALENDARS[calendar]),
    )


def clock(ticket: Ticket, kind: str) -> SLAClock:
    """The latest clock of a kind (the update target runs one clock per cycle)."""
    return SLAClock.objects.filter(ticket=ticket, kind=kind).latest("started_at", "pk")


def running(ticket: Ticket) -> dict[str, dt.datetime]:
    return {
        c.kind: c.due_at
        for c in SLAClock.objects.filter(ticket=ticket, state=ClockState.RUNNING).order_by("pk")
    }


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def globex_ticket(make_ticket, personas, severity="S2", **extra):
    return make_ticket(requester=personas.admin_b, severity=severity, **extra)


# --- At intake ---------------------------------------------------------------------------


def test_privilege_s1_in_business_hours_needs_a_first_response_within_two_hours(make_ticket, at):
    at(local(24, 10))  # Tuesday 10:00: the vendor is open, so no after-hours triage
    ticket = make_ticket(severity="S1")
    assert running(ticket) == {"first_response": local(24, 12)}
    assert fresh(ticket).sla_due_at == local(24, 12)
    assert clock(ticket, "first_response").started_at == local(24, 10)


def test_privilege_s1_logged_on_saturday_night_is_triaged_within_fifteen_minutes(make_ticket, at):
    at(local(28, 3))  # Saturday 03:00: the vendor is closed, the on-call agent triages
    ticket = make_ticket(severity="S1")
    assert running(ticket) == {"triage": local(28, 3, 15), "first_response": local(28, 5)}
    assert fresh(ticket).sla_due_at == local(28, 3, 15)


@pytest.mark.parametrize(
    ("severity", "logged", "due"),
    [
        # 2 business days from Tuesday: Wednesday (1), Thursday (2), close of business.
        ("S2", local(24, 10), local(26, 17)),
        # From Friday afternoon: Monday (1), Tuesday 1 December (2).
        ("S2", local(27, 16), local(1, 17, month=12)),
        # Next business day from Friday is Monday.
        ("S1", local(27, 16), local(30, 17)),
        # 1 week from Tuesday 24 November is Tuesday 1 December, close of business.
        ("S3", local(24, 10), local(1, 17, month=12)),
    ],
)
def test_standard_first_response_is_due_at_close_of_business_days_later(
    make_ticket, personas, at, severity, logged, due
):
    at(logged)
    ticket = globex_ticket(make_ticket, personas, severity=severity)
    assert running(ticket) == {"first_response": due}
    assert fresh(ticket).sla_due_at == due


def test_ticket_of_an_organisation_without_a_valid_contract_gets_no_clock(make_ticket, at):
    at(local(24, 10))
    organization = factories.OrganizationFactory(code="NOCO", name="No Contract Ltd")
    requester = factories.customer(organization, admin=True)
    ticket = make_ticket(requester=requester, severity="S1")
    assert not ticket.has_valid_contract
    assert not SLAClock.objects.filter(ticket=ticket).exists()
    assert fresh(ticket).sla_due_at is None
    warning = TicketEvent.objects.get(ticket=ticket, kind="intake_warning")
    assert "no valid support contract" in warning.message and not warning.is_public


def test_enhancement_request_gets_no_clock(make_ticket, at):
    at(local(24, 10))
    ticket = make_ticket(type="enhancement", severity="")
    assert ticket.severity == ""
    assert not SLAClock.objects.filter(ticket=ticket).exists()
    assert fresh(ticket).sla_due_at is None


# --- Conversation ----------------------------------------------------------------------


def test_public_staff_reply_meets_triage_and_first_response_and_starts_an_update_cycle(
    make_ticket, personas, at
):
    at(local(28, 3))
    ticket = make_ticket(severity="S1")
    at(local(28, 3, 10))
    services.ticket_reply(personas.agent, ticket=ticket, body="We are on it.")

    for kind in ("triage", "first_response"):
        met = clock(ticket, kind)
        assert (met.state, met.met_at, met.late_minutes) == (ClockState.MET, local(28, 3, 10), None)
    update = clock(ticket, "update")
    assert (update.state, update.started_at) == (ClockState.RUNNING, local(28, 3, 10))
    assert update.due_at == local(28, 5, 10)  # every 2 hours, around the clock
    ticket = fresh(ticket)
    assert ticket.sla_due_at == local(28, 5, 10)
    assert ticket.first_response_at == local(28, 3, 10)
    assert ticket.status == Status.ACKNOWLEDGED

    at(local(28, 4))
    services.ticket_reply(personas.agent, ticket=ticket, body="Still investigating.")
    cycles = SLAClock.objects.filter(ticket=ticket, kind="update").order_by("started_at")
    assert [(c.state, c.met_at) for c in cycles] == [
        (ClockState.MET, local(28, 4)),
        (ClockState.RUNNING, None),
    ]
    assert cycles.last().due_at == local(28, 6)
    assert fresh(ticket).sla_due_at == local(28, 6)


def test_internal_note_changes_no_clock(make_ticket, personas, at):
    at(local(28, 3))
    ticket = make_ticket(severity="S1")
    at(local(28, 3, 5))
    services.ticket_reply(personas.agent, ticket=ticket, body="Paging the DBA.", internal=True)
    assert running(ticket) == {"triage": local(28, 3, 15), "first_response": local(28, 5)}
    ticket = fresh(ticket)
    assert ticket.first_response_at is None
    assert ticket.status == Status.NEW
    assert ticket.sla_due_at == local(28, 3, 15)


def test_acknowledging_meets_triage_and_the_next_deadline_becomes_the_first_response(
    make_ticket, personas, at
):
    at(local(28, 3))
    ticket = make_ticket(severity="S1")
    at(local(28, 3, 5))
    services.ticket_transition(personas.agent, ticket=ticket, action="acknowledge")
    assert clock(ticket, "triage").state == ClockState.MET
    assert running(ticket) == {"first_response": local(28, 5)}
    assert fresh(ticket).sla_due_at == local(28, 5)


# --- Waiting on the customer -----------------------------------------------------------


def test_waiting_on_customer_pauses_every_clock_and_the_reply_resumes_them_shifted(
    make_ticket, personas, at
):
    # Standard S2 resolution within 40 open hours, to have two clocks of two kinds.
    add_target("standard", "S2", "resolution", 40, "hours", "vendor")
    at(local(24, 10))
    ticket = globex_ticket(make_ticket, personas)
    assert running(ticket) == {
        "first_response": local(26, 17),
        # Tue 10-17 (7 h), Wed, Thu, Fri, Mon (32 h), Tue 1 Dec 09-10 (1 h).
        "resolution": local(1, 10, month=12),
    }
    at(local(24, 10, 30))
    services.ticket_transition(personas.agent, ticket=ticket, action="acknowledge")
    at(local(24, 11))
    services.ticket_transition(personas.agent, ticket=ticket, action="wait_on_customer")

    paused = SLAClock.objects.filter(ticket=ticket).order_by("kind")
    assert [(c.kind, c.state, c.due_at, c.paused_at) for c in paused] == [
        ("first_response", ClockState.PAUSED, None, local(24, 11)),
        ("resolution", ClockState.PAUSED, None, local(24, 11)),
    ]
    assert fresh(ticket).sla_due_at is None

    # The customer answers on Wednesday 11:00: paused for Tue 11-17 and Wed 09-11, 8 open
    # hours, i.e. one whole business day.
    at(local(25, 11))
    services.ticket_reply(personas.admin_b, ticket=ticket, body="Here is the log you asked for.")
    assert fresh(ticket).status == Status.IN_PROGRESS
    assert running(ticket) == {
        "first_response": local(27, 17),  # Thursday 17:00 + 8 open hours
        "resolution": local(2, 10, month=12),  # Tuesday 10:00 + 8 open hours
    }
    resumed = clock(ticket, "first_response")
    assert [[dt.datetime.fromisoformat(t) for t in pause] for pause in resumed.pauses] == [
        [local(24, 11), local(25, 11)]
    ]
    assert resumed.paused_at is None
    assert fresh(ticket).sla_due_at == local(27, 17)


def test_staff_resuming_work_also_resumes_the_clocks(make_ticket, personas, at):
    at(local(24, 10))
    ticket = make_ticket(severity="S1")  # Privilege: first response in 2 hours, 24x7
    at(local(24, 10, 15))
    services.ticket_transition(personas.agent, ticket=ticket, action="acknowledge")
    services.ticket_transition(personas.agent, ticket=ticket, action="wait_on_customer")
    at(local(24, 10, 45))
    services.ticket_transition(personas.agent, ticket=ticket, action="resume")
    assert running(ticket) == {"first_response": local(24, 12, 30)}  # 30 minutes paused


# --- Workaround, resolution, severity --------------------------------------------------


def test_workaround_meets_its_clock_lowers_severity_and_recomputes_keeping_elapsed_time(
    make_ticket, personas, at
):
    add_target("privilege", "S1", "workaround", 4, "hours", "24x7")
    add_target("privilege", "S1", "resolution", 24, "hours", "24x7")
    add_target("privilege", "S2", "resolution", 48, "hours", "24x7")
    at(local(24, 10))
    ticket = make_ticket(severity="S1")
    assert running(ticket) == {
        "first_response": local(24, 12),
        "workaround": local(24, 14),
        "resolution": local(25, 10),
    }
    at(local(24, 10, 30))
    services.ticket_reply(personas.agent, ticket=ticket, body="Looking into it.")
    assert clock(ticket, "update").due_at == local(24, 12, 30)

    at(local(24, 11))
    services.ticket_transition(
        personas.agent,
        ticket=ticket,
        action="provide_workaround",
        workaround="Post the invoices one by one.",
    )
    ticket = fresh(ticket)
    assert (ticket.status, ticket.severity) == (Status.WORKAROUND_PROVIDED, "S2")
    workaround = clock(ticket, "workaround")
    assert (workaround.state, workaround.met_at) == (ClockState.MET, local(24, 11))
    # S2 on Privilege: resolution within 48 hours of the original start, not of now.
    resolution = clock(ticket, "resolution")
    assert (resolution.started_at, resolution.due_at) == (local(24, 10), local(26, 10))
    assert resolution.severity == "S2"
    # The 2-hourly S1 cadence ran until the workaround; S2 asks for one a business day,
    # counted from the cycle's start (Tuesday 10:30): close of business Wednesday.
    update = clock(ticket, "update")
    assert (update.state, update.amount, update.unit) == (ClockState.RUNNING, 1, "business_days")
    assert update.due_at == local(25, 17)
    assert ticket.sla_due_at == local(25, 17)
    change = TicketEvent.objects.get(ticket=ticket, field="severity")
    assert (change.old_value, change.new_value, change.actor) == ("S1", "S2", personas.agent)


def test_workaround_stops_an_update_cadence_that_runs_until_a_workaround(make_ticket, personas, at):
    # A tier whose S2 updates, too, are due only until a workaround is in place.
    SLATarget.objects.filter(
        policy__tier__slug="privilege", policy__severity="S2", kind="update"
    ).update(until_workaround=True)
    at(local(24, 10))
    ticket = make_ticket(severity="S1")
    at(local(24, 10, 30))
    services.ticket_reply(personas.agent, ticket=ticket, body="Looking into it.")
    at(local(24, 11))
    services.ticket_transition(
        personas.agent, ticket=ticket, action="provide_workaround", workaround="Use the CSV import."
    )
    assert clock(ticket, "update").state == ClockState.CANCELLED
    assert running(ticket) == {}
    assert fresh(ticket).sla_due_at is None

    at(local(24, 12))
    services.ticket_reply(personas.agent, ticket=ticket, body="The fix is in testing.")
    assert not SLAClock.objects.filter(ticket=ticket, state=ClockState.RUNNING).exists()


def test_resolving_meets_the_resolution_clock_and_stops_the_update_cadence(
    make_ticket, personas, at
):
    add_target("privilege", "S1", "resolution", 24, "hours", "24x7")
    at(local(24, 10))
    ticket = make_ticket(severity="S1")
    at(local(24, 10, 30))
    services.ticket_reply(personas.agent, ticket=ticket, body="Looking into it.")
    at(local(24, 11))
    services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
    )
    resolution = clock(ticket, "resolution")
    assert (resolution.state, resolution.met_at) == (ClockState.MET, local(24, 11))
    assert clock(ticket, "update").state == ClockState.CANCELLED
    assert running(ticket) == {}
    assert fresh(ticket).sla_due_at is None


def test_reopening_restarts_the_resolution_clock(make_ticket, personas, at):
    add_target("privilege", "S2", "resolution", 48, "hours", "24x7")
    at(local(24, 10))
    ticket = make_ticket(severity="S2")
    at(local(24, 11))
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
    )
    at(local(25, 9))
    services.ticket_transition(
        personas.admin_a, ticket=ticket, action="reopen", reason="Still failing."
    )
    assert running(ticket)["resolution"] == local(27, 9)


def test_severity_change_recomputes_running_clocks_from_the_new_policy(make_ticket, personas, at):
    at(local(24, 10))
    ticket = globex_ticket(make_ticket, personas)
    assert running(ticket) == {"first_response": local(26, 17)}
    at(local(24, 11))
    services.ticket_set_severity(
        personas.agent, ticket=ticket, severity="S1", reason="Payroll is blocked too."
    )
    # Standard S1: next business day from Tuesday, the day the clock started.
    assert running(ticket) == {"first_response": local(25, 17)}
    assert clock(ticket, "first_response").severity == "S1"
    assert fresh(ticket).sla_due_at == local(25, 17)

    services.ticket_set_severity(
        personas.agent, ticket=ticket, severity="S3", reason="Only the report layout."
    )
    assert running(ticket) == {"first_response": local(1, 17, month=12)}  # 1 week
    events = TicketEvent.objects.filter(ticket=ticket, field="severity").order_by("pk")
    assert [(e.old_value, e.new_value, e.message) for e in events] == [
        ("S2", "S1", "Payroll is blocked too."),
        ("S1", "S3", "Only the report layout."),
    ]


# --- Breaches --------------------------------------------------------------------------


def test_breach_is_recorded_once_and_a_late_answer_keeps_it_with_its_lateness(
    make_ticket, personas, at
):
    at(local(24, 10))
    ticket = make_ticket(severity="S1")
    first_response = clock(ticket, "first_response")
    at(local(24, 12, 5))
    results = [
        clocks.clock_check(clock_id=first_response.pk, at=local(24, 12, 5)) for _ in range(2)
    ]
    assert [r.event if r else None for r in results] == ["breach", None]
    # The sweep stores the ticket's deadline as the clocks now say (tickets' own column).
    assert results[0].ticket_id == ticket.pk
    services.ticket_deadline_refresh(ticket_id=ticket.pk)
    breached = clock(ticket, "first_response")
    assert (breached.state, breached.breached_at) == (ClockState.BREACHED, local(24, 12))
    ticket = fresh(ticket)
    # Still owed: the breached deadline is the ticket's most urgent one.
    assert ticket.sla_breached and ticket.sla_due_at == local(24, 12)

    at(local(24, 12, 30))
    services.ticket_reply(personas.agent, ticket=ticket, body="Sorry for the wait.")
    ticket = fresh(ticket)
    assert not ticket.sla_breached
    assert ticket.sla_due_at is None or ticket.sla_due_at > local(24, 12, 30)
    late = clock(ticket, "first_response")
    assert (late.state, late.breached_at, late.met_at, late.late_minutes) == (
        ClockState.BREACHED,
        local(24, 12),
        local(24, 12, 30),
        30,
    )
    assert SLAClock.objects.filter(ticket=ticket, state=ClockState.BREACHED).count() == 1


def test_lateness_counts_open_minutes_only(make_ticket, personas, at):
    at(local(24, 10))
    ticket = globex_ticket(make_ticket, personas)  # first response due Thursday 17:00
    at(local(27, 10))  # answered on Friday at 10:00: one open hour late, not seventeen
    services.ticket_reply(personas.agent, ticket=ticket, body="Here is what we found.")
    late = clock(ticket, "first_response")
    assert (late.state, late.breached_at, late.met_at, late.late_minutes) == (
        ClockState.BREACHED,
        local(26, 17),
        local(27, 10),
        60,
    )


def test_clock_check_warns_before_it_breaches(make_ticket, at):
    at(local(24, 10))
    ticket = make_ticket(severity="S1")
    first_response = clock(ticket, "first_response")
    assert first_response.warn_at == local(24, 11, 30)  # 75% of two hours
    assert clocks.clock_check(clock_id=first_response.pk, at=local(24, 11)) is None
    warned = clocks.clock_check(clock_id=first_response.pk, at=local(24, 11, 30))
    assert warned.event == "warning"
    assert clocks.clock_check(clock_id=first_response.pk, at=local(24, 11, 45)) is None
    assert clock(ticket, "first_response").state == ClockState.RUNNING
