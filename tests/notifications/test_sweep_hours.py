"""SLA notices keep the calendar's hours, whatever path scheduled them.

GLBX is on Standard (vendor calendar, Mon-Fri 09:00-17:00 Budapest): an S2's first
response is due at close of business two business days after the day it is logged,
warned when 75% of its open time is used. ACME is on Privilege: an S1 has a first
response in 2 hours around the clock, and after hours a triage of 15 minutes by the
on-call agent. 25 November 2026 is a Wednesday.
"""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection

from notifications.models import Kind, Notification, OnCallPage, OutboundEmail, PageReason
from sla import engine
from sla.models import ClockState, SLAClock
from sla.services import engine_calendar
from tests.notifications.conftest import local
from tickets import services

pytestmark = pytest.mark.django_db

SLA_NOTICES = [Kind.SLA_WARNING, Kind.SLA_BREACH, Kind.UPDATE_DUE]


@pytest.fixture
def act(at, eager_celery, django_capture_on_commit_callbacks):
    """Do something at an instant, with its events dispatched as the worker would."""

    def run(instant: dt.datetime, func, *args, **kwargs):
        at(instant)
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run


def clock(ticket, kind: str = "first_response") -> SLAClock:
    return SLAClock.objects.filter(ticket=ticket, kind=kind).latest("started_at")


def notices(kind: str, ticket=None) -> list[Notification]:
    found = Notification.objects.filter(kind=kind)
    return list(found.filter(ticket=ticket) if ticket is not None else found)


def sla_emails() -> list[str]:
    """Subjects of the SLA emails sent so far."""
    ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    return sorted(
        OutboundEmail.objects.filter(message_id__in=ids, kind__in=SLA_NOTICES).values_list(
            "subject", flat=True
        )
    )


@pytest.fixture
def globex_s2(act, make_ticket, personas):
    """GLBX S2 logged Wednesday 10:00: first response due Friday 17:00 (23 open hours),
    warned Friday 11:15 (17 h 15 of them), assigned to the agent."""
    ticket = act(local(25, 10), make_ticket, requester=personas.admin_b, severity="S2")
    ticket = act(
        local(25, 10, 1),
        services.ticket_assign,
        personas.manager,
        ticket=ticket,
        assignee=personas.agent,
    )
    first = clock(ticket)
    assert (first.due_at, first.warn_at) == (local(27, 17), local(27, 11, 15))
    return ticket


def _wait(act, instant, ticket, agent):
    return act(instant, services.ticket_transition, agent, ticket=ticket, action="wait_on_customer")


def _answer(act, instant, ticket, customer):
    return act(instant, services.ticket_reply, customer, ticket=ticket, body="Here it is.")


def test_the_warning_counts_open_time_used_without_the_pauses(globex_s2, act, sweep, personas):
    ticket = _wait(act, local(25, 11), globex_s2, personas.agent)  # 1 open hour used
    _answer(act, local(26, 11), ticket, personas.admin_b)  # 8 open hours paused
    first = clock(ticket)
    # Both move by the 8 paused open hours: 17 h 15 of use is reached on Monday 11:15.
    assert (first.due_at, first.warn_at, first.next_check_at) == (
        local(30, 17),
        local(30, 11, 15),
        local(30, 11, 15),
    )
    # Counting the pause as used time would have warned Monday 09:15.
    for instant in (local(27, 11, 15), local(30, 9, 15), local(30, 11, 14)):
        sweep(instant)
        assert notices(Kind.SLA_WARNING) == []
    sweep(local(30, 11, 15))
    sweep(local(30, 11, 16))
    assert [n.recipient for n in notices(Kind.SLA_WARNING)] == [personas.agent]


