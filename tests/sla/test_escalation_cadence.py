"""The update cadence of an accepted escalation's action plan: an escalation update clock
that runs like the policy's update target, from the acceptance until de-escalation.

ACME is on Privilege; its tickets here are S2 (first response next business day on the
vendor calendar, Monday to Friday 09:00-17:00 Budapest). Instants are in Budapest,
November 2026 (CET, UTC+1; no holidays); the 24th is a Tuesday.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from notifications.models import Kind, Notification, OutboundEmail
from notifications.tasks import sla_sweep
from sla.models import ClockState, SLAClock
from tests import factories
from tickets import escalations, intake, services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

BUDAPEST = ZoneInfo("Europe/Budapest")
KIND = "escalation_update"


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=BUDAPEST)


@pytest.fixture
def ticket(personas, contracts, at) -> Ticket:
    """An S2 logged on Tuesday at 10:00, whose customer asks for escalation at 10:10."""
    at(local(24, 10))
    ticket = intake.ticket_create(
        personas.admin_a,
        organization=personas.org_a,
        requester=personas.admin_a,
        title="Invoices cannot be posted",
        description="Posting fails with error 500.",
        severity="S2",
        product_version=contracts["version"],
    )
    at(local(24, 10, 10))
    escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Month-end close.")
    return ticket


def accept(ticket, personas, at, when, *, level=1, **cadence):
    """The manager accepts the pending request with the agent as specialist."""
    at(when)
    return escalations.escalation_accept(
        personas.manager,
        escalation=ticket.escalations.get(status="pending"),
        level=level,
        specialist=personas.agent,
        action_plan="A specialist calls you with every finding.",
        communication_channel="Phone",
        participants="",
        **factories.cadence(**cadence),
    )


def every_4_hours(ticket, personas, at, when=None):
    return accept(
        ticket, personas, at, when or local(24, 10, 30), amount=4, unit="hours", calendar="24x7"
    )


def cycles(ticket: Ticket) -> list[tuple]:
    return [
        (c.state, c.started_at, c.due_at, c.met_at)
        for c in SLAClock.objects.filter(ticket=ticket, kind=KIND).order_by("started_at", "pk")
    ]


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


# --- Starting, restarting, stopping ---------------------------------------------------------


def test_a_plan_every_4_hours_around_the_clock_starts_an_escalation_update_clock(
    ticket, personas, at
):
    every_4_hours(ticket, personas, at)

    clock = SLAClock.objects.get(ticket=ticket, kind=KIND)
    assert clock.target is None
    assert (clock.amount, clock.unit, clock.calendar.name) == (4, "hours", "24x7")
    assert (clock.warn_share, clock.severity) == (0.75, "S2")
    assert (clock.state, clock.started_at) == (ClockState.RUNNING, local(24, 10, 30))
    assert (clock.warn_at, clock.due_at) == (local(24, 13, 30), local(24, 14, 30))
    # Earlier than the first response (Wednesday 17:00): the ticket's deadline now.
    assert fresh(ticket).sla_due_at == local(24, 14, 30)


def test_a_plan_every_4_business_hours_counts_on_the_vendor_calendar(ticket, personas, at):
    # Tuesday 15:00-17:00 is 2 open hours, Wednesday 09:00-11:00 the other 2.
    accept(ticket, personas, at, local(24, 15), amount=4, unit="hours")

    assert cycles(ticket) == [(ClockState.RUNNING, local(24, 15), local(25, 11), None)]


def test_a_public_staff_reply_meets_the_cycle_and_starts_the_next(ticket, personas, at):
    every_4_hours(ticket, personas, at)

    at(local(24, 12))
    services.ticket_reply(personas.agent, ticket=ticket, body="We reproduced it.")
    at(local(24, 12, 30))
    services.ticket_reply(personas.agent, ticket=ticket, body="Asked the DBA.", internal=True)
    services.ticket_reply(personas.admin_a, ticket=ticket, body="Any news?")

    assert cycles(ticket) == [
        (ClockState.MET, local(24, 10, 30), local(24, 14, 30), local(24, 12)),
        (ClockState.RUNNING, local(24, 12), local(24, 16), None),
    ]
    assert fresh(ticket).sla_due_at == local(24, 16)


def test_waiting_on_the_customer_pauses_the_cadence_and_their_answer_resumes_it(
    ticket, personas, at
):
    every_4_hours(ticket, personas, at)
    at(local(24, 10, 45))
    services.ticket_transition(personas.agent, ticket=ticket, action="acknowledge")
    at(local(24, 11))
    services.ticket_transition(personas.agent, ticket=ticket, action="wait_on_customer")
    assert SLAClock.objects.get(ticket=ticket, kind=KIND).state == ClockState.PAUSED

    at(local(24, 12))
    services.ticket_reply(personas.admin_a, ticket=ticket, body="Here is the log.")

    # An hour paused: due an hour later.
    assert cycles(ticket) == [(ClockState.RUNNING, local(24, 10, 30), local(24, 15, 30), None)]


def test_lowering_the_level_keeps_the_cadence_until_level_0_cancels_it(ticket, personas, at):
    every_4_hours(ticket, personas, at)
    escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Still blocked.")
    accept(ticket, personas, at, local(24, 11), level=2, amount=2, unit="hours", calendar="24x7")
    # The second plan replaces the first one's cycle.
    assert cycles(ticket) == [
        (ClockState.CANCELLED, local(24, 10, 30), local(24, 14, 30), None),
        (ClockState.RUNNING, local(24, 11), local(24, 13), None),
    ]

    at(local(24, 11, 30))
    escalations.ticket_lower_escalation(personas.agent, ticket=ticket, reason="A fix is close.")
    assert SLAClock.objects.filter(ticket=ticket, kind=KIND, state=ClockState.RUNNING).exists()

    at(local(24, 12))
    escalations.ticket_lower_escalation(personas.agent, ticket=ticket, reason="The fix works.")

    assert not SLAClock.objects.filter(
        ticket=ticket, kind=KIND, state__in=[ClockState.RUNNING, ClockState.PAUSED]
    ).exists()
    # The first response (Wednesday 17:00) is the ticket's deadline again.
    assert fresh(ticket).sla_due_at == local(25, 17)
    # De-escalated: a public reply starts no new cycle.
    at(local(24, 12, 30))
    services.ticket_reply(personas.agent, ticket=ticket, body="Fixed in 8.1.3.")
    assert SLAClock.objects.filter(ticket=ticket, kind=KIND).count() == 2


def test_resolving_stops_the_cadence_and_reopening_an_escalated_ticket_restarts_it(
    ticket, personas, at
):
    every_4_hours(ticket, personas, at)
    at(local(24, 11))
    services.ticket_reply(personas.agent, ticket=ticket, body="Found it.")
    at(local(24, 12))
    services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
    )
    assert cycles(ticket)[-1][0] == ClockState.CANCELLED

    at(local(24, 13))
    services.ticket_transition(
        personas.admin_a, ticket=ticket, action="reopen", reason="Still failing."
    )

    assert cycles(ticket)[-1] == (ClockState.RUNNING, local(24, 13), local(24, 17), None)


def test_a_severity_change_leaves_the_cadence_running(ticket, personas, at):
    every_4_hours(ticket, personas, at)
    at(local(24, 11))

    services.ticket_set_severity(
        personas.agent, ticket=ticket, severity="S3", reason="Only one branch is affected."
    )

    assert cycles(ticket) == [(ClockState.RUNNING, local(24, 10, 30), local(24, 14, 30), None)]


def test_a_workaround_leaves_the_cadence_running(ticket, personas, at):
    every_4_hours(ticket, personas, at)
    at(local(24, 11))
    services.ticket_transition(personas.agent, ticket=ticket, action="acknowledge")

    services.ticket_transition(
        personas.agent, ticket=ticket, action="provide_workaround", workaround="Post one by one."
    )

    assert cycles(ticket) == [(ClockState.RUNNING, local(24, 10, 30), local(24, 14, 30), None)]


# --- The sweep ------------------------------------------------------------------------------


@pytest.fixture
def sweep(at, eager_celery):
    """The beat task at an instant, its per-clock checks run in-process (the emails they
    write are sent after a commit the test never makes)."""

    def run(instant: dt.datetime) -> None:
        at(instant)
        sla_sweep()

    return run


def notices(ticket: Ticket, kind: str) -> list[tuple[str, str]]:
    return sorted(
        OutboundEmail.objects.filter(ticket=ticket, kind=kind).values_list("recipient", "subject")
    )


def test_the_sweep_warns_and_breaches_the_cadence_once_to_the_specialist_and_overseers(
    ticket, personas, at, sweep
):
    other_manager = factories.ManagerFactory()
    every_4_hours(ticket, personas, at)

    sweep(local(24, 13, 29))
    assert notices(ticket, Kind.UPDATE_DUE) == []

    sweep(local(24, 13, 30))
    sweep(local(24, 13, 31))

    due = f"[{ticket.reference}] Escalation update due 14:30 CET: {ticket.title}"
    # The specialist (assignee), the managers and ACME's CEM (Mona, also a manager).
    assert notices(ticket, Kind.UPDATE_DUE) == sorted(
        [(personas.agent.email, due), (personas.manager.email, due), (other_manager.email, due)]
    )
    body = OutboundEmail.objects.filter(ticket=ticket, kind=Kind.UPDATE_DUE).first().body_text
    assert "the escalation's action plan: updates every 4 hours, around the clock" in body

    sweep(local(24, 14, 30))
    sweep(local(24, 14, 31))

    clock = SLAClock.objects.get(ticket=ticket, kind=KIND)
    assert (clock.state, clock.breached_at) == (ClockState.BREACHED, local(24, 14, 30))
    breached = f"[{ticket.reference}] SLA breached (escalation update): {ticket.title}"
    assert notices(ticket, Kind.SLA_BREACH) == sorted(
        [
            (personas.agent.email, breached),
            (personas.manager.email, breached),
            (other_manager.email, breached),
        ]
    )
    assert Notification.objects.filter(ticket=ticket, kind=Kind.SLA_BREACH).count() == 3
    assert fresh(ticket).sla_breached


def test_the_next_public_update_settles_a_breached_cycle_late_and_starts_the_next(
    ticket, personas, at, sweep
):
    every_4_hours(ticket, personas, at)
    sweep(local(24, 14, 30))

    at(local(24, 15))
    services.ticket_reply(personas.agent, ticket=ticket, body="Sorry for the silence.")

    late = SLAClock.objects.filter(ticket=ticket, kind=KIND).earliest("started_at")
    assert (late.state, late.met_at, late.late_minutes) == (ClockState.BREACHED, local(24, 15), 30)
    assert cycles(ticket)[-1] == (ClockState.RUNNING, local(24, 15), local(24, 19), None)
    assert not fresh(ticket).sla_breached


# --- The ticket page ------------------------------------------------------------------------


def test_the_ticket_page_gives_the_cadence_in_words_with_the_next_update(
    client, ticket, personas, at
):
    every_4_hours(ticket, personas, at)

    for user in (personas.admin_a, personas.agent):
        client.force_login(user)
        html = client.get(reverse("ticket_detail", args=[ticket.reference])).content.decode()
        assert (
            "Updates every 4 hours, around the clock by phone (next by Tue 24 Nov, 14:30)." in html
        )
