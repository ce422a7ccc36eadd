"""The help desk benchmark: ``.venv/bin/python bench/run.py --tickets 1000000``.

1. Creates and migrates the benchmark database (``BENCH_DATABASE_URL``, default
   postgres://postgres@127.0.0.1:5432/helpdesk_bench) and, when it holds no ticket yet,
   fills it with ``manage.py seed_bench --tickets N``; then fills the dashboard's daily
   summaries of the last 120 days (``manage.py dashboard_summaries``) as the beat task would.
2. Starts the app under gunicorn, 2 sync workers on 127.0.0.1 (DEBUG off, persistent
   database connections), signs in through the login form as an agent, a manager and
   the customer administrator of the largest organisation, and loads each page with a
   small asyncio client (httpx) at each concurrency for a bounded time and number of
   requests: p50/p95/p99 latency and throughput.
3. In this process, against the same database, counts each page's SQL queries with
   Django's test client (warm, a second request, and a variant with other data to show
   the count does not grow), runs EXPLAIN (ANALYZE, BUFFERS) on the slowest queries of
   each page, and times the queue's and the dashboard's first view with the cache emptied.
4. Lists every index of the ticket table with the pages whose plans use it (bench/indexes.py),
   dispatches some of the events its creations recorded as a worker would, times the SLA
   sweep, and deletes the tickets it created, so that the next run starts from the same data.

It prints a table with each figure's verdict against the targets (TARGET_*: met, or what
missed) and writes bench/results/latest.json, bench/results/explain.txt and, for a page
over its target, a pyinstrument profile (bench/results/profile-<page>.txt);
bench/compare.py puts several runs before and after a change side by side.
A page whose URL name does not resolve (not built yet) is reported as not available.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import indexes  # bench/indexes.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"
BENCH_BROKER = "redis://127.0.0.1:6379/15"  # a Redis database of its own, purged after
BENCH_CACHE = "redis://127.0.0.1:6379/14"  # the shared cache of production, emptied first
TARGET_P95_MS = 150.0  # every page, with 2 and with 8 requests in flight
TARGET_CREATE_PER_S = 150.0  # with 4 in flight
TARGET_CREATE_MS = 12.0  # in process
TARGET_CREATE_QUERIES = 10
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
TARGET_SEARCH_WORDS_P95_MS = 60.0
TARGET_SWEEP_S = 1.0
# The first view after the cached figures go stale, in process.
TARGET_COMPUTED_MS = {"queue": 30.0, "dashboard": 80.0}
SEARCH_CODE = "E1042"  # an error code: a few hundred tickets at a million
SEARCH_WORDS = "payroll duplicate"  # two common words: thousands of tickets
CREATED_TITLE = "Payroll export fails with error E2044"  # the tickets the run creates


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    """The settings of the app under test, for gunicorn and for this process alike."""
    broker = os.environ.get("CELERY_BROKER_URL") or (BENCH_BROKER if _redis_up() else "memory://")
    return {
        "DATABASE_URL": args.database,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "0123456789abcdef" * 4,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        # Production keeps database connections open between requests.
        "CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": broker,
        # Production shares a Redis cache between the web processes (and reads sessions
        # from it); without Redis each process keeps its own.
        "CACHE_URL": BENCH_CACHE if _redis_up() else "locmemcache://",
        "EMAIL_BACKEND": "anymail.backends.test.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        # Without production's JSON line per request, as gunicorn's --log-level below.
        "LOG_LEVEL": "WARNING",
        # The benchmark's staff have no second factor to sign in with; with one, a page
        # asks the database for it once a session (accounts.middleware).
        "STAFF_REQUIRE_MFA": "false",
    }


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def manage(*arguments: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=os.environ | env, check=True
    )
    return time.monotonic() - started


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


# --- What is measured ---------------------------------------------------------------------


@dataclass
class Page:
    key: str
    label: str
    role: str  # agent, taker, manager or customer
    url_names: list[str]  # the first that resolves is used
    method: str = "GET"
    query: str = ""
    variant_query: str = ""  # the same page with other data, for the query count
    expected: tuple[int, ...] = (200,)
    target: str = "p95"
    levels: tuple[int, ...] = ()  # requests in flight besides --concurrency's


@dataclass
class Result:
    key: str
    label: str
    url: str = ""
    available: bool = True
    queries: int | None = None
    queries_variant: int | None = None
    variant: str = ""
    load: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    explained: list[dict] = field(default_factory=list)
    in_process_ms: float | None = None  # the median of warm requests in this process
    computed_ms: float | None = None  # the first view after its cached figures went stale


def reverse_first(names: list[str], kwargs: dict | None = None) -> str | None:
    from django.urls import NoReverseMatch, reverse

    for name in names:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


@dataclass
class Fixtures:
    agent: str
    taker: str
    manager: str
    customer: str  # administrator of the largest organisation
    small_customer: str  # administrator of the smallest organisation with tickets
    ticket_20: str  # a reference with exactly 20 replies
    ticket_2: str
    largest: str
    largest_tickets: int
    tickets: int
    open_tickets: int


def pick_fixtures() -> Fixtures:
    from django.db import connection
    from django_scopes import scopes_disabled

    from helpdesk.management.commands import seed_bench as seed
    from tickets.models import OPEN_STATUSES, Ticket

    with scopes_disabled(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.code, c.last_number FROM tickets_ticketcounter c "
            "JOIN accounts_organization o ON o.id = c.organization_id "
            "WHERE o.code <> '' ORDER BY c.last_number DESC"
        )
        sizes = [row for row in cursor.fetchall() if row[1] > 0]
        replies = {}
        for count in (20, 2):
            # The newest tickets first: the reply index by ticket serves this cheaply.
            cursor.execute(
                "SELECT t.reference FROM tickets_ticket t WHERE t.id IN (SELECT ticket_id "
                "FROM tickets_reply WHERE ticket_id > (SELECT max(id) - 20000 FROM "
                "tickets_ticket) GROUP BY ticket_id HAVING count(*) = %s) ORDER BY t.id "
                "DESC LIMIT 1",
                [count],
            )
            row = cursor.fetchone()
            replies[count] = row[0] if row else ""
        total = Ticket.objects.count()
        open_count = Ticket.objects.filter(status__in=OPEN_STATUSES).count()
    domain = seed.CUSTOMER_DOMAIN
    return Fixtures(
        agent=seed.AGENT_EMAIL,
        taker=seed.TAKER_EMAIL,
        manager=seed.MANAGER_EMAIL,
        customer=f"admin@{sizes[0][0].lower()}.{domain}",
        small_customer=f"admin@{sizes[-1][0].lower()}.{domain}",
        ticket_20=replies[20],
        ticket_2=replies[2],
        largest=sizes[0][0],
        largest_tickets=sizes[0][1],
        tickets=total,
        open_tickets=open_count,
    )


def pages(fx: Fixtures) -> list[Page]:
    from django.utils import timezone

    today = timezone.localdate()
    period = f"period=custom&start={today - dt.timedelta(days=89)}&end={today}"
    week = f"period=custom&start={today - dt.timedelta(days=6)}&end={today}"
    return [
        Page(
            "queue",
            "Agent queue (open, by urgency)",
            "agent",
            ["workspace"],
            variant_query="queue=mine",
        ),
        Page(
            "take_next",
            "Take next (POST, assigns)",
            "taker",
            ["workspace_take_next"],
            method="POST",
            expected=(302,),
        ),
        Page("ticket", "Ticket page, 20 replies (agent)", "agent", ["ticket_detail"]),
        Page(
            "portal_home",
            f"Portal home, largest org ({fx.largest_tickets:,} tickets)",
            "customer",
            ["portal_home"],
        ),
        Page(
            "portal_list",
            f"Portal list, largest org ({fx.largest_tickets:,} tickets)",
            "customer",
            ["portal_ticket_list"],
        ),
        Page(
            "create",
            "Portal ticket creation (POST)",
            "customer",
            ["portal_ticket_create", "ticket_create"],
            method="POST",
            expected=(302,),
            target="rate",
            levels=(4,),
        ),
        Page(
            "search",
            f"Global search, an error code ({SEARCH_CODE})",
            "agent",
            ["workspace_search"],
            query=f"q={SEARCH_CODE}",
            variant_query=f"q={SEARCH_WORDS.replace(' ', '+')}",
        ),
        Page(
            "search_words",
            f"Global search, two words ({SEARCH_WORDS})",
            "agent",
            ["workspace_search"],
            query=f"q={SEARCH_WORDS.replace(' ', '+')}",
            variant_query=f"q={SEARCH_CODE}",
        ),
        Page(
            "dashboard",
            "Manager dashboard, 90 days",
            "manager",
            ["dashboard"],
            query=period,
            variant_query=week,
        ),
    ]


def page_url(page: Page, fx: Fixtures, *, variant: bool = False) -> str | None:
    kwargs = None
    if page.key == "ticket":
        kwargs = {"reference": fx.ticket_2 if variant else fx.ticket_20}
    url = reverse_first(page.url_names, kwargs)
    if url is None:
        return None
    query = page.variant_query if variant else page.query
    return f"{url}?{query}" if query else url


# --- Forms: sign-in and the new-ticket form -------------------------------------------------


class FormFields(HTMLParser):
    """The fields of the first POST form holding ``marker``, with their default values."""

    def __init__(self, marker: str):
        super().__init__()
        self.marker, self.forms, self.current = marker, [], None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.current = {}
        elif self.current is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and a["name"] not in self.current):
                    self.current[a["name"]] = a.get("value", "on")
            elif kind not in ("file", "submit", "button"):
                self.current[a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self.current[a["name"]] = ""
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif (
            tag == "option"
            and self.select
            and a.get("value")
            and (self.select not in self.current or "selected" in a)
        ):
            self.current[self.select] = a["value"]

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None

    def fields(self) -> dict[str, str]:
        for form in self.forms:
            if self.marker in form:
                return form
        return {}


def sign_in(base: str, email: str, password: str):
    import httpx
    from django.urls import reverse

    client = httpx.Client(base_url=base, timeout=60)
    login = reverse("login")
    client.get(login)
    response = client.post(
        login,
        # The sign-in form names its field "login" (allauth); "username" for older forms.
        data={"login": email, "username": email, "password": password},
        headers={"X-CSRFToken": client.cookies["csrftoken"], "Referer": base + login},
    )
    if response.status_code != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"could not sign in as {email}: HTTP {response.status_code}")
    return client


def creation_form(client, url: str) -> Callable[[], dict[str, str]]:
    parser = FormFields("intake_key")
    parser.feed(client.get(url).text)
    fields = parser.fields()
    if not fields:
        raise RuntimeError(f"no new-ticket form with an intake key at {url}")

    def data() -> dict[str, str]:
        return fields | {
            "title": CREATED_TITLE,
            "description": "Since this morning the payroll export times out after two minutes.",
            "type": "incident",
            "severity": "S3",
            "intake_key": uuid.uuid4().hex,  # a fresh form each time
        }

    return data


# --- Load ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


async def _load(base, cookies, method, url, data, expected, seconds, cap, concurrency) -> dict:
    import httpx

    latencies: list[float] = []
    statuses: Counter = Counter()
    issued = 0
    headers = {"X-CSRFToken": cookies.get("csrftoken", ""), "Referer": base + url}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, cookies=cookies, limits=limits, timeout=60, follow_redirects=False
    ) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal issued
            while time.perf_counter() < deadline and issued < cap:
                issued += 1
                body = data() if data else None
                started = time.perf_counter()
                try:
                    response = await client.request(method, url, data=body, headers=headers)
                    statuses[response.status_code] += 1
                except httpx.HTTPError as error:
                    statuses[type(error).__name__] += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    ok = sum(n for status, n in statuses.items() if status in expected)
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": len(latencies) - ok,
        "statuses": {str(k): v for k, v in statuses.items()},
        "seconds": round(elapsed, 2),
        "per_second": round(ok / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "helpdesk.wsgi:application"]
    command += ["--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "120"]
    command += ["--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ | env)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not listen within 30 s")


def hand_back_taken(taker_email: str) -> int:
    """Unassign what "take next" gave the benchmark's taker, so a rerun finds them again."""
    from django_scopes import scopes_disabled

    from accounts.models import User
    from tickets.models import Ticket

    with scopes_disabled():
        taker = User.objects.get(email=taker_email)
        # The benchmark's own bookkeeping, not a domain change: the history rows stay.
        return Ticket._base_manager.filter(assignee=taker).update(assignee=None)