def test_a_warning_point_passed_before_a_pause_waits_for_the_opening_after_a_night_resume(
    globex_s2, act, sweep, personas
):
    # Paused half a minute after the warning point, before the sweep came round.
    ticket = _wait(act, local(27, 11, 15) + dt.timedelta(seconds=30), globex_s2, personas.agent)
    _answer(act, local(27, 22), ticket, personas.admin_b)  # Friday night
    first = clock(ticket)
    assert first.warned_at is None and first.warn_at == local(27, 11, 15)
    assert first.next_check_at == local(30, 9)  # Monday's opening, not 22:01
    for instant in (local(27, 22, 1), local(28, 12), local(29, 23), local(30, 8, 59)):
        assert sweep(instant)["clocks"] == 0
    assert notices(Kind.SLA_WARNING) == []
    sweep(local(30, 9))
    assert [n.recipient for n in notices(Kind.SLA_WARNING)] == [personas.agent]
    assert all(n.created_at == local(30, 9) for n in notices(Kind.SLA_WARNING))


def test_a_severity_change_at_night_breaches_at_the_next_opening(act, sweep, make_ticket, personas):
    ticket = act(local(25, 10), make_ticket, requester=personas.admin_b, severity="S3")
    # Raised to S2 on Friday night: two business days from Wednesday ran out at 17:00.
    ticket = act(
        local(27, 22),
        services.ticket_set_severity,
        personas.agent,
        ticket=ticket,
        severity="S2",
        reason="More users are affected.",
    )
    first = clock(ticket)
    assert (first.due_at, first.next_check_at) == (local(27, 17), local(30, 9))
    ticket.refresh_from_db()
    assert ticket.sla_due_at == local(27, 17)  # overdue at once in the queues
    for instant in (local(27, 22, 1), local(28, 10), local(30, 8, 59)):
        sweep(instant)
    assert notices(Kind.SLA_WARNING) + notices(Kind.SLA_BREACH) == []
    sweep(local(30, 9))
    assert clock(ticket).state == ClockState.BREACHED
    assert {n.kind for n in Notification.objects.filter(ticket=ticket)} >= {Kind.SLA_BREACH}
    assert notices(Kind.SLA_WARNING) == []  # no late warning once the breach is known


def test_a_check_that_comes_round_after_closing_is_moved_to_the_opening(
    globex_s2, act, sweep, personas
):
    first = clock(globex_s2)
    SLAClock.objects.filter(pk=first.pk).update(next_check_at=local(27, 16, 59))
    # The sweep runs late (workers busy, a missed minute): the office has closed.
    assert sweep(local(27, 17, 2))["clocks"] == 1
    assert notices(Kind.SLA_WARNING) == []
    assert clock(globex_s2).next_check_at == local(30, 9)
    sweep(local(30, 9))
    assert clock(globex_s2).state == ClockState.BREACHED


