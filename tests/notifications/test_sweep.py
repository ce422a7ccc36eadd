"""The SLA sweep: warnings, breaches and update reminders at the right minute, on-call
paging after hours, and every notice exactly once however often the sweep runs.

ACME is on Privilege: an S1 has its first response due 2 hours after logging, around
the clock, warned at 75% (1 h 30); public updates every 2 hours until a workaround;
after hours (vendor calendar Mon-Fri 09:00-17:00 Budapest closed) a triage target of
15 minutes. Instants are in Budapest, 25 November 2026 (a Wednesday, CET).
"""

import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django_scopes import scopes_disabled

from accounts.models import Organization, Team
from notifications import selectors
from notifications.models import Kind, OnCallPage, OnCallShift, OutboundEmail, OutboundState
from notifications.tasks import sla_clock_check, sla_sweep
from sla.models import ClockState, SLAClock
from tests import factories
from tests.conftest import wait_for
from tests.notifications.conftest import local
from tickets import services

pytestmark = pytest.mark.django_db


def mails(kind: str) -> list:
    return sorted(
        (message.to[0], message.subject)
        for message in mail.outbox
        if OutboundEmail.objects.filter(
            message_id=message.extra_headers["Message-ID"], kind=kind
        ).exists()
    )


@pytest.fixture
def critical(make_ticket, at, personas):
    """An S1 logged at 10:00, while the vendor is open, assigned to the agent."""
    at(local(25, 10))
    ticket = make_ticket()
    services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    return ticket


def test_the_assignee_is_warned_at_the_warning_minute_and_not_before(critical, sweep, personas):
    assert sweep(local(25, 11, 29))["clocks"] == 0
    assert mails(Kind.SLA_WARNING) == []

    assert sweep(local(25, 11, 30))["clocks"] == 1
    assert mails(Kind.SLA_WARNING) == [
        (
            personas.agent.email,
            f"[{critical.reference}] First response due 12:00 CET: {critical.title}",
        )
    ]


def test_an_unassigned_ticket_warns_every_agent_when_its_customer_has_no_team(
    make_ticket, at, sweep, personas
):
    at(local(25, 10))
    second_agent = factories.StaffFactory()
    ticket = make_ticket()

    sweep(local(25, 11, 30))

    assert {to for to, _ in mails(Kind.SLA_WARNING)} == {personas.agent.email, second_agent.email}
    assert all(
        subject.startswith(f"[{ticket.reference}]") for _, subject in mails(Kind.SLA_WARNING)
    )


def test_an_unassigned_ticket_warns_only_the_team_that_looks_after_its_customer(
    make_ticket, at, sweep, personas
):
    at(local(25, 10))
    outsider = factories.StaffFactory()
    teammate = factories.StaffFactory()
    team = Team.objects.create(name="EMEA support")
    team.members.add(personas.agent, teammate, personas.manager)  # managers are not paged here
    ticket = make_ticket()
    Organization.objects.filter(pk=ticket.organization_id).update(support_team=team)

    sweep(local(25, 11, 30))

    warned = {to for to, _ in mails(Kind.SLA_WARNING)}
    assert warned == {personas.agent.email, teammate.email}
    assert outsider.email not in warned


def test_a_breach_is_recorded_at_the_deadline_minute_and_reaches_managers_and_the_cem(
    critical, sweep, personas
):
    other_manager = factories.ManagerFactory()
    sweep(local(25, 11, 30))
    sweep(local(25, 11, 59))
    assert mails(Kind.SLA_BREACH) == []

    sweep(local(25, 12, 0))

    clock = SLAClock.objects.get(ticket=critical, kind="first_response")
    assert clock.state == ClockState.BREACHED
    assert clock.breached_at == local(25, 12)
    subject = f"[{critical.reference}] SLA breached (first response): {critical.title}"
    # Mona is a manager and ACME's CEM: one email. The assignee hears too.
    assert mails(Kind.SLA_BREACH) == sorted(
        [
            (personas.manager.email, subject),
            (other_manager.email, subject),
            (personas.agent.email, subject),
        ]
    )