def audit_indexes(fx, *, creation: Callable[[], dict] | None) -> dict:
    """The index audit (bench/indexes.py) in this process, signed in as each person the
    pages need; ``creation`` fills the new-ticket form (read from it when None)."""
    from django.test import Client
    from django_scopes import scopes_disabled

    from accounts.models import User

    emails = {"agent": fx.agent, "taker": fx.taker, "manager": fx.manager, "customer": fx.customer}
    with scopes_disabled():
        users = {role: User.objects.get(email=email) for role, email in emails.items()}
    users["user"] = indexes.plain_user(fx)
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    if creation is None:
        url = reverse_first(["portal_ticket_create", "ticket_create"]) or ""
        creation = creation_form(clients["customer"], url)
    result = indexes.audit(clients, fx, reverse_first, creation)
    hand_back_taken(fx.taker)
    return result


def remove_created(customer_email: str, since: dt.datetime) -> int:
    """Delete the tickets this run created (with their clocks, replies and history), so
    that every run starts from the same data: left behind, each run's thousands of new
    open tickets would make the next run's queue and dashboard count more."""
    from django_scopes import scopes_disabled

    from tickets.models import Ticket

    with scopes_disabled():
        # The benchmark's own bookkeeping, not a domain change.
        created = Ticket._base_manager.filter(
            requester__email=customer_email, title=CREATED_TITLE, created_at__gte=since
        )
        return created.delete()[1].get("tickets.Ticket", 0)