def test_no_sla_notice_of_a_business_hours_target_is_sent_while_its_calendar_is_closed(
    act, sweep, make_ticket, personas
):
    """A week of tickets logged, paused, resumed and re-graded at all hours, swept every
    20 minutes: every warning, update reminder and breach of a vendor-calendar target is
    dated inside its opening hours; the 24x7 ones fire at any hour."""
    customer, agent = personas.admin_b, personas.agent
    made: dict[str, object] = {}

    def log(name, severity, requester=customer):
        return lambda: made.update({name: make_ticket(requester=requester, severity=severity)})

    def do(func, name, *args, **kwargs):
        return lambda: func(*args, ticket=made[name], **kwargs)

    reply = services.ticket_reply
    step = services.ticket_transition
    timeline = [
        (local(25, 10), log("day", "S2")),
        (local(25, 13), log("minor", "S3")),
        (local(25, 16, 50), log("closing", "S1")),
        (local(25, 21, 30), log("night", "S2")),
        (local(25, 23), log("acme", "S1", personas.admin_a)),  # 24x7, after hours
        (local(26, 9, 30), do(reply, "closing", agent, body="Looking into it.")),
        (local(26, 10), do(step, "day", agent, action="acknowledge")),
        (local(26, 12), do(step, "night", agent, action="acknowledge")),
        (local(26, 12, 30), do(step, "night", agent, action="wait_on_customer")),
        (local(26, 16), do(step, "day", agent, action="wait_on_customer")),
        (local(26, 23, 40), do(reply, "day", customer, body="Here are the logs.")),
        (
            local(27, 20),
            do(services.ticket_set_severity, "minor", agent, severity="S2", reason="Wider impact."),
        ),  # fmt: skip
        (local(28, 3), do(reply, "night", customer, body="Saturday: here it is.")),
        (local(30, 7), do(reply, "closing", agent, body="Early update.")),
    ]
    instant = local(25, 10)
    while instant <= local(2, 18, month=12):
        while timeline and timeline[0][0] <= instant:
            when, func = timeline.pop(0)
            act(when, func)
        sweep(instant)
        instant += dt.timedelta(minutes=20)

    found = Notification.objects.filter(kind__in=SLA_NOTICES)
    calendars = {"vendor": set(), "24x7": set()}
    for notice in found:
        clock_id = int(notice.event_key.split(":")[1])
        owner = SLAClock.objects.select_related("calendar", "ticket").get(pk=clock_id)
        cal = engine_calendar(owner.calendar)
        calendars["24x7" if cal.always_open else "vendor"].add(notice.kind)
        if not cal.always_open:
            assert engine.is_open(cal, notice.created_at), (
                f"{notice.kind} of the {owner.kind} of {owner.ticket.reference} at "
                f"{notice.created_at.astimezone(local(1, 0).tzinfo):%a %d %H:%M}"
            )
    # The week saw every kind of notice on the vendor calendar, and 24x7 ones at night.
    assert calendars["vendor"] == {Kind.SLA_WARNING, Kind.SLA_BREACH, Kind.UPDATE_DUE}
    assert Notification.objects.filter(ticket=made["acme"], kind=Kind.SLA_BREACH).exists()
    assert connection.vendor == "postgresql"


# --- Raised to critical after hours -----------------------------------------------------


def test_a_ticket_raised_to_s1_after_hours_is_triaged_and_pages_on_call(act, make_ticket, personas):
    ticket = act(local(25, 10), make_ticket, severity="S2")
    act(local(25, 10, 5), services.ticket_assign, personas.manager, ticket=ticket,
        assignee=personas.agent)  # fmt: skip
    ticket = act(
        local(25, 22),
        services.ticket_set_severity,
        personas.agent,
        ticket=ticket,
        severity="S1",
        reason="Invoicing has stopped at every branch.",
    )
    triage = clock(ticket, "triage")
    assert (triage.state, triage.started_at, triage.due_at) == (
        ClockState.RUNNING,
        local(25, 22),
        local(25, 22, 15),
    )
    page = OnCallPage.objects.get(ticket=ticket)
    assert (page.reason, page.paged_at) == (PageReason.RAISED, local(25, 22))
    # The on-call agent takes it on: the triage is met.
    act(local(25, 22, 10), services.ticket_reply, personas.agent, ticket=ticket,
        body="On it; status in an hour.")  # fmt: skip
    assert clock(ticket, "triage").state == ClockState.MET


def test_a_ticket_raised_to_s1_in_office_hours_gets_no_after_hours_triage(
    act, make_ticket, personas
):
    ticket = act(local(25, 10), make_ticket, severity="S2")
    act(
        local(25, 11),
        services.ticket_set_severity,
        personas.agent,
        ticket=ticket,
        severity="S1",
        reason="Invoicing has stopped.",
    )
    assert not SLAClock.objects.filter(ticket=ticket, kind="triage").exists()
    assert not OnCallPage.objects.filter(ticket=ticket).exists()


def test_assigning_a_raised_ticket_meets_its_triage(act, make_ticket, personas):
    ticket = act(local(25, 10), make_ticket, severity="S2")
    act(local(25, 10, 5), services.ticket_assign, personas.manager, ticket=ticket,
        assignee=personas.manager)  # fmt: skip
    ticket = act(
        local(25, 22),
        services.ticket_set_severity,
        personas.manager,
        ticket=ticket,
        severity="S1",
        reason="Down for everyone.",
    )
    act(local(25, 22, 5), services.ticket_assign, personas.manager, ticket=ticket,
        assignee=personas.agent)  # fmt: skip
    assert clock(ticket, "triage").state == ClockState.MET