def test_the_assignee_is_reminded_when_an_update_to_the_customer_is_due(
    critical, at, sweep, personas
):
    at(local(25, 10, 10))
    services.ticket_reply(personas.agent, ticket=critical, body="Looking into it.")
    # The next update is due two hours after that reply, at 12:10; reminded at 11:40.
    sweep(local(25, 11, 39))
    assert mails(Kind.UPDATE_DUE) == []

    sweep(local(25, 11, 40))

    assert mails(Kind.UPDATE_DUE) == [
        (
            personas.agent.email,
            f"[{critical.reference}] Customer update due 12:10 CET: {critical.title}",
        )
    ]
    assert "owed a status update" in mail.outbox[-1].body


def test_the_sweep_run_twice_in_the_same_minute_sends_each_notice_once(critical, sweep):
    sweep(local(25, 11, 30))
    sweep(local(25, 11, 30))
    sweep(local(25, 12, 0))
    sweep(local(25, 12, 0))

    assert len(mails(Kind.SLA_WARNING)) == 1
    assert len(mails(Kind.SLA_BREACH)) == 2  # the manager (also the CEM) and the assignee
    assert len(mail.outbox) == len({m.extra_headers["Message-ID"] for m in mail.outbox})


def test_a_paused_clock_is_not_swept(critical, at, sweep, personas):
    at(local(25, 10, 30))
    services.ticket_transition(personas.agent, ticket=critical, action="wait_on_customer")

    assert sweep(local(25, 13))["clocks"] == 0
    assert mails(Kind.SLA_BREACH) == []


def test_the_sweep_reads_only_due_clocks_by_the_next_deadline_index(critical, at):
    at(local(25, 11, 30))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table would be scanned anyway
        with scopes_disabled():
            query = SLAClock.objects.due_for_check(local(25, 11, 30)).values("pk").query
        sql, params = query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "clock_sweep_idx" in plan


# --- On call ---------------------------------------------------------------------------------


@pytest.fixture
def rota(personas):
    """The agent holds the week's rota; Olga overrides 21:00-23:00 on Wednesday."""
    olga = factories.StaffFactory(full_name="Olga Override")
    OnCallShift.objects.create(
        user=personas.agent, starts_at=local(23, 9), ends_at=local(30, 9), is_override=False
    )
    OnCallShift.objects.create(
        user=olga, starts_at=local(25, 21), ends_at=local(25, 23), is_override=True
    )
    return olga


def test_who_is_on_call_is_the_override_covering_the_instant_else_the_rota(rota, personas):
    assert selectors.on_call_at(local(25, 20, 59)) == personas.agent
    assert selectors.on_call_at(local(25, 21)) == rota
    assert selectors.on_call_at(local(25, 22, 59)) == rota
    assert selectors.on_call_at(local(25, 23)) == personas.agent
    assert selectors.on_call_at(local(30, 9)) is None


def test_a_critical_ticket_logged_after_hours_pages_the_on_call_agent(
    rota, make_ticket, at, deliver, personas
):
    at(local(25, 22))
    with deliver():
        ticket = make_ticket()

    page = OnCallPage.objects.get(ticket=ticket)
    assert page.paged_user == rota
    assert page.answer_due_at == local(25, 23)
    assert mails(Kind.ONCALL_PAGE) == [
        (
            rota.email,
            f"[{ticket.reference}] On call: new critical ticket after hours: {ticket.title}",
        )
    ]
    assert "Month-end close is blocked." in mail.outbox[-1].body


def test_a_critical_ticket_in_business_hours_pages_nobody(rota, make_ticket, at, deliver):
    at(local(25, 10))
    with deliver():
        make_ticket()

    assert not OnCallPage.objects.exists()
    assert mails(Kind.ONCALL_PAGE) == []


def test_an_empty_rota_pages_the_managers(make_ticket, at, deliver, personas):
    at(local(25, 22))
    with deliver():
        make_ticket()

    assert [to for to, _ in mails(Kind.ONCALL_PAGE)] == [personas.manager.email]


def test_no_status_notification_within_the_hour_escalates_to_the_managers_once(
    rota, make_ticket, at, deliver, sweep, personas
):
    at(local(25, 22))
    with deliver():
        ticket = make_ticket()
    services.ticket_assign(rota, ticket=ticket, assignee=rota)  # triaged, but no word sent

    sweep(local(25, 22, 59))
    assert mails(Kind.ONCALL_ESCALATION) == []
    sweep(local(25, 23))
    sweep(local(25, 23, 1))

    assert mails(Kind.ONCALL_ESCALATION) == [
        (
            personas.manager.email,
            f"[{ticket.reference}] No status notification within the hour: {ticket.title}",
        )
    ]
    assert OnCallPage.objects.get(ticket=ticket).escalated_at == local(25, 23)