# --- In process: query counts, EXPLAIN, profiles, the sweep -----------------------------------


def in_process_request(client, page: Page, url: str, form: Callable | None):
    if page.method == "POST":
        data = form() if form else {"mode": "any"}
        return client.post(url, data)
    return client.get(url)


def count_queries(client, page: Page, url: str, form: Callable | None) -> tuple[int, list]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    in_process_request(client, page, url, form)  # warm: caches, session, templates
    with CaptureQueriesContext(connection) as captured:
        response = in_process_request(client, page, url, form)
    if response.status_code not in page.expected:
        raise RuntimeError(f"{page.key}: HTTP {response.status_code} in process")
    # Statements, as the query-count tests count them: a transaction's BEGIN and COMMIT
    # (or savepoints) are not queries of their own.
    statements = [
        query
        for query in captured.captured_queries
        if not query["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
    ]
    return len(statements), captured.captured_queries


def explain(queries: list[dict], top: int = 3) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest SELECTs, in a transaction rolled back."""
    from django.db import connection, transaction

    selects = [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    slowest = sorted(selects, key=lambda q: float(q["time"]), reverse=True)[:top]
    out = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            for query in slowest:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
                out.append({"ms": round(float(query["time"]) * 1000, 1), "sql": query["sql"],
                            "plan": plan})  # fmt: skip
        transaction.set_rollback(True)
    return out


def profile(client, page: Page, url: str, form: Callable | None) -> str:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(3):
            in_process_request(client, page, url, form)
    return profiler.output_text(unicode=True, show_all=False)


class QueryCounter:
    """Counts every query, where CaptureQueriesContext keeps only the last 9,000."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def drain_events(limit: int = 100) -> dict:
    """The worker's share of ticket creation: dispatch the first recorded events (the
    notifications and emails of the tickets the benchmark created) as a worker would,
    timed, then drop the rest (the benchmark's own bookkeeping: no worker runs here)."""
    from django.utils import timezone

    try:
        from notifications import services
        from notifications.models import PendingEvent
    except ImportError:
        return {"available": False}
    ids = list(PendingEvent.objects.order_by("pk").values_list("pk", flat=True)[:limit])
    started = time.perf_counter()
    for event_id in ids:
        services.event_dispatch(event_id=event_id, at=timezone.now())
    elapsed = time.perf_counter() - started
    dropped = PendingEvent.objects.all().delete()[0]
    return {
        "available": True,
        "dispatched": len(ids),
        "ms_per_event": round(elapsed * 1000 / len(ids), 1) if ids else None,
        "dropped": dropped,
    }


def sweep_benchmark() -> dict:
    """The beat task with 100 running clocks due this minute: first as beat runs it (find
    the clocks, enqueue one task each), then with the 100 per-clock checks run inline."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from helpdesk.celery import app
    from sla.models import ClockState, SLAClock

    try:
        from notifications.tasks import sla_sweep
    except ImportError:
        return {"available": False}
    logging.getLogger("celery").setLevel(logging.WARNING)  # one line per task otherwise
    app.conf.task_always_eager = True
    sla_sweep()  # clear the clocks that came due since the data was seeded (untimed)
    app.conf.task_always_eager = False
    with scopes_disabled():
        due = list(
            SLAClock.objects.filter(state=ClockState.RUNNING)
            .order_by("next_check_at")
            .values_list("pk", flat=True)[:100]
        )
    result: dict = {"available": True, "due": len(due)}
    try:
        from notifications.models import OutboundEmail
    except ImportError:
        OutboundEmail = None  # noqa: N806
    for mode, eager in (("beat_task", False), ("with_checks", True)):
        with scopes_disabled():
            SLAClock._base_manager.filter(pk__in=due).update(next_check_at=timezone.now())
            emails_before = OutboundEmail._base_manager.count() if OutboundEmail else 0
        app.conf.task_always_eager = eager
        counter = QueryCounter()
        try:
            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(counter):
                started = time.perf_counter()
                outcome = sla_sweep()
                elapsed = time.perf_counter() - started
        finally:
            app.conf.task_always_eager = False
        with scopes_disabled():
            emails = (OutboundEmail._base_manager.count() if OutboundEmail else 0) - emails_before
        result[mode] = {
            "seconds": round(elapsed, 3),
            "queries": counter.count,
            "emails_written": emails,
            "outcome": outcome,
        }
        if mode == "beat_task":
            result["explained"] = explain(captured.captured_queries, top=2)
    return result


# --- Reporting ---------------------------------------------------------------------------------


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    memory = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) // 1024 // 1024
    import django

    return {
        "cpus": os.cpu_count(),
        "ram_gib": memory,
        "cpu_model": _cpu_model(),
        "postgresql": pg,
        "shared_buffers": buffers,
        "python": platform.python_version(),
        "django": django.get_version(),
        "load_average_at_start": os.getloadavg()[0],
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def misses(page: Page, result: Result) -> list[str]:
    """The page's targets it misses (issue #20's, on this machine)."""
    if not result.available or not result.load:
        return []
    missed = []
    by_level = {load["concurrency"]: load for load in result.load}
    if page.target == "rate":
        rate = by_level.get(4, result.load[0])
        if rate["per_second"] < TARGET_CREATE_PER_S:
            missed.append(f"{rate['per_second']:.0f}/s < {TARGET_CREATE_PER_S:.0f}/s")
        if result.in_process_ms is not None and result.in_process_ms > TARGET_CREATE_MS:
            missed.append(f"{result.in_process_ms:.1f} ms > {TARGET_CREATE_MS:.0f} ms")
        if result.queries is not None and result.queries > TARGET_CREATE_QUERIES:
            missed.append(f"{result.queries} queries > {TARGET_CREATE_QUERIES}")
    for level, load in sorted(by_level.items()):
        if page.target != "rate" and load["p95_ms"] > TARGET_P95_MS:
            missed.append(f"p95 {load['p95_ms']:.0f} ms at {level}")
    first = result.load[0]
    if page.key == "search_words" and first["p95_ms"] > TARGET_SEARCH_WORDS_P95_MS:
        missed.append(f"p95 {first['p95_ms']:.0f} > {TARGET_SEARCH_WORDS_P95_MS:.0f} ms")
    computed_target = TARGET_COMPUTED_MS.get(page.key)
    if computed_target and result.computed_ms and result.computed_ms > computed_target:
        missed.append(f"first view {result.computed_ms:.0f} > {computed_target:.0f} ms")
    return missed


def verdict(page: Page, result: Result) -> str:
    if not result.available or not result.load:
        return ""
    missed = misses(page, result)
    return "MISS: " + "; ".join(missed) if missed else "met"


def print_table(results: list[Result], page_list: list[Page], sweep: dict) -> str:
    lines = [
        f"{'page':<44} {'queries':>9} {'in proc':>7}  {'conc':>4} {'p50':>7} {'p95':>7} "
        f"{'p99':>7} {'req/s':>7} {'errors':>6}  target",
    ]
    for page, result in zip(page_list, results, strict=True):
        if not result.available:
            lines.append(f"{result.label:<44} not available")
            continue
        queries = f"{result.queries}" + (
            f"/{result.queries_variant}" if result.queries_variant is not None else ""
        )
        in_process = f"{result.in_process_ms:.1f}" if result.in_process_ms is not None else "-"
        for i, load in enumerate(result.load):
            label = result.label if i == 0 else ""
            lines.append(
                f"{label:<44} {queries if i == 0 else '':>9} {in_process if i == 0 else '':>7}  "
                f"{load['concurrency']:>4} "
                f"{load['p50_ms']:>7.1f} {load['p95_ms']:>7.1f} {load['p99_ms']:>7.1f} "
                f"{load['per_second']:>7.1f} {load['errors']:>6}  "
                f"{verdict(page, result) if i == 0 else ''}"
            )
    for page, result in zip(page_list, results, strict=True):
        if result.computed_ms is not None:
            lines.append(
                f"{result.label}: first view after its figures went stale "
                f"{result.computed_ms:.0f} ms in process "
                f"(target {TARGET_COMPUTED_MS.get(page.key, 0):.0f} ms)"
            )
    if sweep.get("available"):
        beat, full = sweep["beat_task"], sweep["with_checks"]
        # The target is the beat task's; the per-clock checks run in the workers.
        lines.append(
            f"SLA sweep, {sweep['due']} clocks due: beat task {beat['seconds'] * 1000:.0f} ms "
            f"({beat['queries']} queries)  {'ok' if beat['seconds'] < TARGET_SWEEP_S else 'MISS'}"
        )
        lines.append(
            f"  then the {sweep['due']} per-clock checks, run inline: "
            f"{full['seconds'] * 1000:.0f} ms, {full['queries']} queries, "
            f"{full['emails_written']} emails written"
        )
    else:
        lines.append("SLA sweep: not available")
    text = "\n".join(lines)
    print(text)
    return text


# What a page computes when its cached figures are stale, and when they go stale.
COMPUTED = {
    "queue": ("counts computed, then shared for 15 s", "a ticket change"),
    "dashboard": ("figures computed, then cached", "a summary refresh"),
}


def forget_figures() -> None:
    """Empty the cache of everything but the sessions, which a ticket change or a
    summary refresh leaves where they are."""
    from django.conf import settings
    from django.core.cache import cache

    location = settings.CACHES["default"].get("LOCATION")
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower() or not location:
        cache.clear()  # each process's own memory: sessions are in the database then
        return
    import redis

    server = redis.Redis.from_url(location if isinstance(location, str) else location[0])
    stale = [key for key in server.scan_iter(count=1000) if b"sessions" not in key]
    if stale:
        server.delete(*stale)


def timed(client, page: Page, url: str, form: Callable | None, runs: int = 7) -> float:
    """The median of warm requests in this process, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        in_process_request(client, page, url, form)
        times.append((time.perf_counter() - started) * 1000)
    return round(sorted(times)[runs // 2], 1)


def computed_view(client, page: Page, url: str) -> tuple[float, str, list]:
    """The page as the first view after its cached figures went stale sees it (the
    queue's counts after a ticket change, the dashboard's period after a summary
    refresh): computed, not read from the cache (the median of five, and its queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(5):
        forget_figures()
        started = time.perf_counter()
        in_process_request(client, page, url, None)
        times.append((time.perf_counter() - started) * 1000)
    forget_figures()
    with CaptureQueriesContext(connection) as captured:
        in_process_request(client, page, url, None)
    median = round(sorted(times)[2], 1)
    what, after = COMPUTED[page.key]
    note = (
        f"first view after {after} ({what}): "
        f"{median:.0f} ms in process, {len(captured.captured_queries)} queries"
    )
    print(f"{page.label}: {note}")
    return median, note, captured.captured_queries


def measure_in_process(page, result, fx, users, small, forms, explained_text, profiles) -> None:
    from django.test import Client

    client = Client()
    client.force_login(users[page.role])
    form = forms.get(page.key)
    result.queries, captured = count_queries(client, page, result.url, form)
    result.in_process_ms = timed(client, page, result.url, form)
    if page.key == "take_next":
        hand_back_taken(fx.taker)
    if page.key in COMPUTED:
        result.computed_ms, note, captured = computed_view(client, page, result.url)
        result.notes.append(note)
    result.explained = explain(captured)
    variant_url = page_url(page, fx, variant=True)
    variant_client = client
    if page.key in ("portal_home", "portal_list"):
        variant_client = Client()
        variant_client.force_login(small)
        result.variant = "smallest organisation"
    elif variant_url != result.url:
        result.variant = variant_url or ""
    else:
        result.variant = "the same request again"
    result.queries_variant, _ = count_queries(variant_client, page, variant_url or "", form)
    if page.key == "take_next":
        hand_back_taken(fx.taker)
    explained_text.append(f"===== {page.label}: {result.url}")
    for item in result.explained:
        explained_text.append(f"--- {item['ms']} ms\n{item['sql']}\n\n{item['plan']}\n")
    if misses(page, result):
        profiles.append(page.key)
        text = profile(client, page, result.url, form)
        (RESULTS / f"profile-{page.key}.txt").parent.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"profile-{page.key}.txt").write_text(text)
        if page.key == "take_next":
            hand_back_taken(fx.taker)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="when seeding")
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="per page and concurrency")
    parser.add_argument("--max-requests", type=int, default=3000, help="per page and concurrency")
    parser.add_argument("--concurrency", default="2,8", help="comma-separated levels")
    parser.add_argument("--only", default="", help="comma-separated page keys")
    parser.add_argument(
        "--indexes", action="store_true", help="only the index audit (bench/indexes.py)"
    )
    args = parser.parse_args()
    levels = [int(level) for level in args.concurrency.split(",")]

    env = bench_env(args)
    own_broker = env["CELERY_BROKER_URL"] == BENCH_BROKER
    ensure_database(args.database)
    if env["CACHE_URL"] == BENCH_CACHE:
        import redis

        redis.Redis.from_url(BENCH_CACHE).flushdb()  # no figures of an earlier run
    print("migrating the benchmark database")
    manage("migrate", "--no-input", "-v", "0", env=env)
    # This process enqueues nowhere: the sweep's tasks run inline or are dropped.
    os.environ.update(env | {"CELERY_BROKER_URL": "memory://"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # The load client logs nothing per request (the settings' root logger would).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    from django_scopes import scopes_disabled

    from tickets.models import Ticket

    setup: dict = {}
    with scopes_disabled():
        seeded = Ticket.objects.exists()
    if not seeded:
        print(f"seeding {args.tickets:,} tickets (manage.py seed_bench)")
        setup["seed_seconds"] = round(manage("seed_bench", "--tickets", str(args.tickets), env=env))
        setup["summaries_seconds"] = None
    from django.utils import timezone

    since = (timezone.localdate() - dt.timedelta(days=120)).isoformat()
    if reverse_first(["dashboard"]) is not None:
        print(f"filling the dashboard summaries since {since} (manage.py dashboard_summaries)")
        try:
            setup["summaries_seconds"] = round(
                manage("dashboard_summaries", "--since", since, env=env), 1
            )
        except subprocess.CalledProcessError as error:
            print(f"warning: the dashboard summaries could not be filled ({error})")
            setup["summaries_error"] = str(error)
    fx = pick_fixtures()
    run_started = dt.datetime.now(dt.UTC)
    if seeded and fx.tickets < args.tickets * 0.9:
        print(f"note: the database holds {fx.tickets:,} tickets (--tickets is for seeding)")
    info = machine()
    print(
        f"{fx.tickets:,} tickets ({fx.open_tickets:,} open) on {info['cpus']} CPUs, "
        f"{info['ram_gib']} GiB, PostgreSQL {info['postgresql']}; "
        f"load average {info['load_average_at_start']}"
    )

    if args.indexes:
        print(indexes.report(audit_indexes(fx, creation=None)))
        remove_created(fx.customer, run_started)
        return

    from helpdesk.management.commands.seed_bench import BENCH_PASSWORD

    page_list = pages(fx)
    if args.only:
        page_list = [p for p in page_list if p.key in args.only.split(",")]
    emails = {"agent": fx.agent, "taker": fx.taker, "manager": fx.manager, "customer": fx.customer}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(env, port)
    # A kill stops gunicorn too (through the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: list[Result] = []
    forms: dict[str, Callable] = {}
    try:
        clients = {role: sign_in(base, email, BENCH_PASSWORD) for role, email in emails.items()}
        for page in page_list:
            url = page_url(page, fx)
            result = Result(page.key, page.label, url or "", available=url is not None)
            results.append(result)
            if url is None:
                print(f"{page.label}: not available (no URL named {' or '.join(page.url_names)})")
                continue
            client = clients[page.role]
            if page.key == "create":
                forms["create"] = creation_form(client, url)
            cookies = dict(client.cookies)
            for level in sorted(set(levels) | set(page.levels)):
                print(f"{page.label}: {args.seconds:.0f} s at concurrency {level}", flush=True)
                data = forms.get(page.key) or (
                    (lambda: {"mode": "any"}) if page.key == "take_next" else None
                )
                load = asyncio.run(
                    _load(base, cookies, page.method, url, data, page.expected, args.seconds,
                          args.max_requests, level)
                )  # fmt: skip
                result.load.append(load)
                if page.key == "take_next":
                    result.notes.append(f"handed back {hand_back_taken(fx.taker)} taken tickets")
    finally:
        server.terminate()
        server.wait(timeout=30)

    print("counting queries, EXPLAIN and the sweep, in process")

    from accounts.models import User

    with scopes_disabled():
        users = {role: User.objects.get(email=email) for role, email in emails.items()}
        small = User.objects.get(email=fx.small_customer)
    explained_text = []
    profiles = []
    for page, result in zip(page_list, results, strict=True):
        if not result.available:
            continue
        try:
            measure_in_process(page, result, fx, users, small, forms, explained_text, profiles)
        except Exception as error:  # a page under construction: report it, go on
            result.notes.append(f"in process: {type(error).__name__}: {error}")
            print(f"{page.label}: in-process measurement failed: {error}")
    index_audit = audit_indexes(fx, creation=forms.get("create"))
    print(indexes.report(index_audit))
    events = drain_events()
    if events.get("dispatched"):
        print(
            f"worker: {events['dispatched']} recorded events dispatched inline, "
            f"{events['ms_per_event']} ms each; {events['dropped']} more dropped"
        )
    try:
        sweep = sweep_benchmark()
    except Exception as error:  # the notifications app under construction
        print(f"SLA sweep: measurement failed: {error}")
        sweep = {"available": False, "error": f"{type(error).__name__}: {error}"}
    if sweep.get("available"):
        explained_text.append("===== SLA sweep (the beat task)")
        for item in sweep["explained"]:
            explained_text.append(f"--- {item['ms']} ms\n{item['sql']}\n\n{item['plan']}\n")

    if own_broker:
        # No worker consumed what the pages enqueued: empty the benchmark's own Redis database.
        import redis

        redis.Redis.from_url(BENCH_BROKER).flushdb()
    removed = remove_created(fx.customer, run_started)
    print(f"removed the {removed:,} tickets this run created")
    info["load_average_at_end"] = os.getloadavg()[0]
    print()
    table = print_table(results, page_list, sweep)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "explain.txt").write_text("\n".join(explained_text))
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": info,
        "data": asdict(fx),
        "setup": setup,
        "settings": {
            "workers": 2,
            "seconds": args.seconds,
            "max_requests": args.max_requests,
            "concurrency": levels,
            "broker": env["CELERY_BROKER_URL"],
        },  # fmt: skip
        "targets": {
            "p95_ms": TARGET_P95_MS,
            "create_per_s": TARGET_CREATE_PER_S,
            "create_ms": TARGET_CREATE_MS,
            "create_queries": TARGET_CREATE_QUERIES,
            "search_words_p95_ms": TARGET_SEARCH_WORDS_P95_MS,
            "computed_ms": TARGET_COMPUTED_MS,
            "sweep_s": TARGET_SWEEP_S,
        },  # fmt: skip
        "pages": [asdict(r) for r in results],
        "sweep": sweep,
        "events": events,
        "indexes": index_audit,
        "profiles": profiles,
        "table": table,
    }
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwrote {RESULTS / 'latest.json'} and {RESULTS / 'explain.txt'}")


if __name__ == "__main__":
    main()
