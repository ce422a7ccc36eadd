"""seed_bench at 2,000 tickets: the counts, every table filled, references, the open
tickets' running clocks exactly as the clock service computes them, and the refusal to
run twice. (The benchmark's own database never enters the test suite.)"""

import copy
import os
import subprocess
import sys
from collections import Counter, defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Min, Q
from django.test import override_settings

from accounts.models import Membership, Organization, StaffRole, User
from helpdesk.management.commands.seed_bench import BENCH_PASSWORD
from sla import engine
from sla import services as clock_service
from sla.models import ClockState, Contract, SLAClock
from tickets.models import (
    OPEN_STATUSES,
    Attachment,
    EscalationRequest,
    Reply,
    Ticket,
    TicketCounter,
    TicketEvent,
)

ROOT = Path(__file__).resolve().parents[2]
TICKETS = 2_000
MD5_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Seeded once for the module, in a transaction rolled back at its end; each test
    runs in a savepoint inside it."""
    # Like every test here, hash with the fast test hasher (tests/conftest.py).
    fast_hashing = override_settings(PASSWORD_HASHERS=[MD5_HASHER])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        call_command("seed_bench", tickets=TICKETS, jobs=1, stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    return None


def test_seed_bench_writes_the_people_organisations_and_tickets_asked_for(seeded):
    assert Organization.objects.count() == 1_000
    assert Contract.objects.count() == 1_000
    tiers = Counter(Contract.objects.values_list("tier__slug", flat=True))
    assert set(tiers) == {"base", "standard", "privilege", "24x7"}
    staff = Counter(User.objects.exclude(staff_role="").values_list("staff_role", flat=True))
    assert staff[StaffRole.AGENT] + staff[StaffRole.SPECIALIST] == 50
    assert staff[StaffRole.MANAGER] == 5
    assert Membership.objects.count() == 20_000
    assert Membership.objects.filter(role="admin").values("organization").distinct().count() == (
        1_000
    )
    assert Ticket.objects.count() == TICKETS
    replies_per_ticket = Reply.objects.count() / TICKETS
    assert 3.0 < replies_per_ticket < 5.5
    for model in (TicketEvent, Attachment, EscalationRequest, SLAClock, TicketCounter):
        assert model.objects.exists(), model.__name__
    assert Ticket.watchers.through.objects.exists()


def test_every_user_signs_in_with_the_one_password_hashed_once(seeded):
    assert User.objects.values("password").distinct().count() == 1
    assert User.objects.order_by("?").first().check_password(BENCH_PASSWORD)


def test_references_are_unique_and_sequential_per_organisation_in_creation_order(seeded):
    counters = dict(TicketCounter.objects.values_list("organization_id", "last_number"))
    numbers = defaultdict(list)
    for org_id, code, number, reference in Ticket.objects.order_by("created_at", "id").values_list(
        "organization_id", "organization__code", "number", "reference"
    ):
        assert reference == f"{code}-{number}"
        numbers[org_id].append(number)
    for org_id, seen in numbers.items():
        assert seen == list(range(1, len(seen) + 1))
        assert counters[org_id] == len(seen)
    assert all(counters[org.pk] == 0 for org in Organization.objects.exclude(pk__in=numbers))
    assert Ticket.objects.values("reference").distinct().count() == TICKETS


def test_about_five_percent_are_open_with_clocks_as_the_clock_service_runs_them(seeded):
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    assert 0.03 < open_tickets.count() / TICKETS < 0.07
    running = list(
        SLAClock.objects.filter(state=ClockState.RUNNING).select_related("calendar", "ticket")
    )
    assert len(running) > 20
    for clock in running:
        assert clock.ticket.status in OPEN_STATUSES
        expected = copy.copy(clock)
        # The service's own due, warning and next check (from the clock's start on).
        clock_service._schedule(expected, at=expected.started_at)
        assert (clock.due_at, clock.warn_at) == (expected.due_at, expected.warn_at)
        assert clock.next_check_at == expected.next_check_at
    # The queues' urgency column is the earliest deadline still owed, a breached one too,
    # with the calendar of its clock.
    owed = SLAClock.objects.filter(
        Q(state=ClockState.RUNNING) | Q(state=ClockState.BREACHED, met_at__isnull=True)
    )
    earliest = dict(owed.values_list("ticket").annotate(first=Min("due_at")))
    for ticket in open_tickets.filter(pk__in=earliest):
        assert ticket.sla_due_at == earliest[ticket.pk]
        setting = owed.filter(ticket=ticket, due_at=ticket.sla_due_at).first()
        assert ticket.sla_due_calendar_id == setting.calendar_id
    assert not open_tickets.exclude(pk__in=earliest).exclude(sla_due_at=None).exists()
    on_open = SLAClock.objects.filter(ticket__in=open_tickets)
    assert on_open.filter(warned_at__isnull=False).exists()
    assert on_open.filter(state=ClockState.BREACHED, met_at__isnull=True).exists()
    assert on_open.filter(state=ClockState.PAUSED, due_at__isnull=True).exists()


def test_settled_clocks_record_open_time_and_lateness_as_the_engine_counts_them(seeded):
    settled = SLAClock.objects.filter(met_at__isnull=False).select_related("calendar")
    assert settled.count() > TICKETS // 2
    for clock in settled.order_by("pk")[:300]:
        cal = clock_service.engine_calendar(clock.calendar)
        due = engine.deadline(cal, clock.started_at, clock.amount, clock.unit)
        assert clock.due_at == due
        elapsed = engine.open_time_between(cal, clock.started_at, clock.met_at)
        assert clock.elapsed_open_minutes == int(elapsed.total_seconds() // 60)
        if clock.met_at > due:
            assert clock.state == ClockState.BREACHED and clock.breached_at == due
            late = engine.late_by(cal, due, clock.met_at)
            assert clock.late_minutes == int(late.total_seconds() // 60)
        else:
            assert clock.state == ClockState.MET


def test_the_largest_organisation_has_many_times_the_average_share(seeded):
    sizes = sorted(
        Ticket.objects.values("organization").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    assert sizes[-1] > 10 * TICKETS / 1_000


def test_a_second_run_refuses_instead_of_mixing_two_data_sets(seeded):
    with pytest.raises(CommandError, match="refuses to run twice"):
        call_command("seed_bench", tickets=10, jobs=1, stdout=StringIO())
    assert Ticket.objects.count() == TICKETS


def test_seed_bench_refuses_sqlite_with_a_clear_message(tmp_path):
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_bench", "--tickets", "10"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "seed_bench needs PostgreSQL" in result.stderr