def test_a_status_notification_with_an_estimate_within_the_hour_settles_the_page(
    rota, make_ticket, at, deliver, sweep, personas
):
    at(local(25, 22))
    with deliver():
        ticket = make_ticket()
    at(local(25, 22, 10))
    services.ticket_assign(rota, ticket=ticket, assignee=rota)
    services.ticket_link_tracker(
        rota,
        ticket=ticket,
        reference="",
        url="",
        estimated_resolution=dt.date(2026, 11, 26),
    )
    services.ticket_reply(rota, ticket=ticket, body="Fix expected tomorrow morning.")

    sweep(local(25, 23))

    page = OnCallPage.objects.get(ticket=ticket)
    assert page.answered_at == local(25, 23)
    assert page.escalated_at is None
    assert mails(Kind.ONCALL_ESCALATION) == []


def test_a_critical_deadline_breached_after_hours_pages_the_on_call_agent(
    rota, make_ticket, at, deliver, sweep, personas
):
    at(local(25, 22))
    with deliver():
        ticket = make_ticket()

    sweep(local(25, 22, 15))  # the 15-minute after-hours triage target runs out

    pages = OnCallPage.objects.filter(ticket=ticket).order_by("paged_at")
    assert [p.reason for p in pages] == ["created", "breach"]
    assert [to for to, _ in mails(Kind.ONCALL_PAGE)] == [rota.email, rota.email]
    assert any(
        "critical deadline breached after hours" in subject
        for _, subject in mails(Kind.ONCALL_PAGE)
    )


# --- A real worker ---------------------------------------------------------------------------


def _drain() -> None:
    """Wait until the worker has run everything queued so far: it takes one task at a
    time in order, so once a sentinel email enqueued now is sent, all before it ran."""
    from notifications import emails, services
    from notifications.tasks import send_email

    with scopes_disabled():
        sentinel = services.outbound_write(
            key={"kind": Kind.UNKNOWN_SENDER, "event_key": f"drain:{time.monotonic_ns()}"},
            recipient="drain@helpdesk.test",
            rendered=emails.Rendered(subject="drain", text="drain", html=""),
        )
    send_email.delay(sentinel.pk)

    def sent():
        with scopes_disabled():
            return OutboundEmail.objects.get(pk=sentinel.pk).state == OutboundState.SENT

    assert wait_for(sent)


@pytest.mark.django_db(transaction=True)
def test_the_sweep_twice_and_workers_in_parallel_send_every_notice_exactly_once(
    celery_worker, personas, make_ticket, time_machine
):
    """Two beats enqueue every due clock twice for the real worker over Redis while
    three more workers (threads, each with its own database connection) run the same
    per-row task for every clock at the same moment: each notice is sent once."""
    time_machine.move_to(local(25, 10), tick=True)
    with scopes_disabled():
        tickets = [make_ticket(title=f"Outage {n}") for n in range(4)]
        for ticket in tickets:
            services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    # The clock ticks (the worker needs it to), so the warnings fell due a moment after
    # 11:30; a minute later they all have.
    time_machine.move_to(local(25, 11, 31), tick=True)
    with scopes_disabled():
        clock_ids = list(
            SLAClock.objects.filter(ticket__in=tickets, kind="first_response").values_list(
                "pk", flat=True
            )
        )
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def other_worker():
        barrier.wait()
        try:
            for clock_id in clock_ids:
                sla_clock_check(clock_id)
        except BaseException as error:  # a deadlock, or any other: the test fails
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=other_worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    barrier.wait()
    sla_sweep()
    sla_sweep()
    for thread in threads:
        thread.join()
    assert errors == []

    def all_sent():
        with scopes_disabled():
            warnings = OutboundEmail.objects.filter(kind=Kind.SLA_WARNING)
            return warnings.count() == 4 and not warnings.exclude(state=OutboundState.SENT)

    assert wait_for(all_sent)
    sla_sweep()
    _drain()
    with scopes_disabled():
        assert OutboundEmail.objects.filter(kind=Kind.SLA_WARNING).count() == 4
    warnings = [m for m in mail.outbox if "First response due" in m.subject]
    assert sorted(m.subject for m in warnings) == sorted(
        f"[{t.reference}] First response due 12:00 CET: {t.title}" for t in tickets
    )
    assert {m.to[0] for m in warnings} == {personas.agent.email}
