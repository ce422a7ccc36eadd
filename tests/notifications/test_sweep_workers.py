"""The SLA sweep under load, with a real Celery worker of two processes on PostgreSQL.

Two sweeps run at once, every two seconds, while tickets are being logged, re-graded,
paused and resumed, and the very tickets whose clocks come due are edited over and over.
Every due clock must warn once and breach once, on time: none skipped for good, none
checked later than the sweep after its instant (plus the worker's processing time), no
error in any thread or worker process.
"""

import datetime as dt
import itertools
import re
import threading
import time

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications.models import Kind, Notification, OutboundEmail, OutboundState
from notifications.tasks import sla_sweep
from sla.models import ClockState, SLAClock
from tests.conftest import wait_for
from tests.notifications.conftest import worker_processes_running
from tickets import services
from tickets.models import Ticket

SWEEP = dt.timedelta(seconds=2)
# What a check may take on top of the sweep's interval: the broker's round trip and the
# worker's two processes working through every check of a sweep (two sweeps' worth).
PROCESSING = dt.timedelta(seconds=5)
DUE_CLOCKS = 16


@pytest.fixture
def worker_processes(transactional_db):
    """``celery worker`` with two prefork processes on the test database and the test
    broker; yields the path of its log."""
    with worker_processes_running(name="sweep", concurrency=2) as log:
        yield log


class Loop(threading.Thread):
    """Repeat an action until stopped, on its own database connection; any exception
    is kept, and fails the test."""

    def __init__(self, name: str, action, pause: float, errors: list) -> None:
        super().__init__(name=name, daemon=True)
        self.action, self.pause, self.errors = action, pause, errors
        self.stopped = threading.Event()
        self.runs = 0

    def run(self) -> None:
        try:
            # Test code works across organisations (tests/conftest.py), in every thread.
            with scopes_disabled():
                while not self.stopped.is_set():
                    self.action()
                    self.runs += 1
                    self.stopped.wait(self.pause)
        except Exception as error:
            self.errors.append(f"{self.name}: {error!r}")
        finally:
            close_old_connections()
            connection.close()


@pytest.mark.django_db(transaction=True)
def test_every_due_clock_warns_once_and_breaches_once_on_time_under_load(
    worker_processes, personas, make_ticket
):
    agent, glbx = personas.agent, personas.admin_b
    due_tickets = [make_ticket(title=f"Due {n}") for n in range(DUE_CLOCKS)]
    pausing = [make_ticket(requester=glbx, severity="S2", title=f"Pausing {n}") for n in range(3)]
    for ticket in pausing:
        services.ticket_assign(agent, ticket=ticket, assignee=agent)
    # Only the first responses of the due tickets come due during the test: warnings
    # a few seconds from now, in four waves half a second apart, deadlines 8 s later.
    later = timezone.now() + dt.timedelta(days=1)
    SLAClock.objects.exclude(state__in=[ClockState.MET, ClockState.CANCELLED]).update(
        next_check_at=later, due_at=later, warn_at=later
    )
    start = timezone.now() + dt.timedelta(seconds=3)
    clocks = []
    for n, ticket in enumerate(due_tickets):
        warn = start + dt.timedelta(seconds=0.5 * (n % 4))
        clock = SLAClock.objects.get(ticket=ticket, kind="first_response")
        SLAClock.objects.filter(pk=clock.pk).update(
            warn_at=warn, due_at=warn + dt.timedelta(seconds=8), next_check_at=warn
        )
        clocks.append(clock.pk)
    last_due = start + dt.timedelta(seconds=9.5)

    errors: list[str] = []
    priorities = itertools.cycle(["high", "urgent", "medium"])
    counter = itertools.count()

    def edit_due_tickets():
        for ticket in due_tickets:
            services.ticket_set_priority(agent, ticket=ticket, priority=next(priorities))

    def log_tickets():
        n = next(counter)
        make_ticket(requester=glbx if n % 2 else personas.admin_a, title=f"New {n}")

    def pause_and_resume():
        for ticket in pausing:
            fresh = Ticket.objects.get(pk=ticket.pk)
            action = "resume" if fresh.status == "waiting_on_customer" else "wait_on_customer"
            services.ticket_transition(agent, ticket=fresh, action=action)

    def sweep():
        sla_sweep()

    loops = [
        Loop("sweep A", sweep, SWEEP.total_seconds(), errors),
        Loop("edits", edit_due_tickets, 0.05, errors),
        Loop("intake", log_tickets, 0.5, errors),
        Loop("pauses", pause_and_resume, 0.1, errors),
    ]
    second_sweep = Loop("sweep B", sweep, SWEEP.total_seconds(), errors)
    for loop in loops:
        loop.start()
    time.sleep(SWEEP.total_seconds() / 2)  # the two sweeps overlap their checks
    second_sweep.start()
    sweeps = [loops[0], second_sweep]

    def settled() -> bool:
        return timezone.now() > last_due + SWEEP and SLAClock.objects.filter(
            pk__in=clocks, state=ClockState.BREACHED
        ).count() == len(clocks)

    try:
        assert wait_for(settled, timeout=90), "some clocks never breached"
    finally:
        for loop in [*loops, second_sweep]:
            loop.stopped.set()
        for loop in [*loops, second_sweep]:
            loop.join(timeout=30)
    assert errors == []
    assert all(loop.runs > 3 for loop in loops), [(loop.name, loop.runs) for loop in loops]
    assert sum(loop.runs for loop in sweeps) >= 8

    for clock in SLAClock.objects.filter(pk__in=clocks).select_related("ticket"):
        assert clock.warned_at is not None, f"{clock.ticket} breached with no warning"
        assert clock.warn_at <= clock.warned_at < clock.warn_at + SWEEP + PROCESSING
        assert clock.breached_at == clock.due_at
        notices = Notification.objects.filter(event_key__startswith=f"clock:{clock.pk}:")
        warned = [n for n in notices if n.kind == Kind.SLA_WARNING]
        breached = [n for n in notices if n.kind == Kind.SLA_BREACH]
        assert [n.recipient for n in warned] == [agent]
        assert [n.recipient for n in breached] == [personas.manager]
        assert breached[0].created_at < clock.due_at + SWEEP + PROCESSING
    # Every notice mailed once, and sent by the worker.
    emails = OutboundEmail.objects.filter(
        kind__in=[Kind.SLA_WARNING, Kind.SLA_BREACH], ticket__in=due_tickets
    )
    assert emails.count() == 2 * DUE_CLOCKS
    assert wait_for(lambda: not emails.exclude(state=OutboundState.SENT).exists(), timeout=30), (
        list(emails.values_list("state", "last_error"))
    )

    output = worker_processes.read_text()
    assert "stayed locked" not in output, "a check gave up waiting for a lock"
    assert not re.search(r"Traceback|\bERROR\b|deadlock", output), output[-5000:]
