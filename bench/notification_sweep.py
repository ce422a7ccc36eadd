"""Benchmark of the SLA sweep: `python bench/notification_sweep.py [--tickets 1000000]`.

Builds, in a PostgreSQL database of its own (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/helpdesk_bench_sweep``, created and migrated if
missing), N tickets of which 50,000 are open with a running clock each, and 100 of
those clocks due this minute. Then it times the beat task ``sla_sweep`` (finding the due
clocks, pages and emails, and enqueueing one task per due clock onto an in-memory
broker), counts its queries, shows PostgreSQL's plan for the clock query, and times the
100 per-row tasks that follow (run in-process, with anymail's test backend).
"""

import argparse
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench_sweep")
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ["EMAIL_BACKEND"] = "anymail.backends.test.EmailBackend"
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

OPEN = 50_000
DUE = 100


def ensure_database() -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    admin = psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres",
        password=db["PASSWORD"] or None, autocommit=True,
    )  # fmt: skip
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
    if not exists:
        admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
    admin.close()


def build(total: int) -> None:
    """N tickets (the first 50,000 open), one running clock per open ticket."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from accounts.models import Membership, Organization, User
    from sla.models import BusinessCalendar, SLAClock
    from tickets.models import Ticket

    with scopes_disabled():
        if Ticket.objects.count() >= total:
            return
        print(f"building {total:,} tickets, {OPEN:,} open with a running clock…", flush=True)
        Ticket.objects.all().delete()
        organization, _ = Organization.objects.get_or_create(code="BENCH", name="Bench Ltd")
        requester = User.objects.filter(email="bench@bench.example").first()
        if requester is None:
            requester = User.objects.create_user("bench@bench.example", None, full_name="Bench")
            Membership.objects.create(organization=organization, user=requester, role="admin")
            # The team that hears the warnings of these unassigned tickets.
            User.objects.create_user(
                "agent@bench.example", None, full_name="Bench Agent", staff_role="agent"
            )
        template = Ticket.objects.create(
            organization=organization,
            number=1,
            reference="BENCH-1",
            title="Bench",
            description="Bench",
            severity="S2",
            requester=requester,
            status="in_progress",
        )
        clock = SLAClock.objects.create(
            ticket=template,
            organization=organization,
            kind="resolution",
            calendar=BusinessCalendar.objects.get(name="24x7"),
            amount=30,
            unit="business_days",
            severity="S2",
            started_at=timezone.now(),
            due_at=timezone.now() + dt.timedelta(days=30),
        )
    replaced = {
        "number": "g",
        "reference": "'BENCH-' || g",
        "status": f"CASE WHEN g <= {OPEN + 1} THEN 'in_progress' ELSE 'closed' END",
    }
    with connection.cursor() as cursor:
        ticket_columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, "tickets_ticket")
            if c.name != "id"
        ]
        selected = ", ".join(replaced.get(c, f"t.{c}") for c in ticket_columns)
        cursor.execute(
            f"INSERT INTO tickets_ticket ({', '.join(ticket_columns)}) "  # noqa: S608
            f"SELECT {selected} FROM tickets_ticket t, generate_series(2, %s) g "
            "WHERE t.id = %s",
            [total, template.pk],
        )
        clock_columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, "sla_slaclock")
            if c.name != "id"
        ]
        # Not due for days, except the 100 that fell due half a minute ago.
        clock_replaced = {
            "ticket_id": "t.id",
            "next_check_at": f"CASE WHEN t.number <= {DUE + 1} THEN now() - interval '30 seconds' "
            "ELSE now() + (t.number || ' minutes')::interval END",
        }
        selected = ", ".join(clock_replaced.get(c, f"c.{c}") for c in clock_columns)
        cursor.execute(
            f"INSERT INTO sla_slaclock ({', '.join(clock_columns)}) "  # noqa: S608
            f"SELECT {selected} FROM tickets_ticket t, sla_slaclock c "
            "WHERE c.id = %s AND t.status = 'in_progress' AND t.id <> %s",
            [clock.pk, template.pk],
        )
        cursor.execute("DELETE FROM sla_slaclock WHERE id = %s", [clock.pk])
        cursor.execute("UPDATE tickets_ticket SET status = 'closed' WHERE id = %s", [template.pk])
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("ANALYZE sla_slaclock")


def reset_due() -> None:
    """Make the same 100 clocks due again half a minute ago, with nothing sent yet, so
    every run measures the same minute."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_slaclock c SET next_check_at = now() - interval '30 seconds', "
            "warned_at = NULL, state = 'running' FROM tickets_ticket t "
            "WHERE c.ticket_id = t.id AND t.number <= %s",
            [DUE + 1],
        )
        for table in ("notifications_outboundemail", "notifications_notification"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def measure() -> None:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from helpdesk.celery import app
    from notifications.tasks import sla_clock_check, sla_sweep
    from sla.models import SLAClock
    from tickets.models import Ticket

    with scopes_disabled():
        print(
            f"tickets {Ticket.objects.count():,}, open {Ticket.objects.open().count():,}, "
            f"running clocks {SLAClock.objects.filter(state='running').count():,}, "
            f"due now {SLAClock.objects.due_for_check(timezone.now()).count():,}"
        )
        with connection.cursor() as cursor:
            sql, params = (
                SLAClock.objects.due_for_check(timezone.now())
                .order_by("next_check_at")
                .values_list("pk", flat=True)
                .query.sql_with_params()
            )
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print("plan of the clock query:")
            for (line,) in cursor.fetchall():
                print("   ", line)

    with scopes_disabled():
        SLAClock.objects.filter(pk=0).exists()  # warm up the connection
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = sla_sweep()
        elapsed = time.perf_counter() - started
    in_database = sum(float(query["time"]) for query in queries.captured_queries)
    print(
        f"sla_sweep: {elapsed * 1000:.1f} ms, {len(queries)} queries taking "
        f"{in_database * 1000:.1f} ms, found {result}; the rest is publishing one task per "
        "due clock"
    )
    for query in queries.captured_queries:
        print(f"    {float(query['time']) * 1000:6.1f} ms  {query['sql'][:110]}")

    app.conf.task_always_eager = True
    with scopes_disabled():
        due = list(SLAClock.objects.due_for_check(timezone.now()).values_list("pk", flat=True))
    mail.outbox = []
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for clock_id in due:
            sla_clock_check(clock_id)
        elapsed = time.perf_counter() - started
    print(
        f"{len(due)} per-row tasks: {elapsed * 1000:.0f} ms in all, "
        f"{len(queries) / max(len(due), 1):.1f} queries each, {len(mail.outbox)} emails sent"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    args = parser.parse_args()

    ensure_settings_and_database()
    build(args.tickets)
    reset_due()
    measure()


def ensure_settings_and_database() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)
    ensure_database()
    call_command("migrate", verbosity=0)


if __name__ == "__main__":
    main()
