"""Fill an empty PostgreSQL database with the benchmark's data set, fast.

``manage.py seed_bench --tickets 1000000`` writes 1,000 organisations across the four
tiers with their contracts, 50 agents, 5 managers, 20,000 customer users and N tickets
spread over three years, with on average four replies each, their history, attachment
metadata (no files), escalation requests, watchers and SLA clocks. About 5% of the
tickets are open, the most recent ones mostly, with running clocks whose deadlines are
those the clock service computes from the stored policies; some have already been warned
or breached.

The rows are generated in Python with a fixed random seed and streamed with PostgreSQL's
COPY by two writer threads (one connection each) while the next batch is generated. The
services are not called: replaying a million tickets through them would take hours. The
tables keep every index and constraint; VACUUM (ANALYZE) runs at the end, so the tables
are as autovacuum keeps a live database (ANALYZE alone with ``--jobs 1``, which writes
everything in the caller's transaction, as the tests do).

The database must hold no organisation yet: a second run refuses (CommandError) rather
than mix two data sets. Every user shares one password, hashed once.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import queue
import random
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import MemberRole, Membership, Organization, StaffRole, Team, User
from sla import engine
from sla.models import (
    BusinessCalendar,
    Contract,
    Product,
    ProductVersion,
    SLAClock,
    SLAPolicy,
    SupportTier,
    TargetKind,
)
from tickets.models import (
    Attachment,
    EscalationRequest,
    Reply,
    Ticket,
    TicketCounter,
    TicketEvent,
)

BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105 - printed for the benchmark on purpose
STAFF_DOMAIN = "vendor.bench.example"
CUSTOMER_DOMAIN = "bench.example"
AGENT_EMAIL = f"agent01@{STAFF_DOMAIN}"
# The benchmark's "take next" agent: assigned nothing here, so what it takes during a
# run can be handed back afterwards (bench/run.py).
TAKER_EMAIL = f"agent50@{STAFF_DOMAIN}"
MANAGER_EMAIL = f"manager01@{STAFF_DOMAIN}"
ADMINISTRATOR_EMAIL = f"administrator@{STAFF_DOMAIN}"

AGENTS, SPECIALISTS, MANAGERS = 50, 8, 5
# Account teams: the agents and the organisations are dealt out among them in turn.
TEAMS = ["Finance systems", "Logistics", "Healthcare", "Retail", "Public sector"]
YEARS = 3
BATCH = 10_000  # tickets generated, then copied, per batch
DAY, HOUR, US = 86_400, 3_600, 1_000_000
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)

TIERS = ["base"] * 35 + ["standard"] * 35 + ["privilege"] * 20 + ["24x7"] * 10
TIMEZONES = ["Europe/Budapest"] * 6 + ["Europe/London", "Europe/Berlin", "America/New_York"]
PRODUCTS = {
    "Ledgerline ERP": ["7.4", "8.0", "8.1", "8.2"],
    "Ledgerline Payroll": ["3.2", "3.3", "4.0"],
    "Ledgerline POS": ["2.0", "2.1", "2.2"],
    "Ledgerline Warehouse": ["5.1", "5.2", "6.0"],
    "Ledgerline Analytics": ["1.8", "1.9", "2.0"],
    "Ledgerline Connect API": ["1.0", "1.1", "2.0"],
}
TYPES = ["incident"] * 55 + ["service_request"] * 25 + ["bug"] * 12 + ["enhancement"] * 8
SEVERITIES = ["S1"] * 8 + ["S2"] * 32 + ["S3"] * 60
PRIORITIES = ["urgent"] * 5 + ["high"] * 20 + ["medium"] * 55 + ["low"] * 20
CHANNELS = ["portal"] * 70 + ["email"] * 20 + ["phone"] * 10
LOWER = {"S1": "S2", "S2": "S3", "S3": "S3", "": ""}
OPEN_NEW = ["new"] * 45 + ["acknowledged"] * 25 + ["in_progress"] * 30
OPEN_WEEK = ["new"] * 10 + ["acknowledged"] * 15 + ["in_progress"] * 45
OPEN_WEEK += ["waiting_on_customer"] * 20 + ["workaround_provided"] * 10
OPEN_OLD = ["acknowledged"] * 5 + ["in_progress"] * 50
OPEN_OLD += ["waiting_on_customer"] * 30 + ["workaround_provided"] * 15
LABEL = {
    "new": "New",
    "acknowledged": "Acknowledged",
    "in_progress": "In progress",
    "waiting_on_customer": "Waiting on customer",
    "workaround_provided": "Workaround provided",
    "resolved": "Resolved",
    "closed": "Closed",
}
# Replies per ticket: about four on average, a few long threads (exactly 20 gives the
# benchmark its "ticket page with 20 replies").
REPLY_COUNTS = [1] * 10 + [2] * 20 + [3] * 20 + [4] * 16 + [5] * 11 + [6] * 8 + [7] * 6
REPLY_COUNTS += [8] * 3 + [10] * 2 + [12] * 2 + [20] * 2
# Median hours to the first response by severity (log-normal around them).
RESPONSE_HOURS = {"S1": 1.5, "S2": 10.0, "S3": 30.0, "": 40.0}

FIRST_NAMES = "Anna Béla Clara Dávid Emese Ferenc Gábor Hanna István Judit Karl Lena Marco "
FIRST_NAMES += "Nora Oskar Petra Quinn Rosa Sven Tamara Ulla Viktor Wendy Xaver Yara Zoltán"
LAST_NAMES = "Szabó Tóth Nagy Kovács Horváth Varga Kiss Molnár Becker Klein Hale Reid Moss "
LAST_NAMES += "Adams Novak Raman Fischer Lindqvist Bright Petrov Weber Meyer Wagner Dubois Rossi"
COMPANIES = "Acme Globex Initech Umbrella Wayne Stark Tyrell Cyberdyne Soylent Hooli Vandelay "
COMPANIES += "Wonka Oscorp Aperture Gringotts Monarch Dunder Massive Nakatomi Pied Sterling"
SECTORS = "Manufacturing Logistics Finance Health Retail Energy Foods Media Pharma Travel"
MODULES = "invoicing payroll ledger inventory reporting export import login backup printing "
MODULES += "dunning currency warehouse shipping scanner dashboard archive audit budget tax"
SYMPTOMS = [
    "fails with an internal error",
    "times out after two minutes",
    "shows wrong totals",
    "is very slow since the upgrade",
    "crashes the client",
    "does not start",
    "rejects valid input",
    "prints an empty page",
    "loses the last change",
    "hangs at 90 percent",
    "sends duplicate emails",
    "shows a blank screen",
]
OPENERS = [
    "Since this morning the {m} module {s}.",
    "After installing the latest patch, {m} {s}.",
    "Our users report that {m} {s} for every branch.",
    "When we run the {m} job, it {s}.",
    "The {m} screen {s} with error {e}.",
    "Since the nightly batch, {m} {s} and the log shows {e}.",
]
FOLLOW_UPS = [
    "We attached the log file and a screenshot.",
    "It affects about {n} people in the {m} team.",
    "Restarting the service did not help.",
    "Could you confirm whether this is a known issue?",
    "The error code in the log is {e}.",
    "We need this fixed before the month-end close.",
    "It worked correctly last week on version {v}.",
    "Please tell us which setting controls the {m} behaviour.",
]
STAFF_LINES = [
    "Thank you for the details. We reproduced the {m} problem and are investigating.",
    "Could you send the full log of the {m} run, and the exact time it failed?",
    "This is a known issue in {v}; the fix ships in the next maintenance release.",
    "Please try clearing the {m} cache and running the job again.",
    "Our engineers found the cause: a lock on the {m} table. A hotfix is being tested.",
    "We provided a workaround: disable the {m} schedule until the patch is installed.",
    "The patch for error {e} is available on the download portal.",
    "We escalated this to development; the tracker reference is in the ticket.",
]
CUSTOMER_LINES = [
    "Thanks, the {m} job runs again after the workaround.",
    "Here is the log you asked for; the failure was at 14:32.",
    "The problem is back today with error {e}.",
    "We installed the patch and {m} works now. You can close the ticket.",
    "Is there an estimate for the fix? Our {m} deadline is Friday.",
    "We still see the issue on two of our servers.",
]
NOTE_LINES = [
    "Customer is on an old {m} build; check the upgrade path first.",
    "Same stack trace as the {m} regression last month.",
    "Asked development for an ETA on error {e}.",
]
ATTACHMENTS = [
    ("server.log", "text/plain", 48_000),
    ("screenshot.png", "image/png", 220_000),
    ("export.csv", "text/csv", 90_000),
    ("report.pdf", "application/pdf", 410_000),
]


def _at(seconds: int | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _at_us(us: int | None) -> dt.datetime | None:
    return None if us is None else EPOCH + dt.timedelta(microseconds=us)


def _us(when: dt.datetime) -> int:
    return (when - EPOCH) // MICROSECOND


def _cumulative(values: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


# --- Writing rows --------------------------------------------------------------------------


class Table:
    """COPY rows of one model: the columns the seed supplies, in order, then every other
    concrete column with its model default, so a field added later needs no change here
    unless it is required and has no default (then this raises, naming it)."""

    def __init__(self, model: type[models.Model], supplied: Sequence[str]):
        self.name = model._meta.db_table
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        missing = [name for name in supplied if name not in by_attname]
        if missing:
            raise CommandError(f"seed_bench: {self.name} has no column {missing}.")
        extra: list[tuple[str, Any]] = []
        for f in model._meta.concrete_fields:
            if f.attname in supplied or f.generated:
                continue  # supplied, or computed by the database from the other columns
            if isinstance(f, models.fields.AutoFieldMixin):
                continue  # an identity column the database numbers
            if f.db_default is not models.NOT_PROVIDED:
                continue  # the database fills it
            # The model default ("" for a text field that may be blank), or NULL.
            value = f.get_default()
            if value is None and not f.null:
                raise CommandError(
                    f"seed_bench does not know the required column {self.name}.{f.column}; "
                    "give it a value in tickets/management/commands/seed_bench.py."
                )
            extra.append(
                (f.column, json.dumps(value) if isinstance(f, models.JSONField) else value)
            )
        columns = [by_attname[name].column for name in supplied] + [c for c, _ in extra]
        self.defaults = tuple(v for _, v in extra)
        self.statement = f"COPY {self.name} ({', '.join(columns)}) FROM STDIN"


class Lane:
    """One connection that COPYs the batches of its tables on a thread of its own, so
    PostgreSQL ingests while Python generates the next batch (the queue bounds memory)."""

    def __init__(self, raw_connection, name: str):
        self.raw = raw_connection
        self.queue: queue.Queue = queue.Queue(maxsize=12)
        self.error: BaseException | None = None
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            table, rows = item
            if self.error is not None:
                continue  # drain: the main thread raises on its next put
            started = time.monotonic()
            try:
                defaults = table.defaults
                with self.raw.cursor() as cursor, cursor.copy(table.statement) as copy:
                    write = copy.write_row
                    for row in rows:
                        write(row + defaults)
            except BaseException as exc:  # handed to the main thread
                self.error = exc
                continue
            self.rows[table.name] = self.rows.get(table.name, 0) + len(rows)
            elapsed = time.monotonic() - started
            self.seconds[table.name] = self.seconds.get(table.name, 0.0) + elapsed


class Writer:
    """Routes each table to one of the lanes; with two lanes both CPU cores ingest."""

    def __init__(self, connections: list, route: dict[str, int]):
        self.lanes = [Lane(raw, f"seed-bench-copy-{i}") for i, raw in enumerate(connections)]
        self.route = route

    def put(self, table: Table, rows: list[tuple]) -> None:
        lane = self.lanes[self.route.get(table.name, 0) % len(self.lanes)]
        if lane.error is not None:
            raise CommandError(f"COPY failed: {lane.error}") from lane.error
        if rows:
            lane.queue.put((table, rows))

    @property
    def rows(self) -> dict[str, int]:
        return {name: n for lane in self.lanes for name, n in lane.rows.items()}

    @property
    def seconds(self) -> dict[str, float]:
        return {name: n for lane in self.lanes for name, n in lane.seconds.items()}

    def close(self) -> None:
        for lane in self.lanes:
            lane.queue.put(None)
        for lane in self.lanes:
            lane.thread.join()
        for lane in self.lanes:
            if lane.error is not None:
                raise CommandError(f"COPY failed: {lane.error}") from lane.error


# --- SLA arithmetic ------------------------------------------------------------------------


class Timeline:
    """One calendar's open intervals over the data set's years, in integer microseconds
    with running totals, so the engine's ``open_time_between`` and ``add_open_time`` are
    two binary searches each. Built from ``engine.opening_intervals``, so every day is
    the engine's own; tests/bench checks the results against the engine."""

    def __init__(self, cal: engine.Calendar, first: dt.date, last: dt.date):
        self.cal = cal
        self.always = cal.always_open
        self.starts: list[int] = []
        self.before: list[int] = []  # open time before each interval
        self.after: list[int] = []  # ... and up to its end
        total, day = 0, first
        while not self.always and day <= last:
            for opens, closes in engine.opening_intervals(cal, day):
                start, end = _us(opens), _us(closes)
                self.starts.append(start)
                self.before.append(total)
                total += end - start
                self.after.append(total)
            day += dt.timedelta(days=1)

    def _total(self, at: int) -> int:
        i = bisect.bisect_right(self.starts, at) - 1
        if i < 0:
            return 0
        return min(self.before[i] + at - self.starts[i], self.after[i])

    def between(self, start: int, end: int) -> int:
        if end <= start:
            return 0
        return end - start if self.always else self._total(end) - self._total(start)

    def add(self, start: int, duration: int) -> int:
        if self.always or duration == 0:
            return start + duration
        goal = self._total(start) + duration
        i = bisect.bisect_left(self.after, goal)
        return self.starts[i] + goal - self.before[i]


@dataclass(frozen=True)
class Target:
    id: int
    kind: str
    amount: int
    unit: str
    calendar_id: int
    until_workaround: bool
    only_outside_id: int | None
    warn_share: float


@dataclass
class Org:
    id: int
    code: str
    name: str
    tier_id: int
    contract_id: int
    valid_from: int
    valid_to: int  # the end of the last day of cover
    channels: frozenset[str]
    versions: list[int]
    users: list[int] = field(default_factory=list)  # the administrator first
    tickets: int = 0


class Ids:
    def __init__(self, model: type[models.Model]):
        self.value = model._base_manager.aggregate(top=models.Max("pk"))["top"] or 0

    def __call__(self) -> int:
        self.value += 1
        return self.value


# --- The data set ----------------------------------------------------------------------------


class Seeder:
    def __init__(self, *, tickets: int, organizations: int, customers: int, seed: int, out):
        if customers < 3 * organizations:
            raise CommandError("Give at least three customers per organisation.")
        self.n_tickets, self.n_orgs, self.n_customers = tickets, organizations, customers
        self.rnd = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
        self.out = out
        self.now = int(timezone.now().timestamp()) // 60 * 60
        self.start = self.now - YEARS * 365 * DAY
        self.password = make_password(BENCH_PASSWORD)  # hashed once for every user
        self.started = time.monotonic()
        self.open_tickets = 0
        self._deadlines: dict[tuple, int] = {}
        t = Table
        self.tables = {
            "team": t(Team, ["id", "name", "created_at"]),
            "team_member": t(Team.members.through, ["team_id", "user_id"]),
            "org": t(
                Organization,
                ["id", "name", "code", "timezone", "cem_id", "support_team_id", "created_at"],
            ),
            "user": t(
                User,
                ["id", "password", "email", "full_name", "staff_role", "is_staff"]
                + ["is_superuser", "date_joined"],
            ),
            "membership": t(Membership, ["id", "organization_id", "user_id", "role"]),
            "contract": t(
                Contract,
                ["id", "organization_id", "tier_id", "valid_from", "valid_to", "licence_key"]
                + ["channel_portal", "channel_email", "channel_phone", "created_at"],
            ),
            "covered": t(Contract.covered_versions.through, ["contract_id", "productversion_id"]),
            "ticket": t(
                Ticket,
                ["id", "organization_id", "number", "reference", "title", "description", "type"]
                + ["severity", "priority", "product_version_id", "channel", "business_impact"]
                + ["requester_id", "assignee_id", "created_by_id", "status", "escalation_level"]
                + ["workaround", "workaround_at", "contract_id", "has_valid_contract"]
                + ["product_covered", "channel_entitled", "sla_due_at", "sla_warn_at"]
                + ["sla_breached", "created_at", "updated_at", "last_activity_at"]
                + ["acknowledged_at", "first_response_at", "resolved_at", "closed_at", "version"]
                + ["sla_due_calendar_id"],
            ),
            "watcher": t(Ticket.watchers.through, ["ticket_id", "user_id"]),
            "reply": t(
                Reply,
                ["id", "ticket_id", "organization_id", "author_id", "body", "is_internal", "via"]
                + ["created_at"],
            ),
            "event": t(
                TicketEvent,
                ["ticket_id", "organization_id", "actor_id", "kind", "field", "old_value"]
                + ["new_value", "message", "is_public", "ticket_version", "created_at"],
            ),
            "attachment": t(
                Attachment,
                ["ticket_id", "organization_id", "reply_id", "file", "filename", "content_type"]
                + ["size", "uploaded_by_id", "created_at"],
            ),
            "escalation": t(
                EscalationRequest,
                ["ticket_id", "organization_id", "requested_by_id", "reason", "status"]
                + ["created_at", "handled_by_id", "handled_at", "decision_note"],
            ),
            "clock": t(
                SLAClock,
                ["ticket_id", "organization_id", "kind", "target_id", "calendar_id", "amount"]
                + ["unit", "warn_share", "severity", "state", "started_at", "paused_at"]
                + ["due_at", "warn_at", "warned_at", "met_at", "breached_at", "late_minutes"]
                + ["elapsed_open_minutes", "next_check_at"],
            ),
            "counter": t(TicketCounter, ["organization_id", "last_number"]),
        }

    def say(self, text: str) -> None:
        self.out.write(f"[{time.monotonic() - self.started:6.1f} s] {text}")

    # -- reference data ----------------------------------------------------------------------

    def load_policies(self) -> None:
        this_year = timezone.now().year
        years = range(this_year - YEARS - 1, this_year + 3)
        first = dt.date(this_year - YEARS - 1, 1, 1)
        last = dt.date(this_year + 2, 12, 31)
        self.calendars = {}
        self.timelines = {}
        for calendar in BusinessCalendar.objects.prefetch_related("openings", "dates"):
            cal = calendar.to_engine(years=years)
            self.calendars[calendar.pk] = cal
            self.timelines[calendar.pk] = Timeline(cal, first, last)
        self.tiers = {t.slug: t.pk for t in SupportTier.objects.all()}
        unknown = sorted(set(TIERS) - set(self.tiers))
        if unknown:
            raise CommandError(f"The support tiers {unknown} are missing: run migrate first.")
        self.policies: dict[tuple[int, str], list[Target]] = {}
        for policy in SLAPolicy.objects.prefetch_related("targets"):
            self.policies[(policy.tier_id, policy.severity)] = [
                Target(
                    t.pk,
                    t.kind,
                    t.amount,
                    t.unit,
                    t.calendar_id,
                    t.until_workaround,
                    t.only_outside_id,
                    policy.warn_share,
                )  # fmt: skip
                for t in policy.targets.all()
            ]
        versions = []
        for name, numbers in PRODUCTS.items():
            product, _ = Product.objects.get_or_create(name=name)
            for number in numbers:
                version, _ = ProductVersion.objects.get_or_create(product=product, version=number)
                versions.append(version.pk)
        self.versions = versions

    def text_pools(self) -> None:
        """Sentences drawn once from templates; each text picks from these pools."""
        rnd, modules = self.rnd, MODULES.split()

        def fill(templates: list[str]) -> str:
            return rnd.choice(templates).format(
                m=rnd.choice(modules),
                s=rnd.choice(SYMPTOMS),
                e=f"E{rnd.randrange(1000, 3000)}",
                n=rnd.randint(2, 300),
                v=f"{rnd.randint(1, 8)}.{rnd.randint(0, 4)}",
            )

        def texts(first: list[str], more: list[str], count: int, most: int) -> list[str]:
            return [
                " ".join([fill(first)] + [fill(more) for _ in range(rnd.randint(0, most))])
                for _ in range(count)
            ]

        self.descriptions = texts(OPENERS, FOLLOW_UPS, 6000, 3)
        self.bodies = {
            "staff": texts(STAFF_LINES, STAFF_LINES, 6000, 2),
            "customer": texts(CUSTOMER_LINES, FOLLOW_UPS, 4000, 2),
            "note": texts(NOTE_LINES, NOTE_LINES, 1000, 1),
        }
        self.titles = [f"{m.capitalize()} {s}" for m in modules for s in SYMPTOMS]

    # -- people and organisations ------------------------------------------------------------

    def name(self) -> str:
        return f"{self.rnd.choice(FIRST_NAMES.split())} {self.rnd.choice(LAST_NAMES.split())}"

    def people(self, writer: Writer) -> None:
        rnd = self.rnd
        user_id, org_id = Ids(User), Ids(Organization)
        contract_id, membership_id = Ids(Contract), Ids(Membership)
        joined = _at(self.start - 30 * DAY)
        users: list[tuple] = []

        def person(email: str, name: str, role: str = "", admin: bool = False) -> int:
            users.append((user_id(), self.password, email, name, role, admin, admin, joined))
            return user_id.value

        person(ADMINISTRATOR_EMAIL, "Ada Administrator", StaffRole.ADMINISTRATOR, admin=True)
        self.managers = [
            person(f"manager{i:02d}@{STAFF_DOMAIN}", self.name(), StaffRole.MANAGER)
            for i in range(1, MANAGERS + 1)
        ]
        self.staff_names: dict[int, str] = {}
        agents = []
        for i in range(1, AGENTS + 1):
            role = StaffRole.SPECIALIST if AGENTS - SPECIALISTS <= i < AGENTS else StaffRole.AGENT
            name = self.name()
            agents.append(person(f"agent{i:02d}@{STAFF_DOMAIN}", name, role))
            self.staff_names[agents[-1]] = name
        team_ids = Ids(Team)
        teams = [(team_ids(), name, joined) for name in TEAMS]
        team_members = [(teams[i % len(teams)][0], pk) for i, pk in enumerate(agents)]
        # The taker (the last agent) is assigned nothing; some agents work more than others.
        self.assignees = agents[:-1]
        self.assignee_weights = _cumulative(1 / (1 + i) ** 0.3 for i in range(AGENTS - 1))

        # Organisation sizes follow a power law: the largest has about 2% of the tickets
        # (some 20,000 at a million), the smallest a few dozen.
        weights = [1 / (i + 1) ** 0.55 for i in range(self.n_orgs)]
        self.org_weights = _cumulative(weights)
        companies, sectors = COMPANIES.split(), SECTORS.split()
        # Three contacts each, the rest in proportion to size (largest remainders first).
        extra, total_weight = self.n_customers - 3 * self.n_orgs, sum(weights)
        shares = [extra * w / total_weight for w in weights]
        counts = [3 + int(share) for share in shares]
        by_remainder = sorted(range(self.n_orgs), key=lambda i: int(shares[i]) - shares[i])
        for i in by_remainder[: self.n_customers - sum(counts)]:
            counts[i] += 1
        today = dt.datetime.fromtimestamp(self.now, tz=dt.UTC).date()
        orgs: list[tuple] = []
        contracts: list[tuple] = []
        covered: list[tuple] = []
        memberships: list[tuple] = []
        self.orgs: list[Org] = []
        for index in range(self.n_orgs):
            pk, word = org_id(), companies[index % len(companies)]
            code = f"{word[:3].upper()}{index + 1:04d}"
            name = f"{word} {sectors[index % len(sectors)]} {index + 1:04d}"
            created = self.start - rnd.randint(30, 400) * DAY
            cem = self.managers[index % MANAGERS]
            team = teams[index % len(teams)][0]
            orgs.append((pk, name, code, rnd.choice(TIMEZONES), cem, team, _at(created)))
            tier = rnd.choice(TIERS)
            valid_from = dt.datetime.fromtimestamp(created, tz=dt.UTC).date()
            lapsed = rnd.random() < 0.03  # the newest tickets of these have no valid contract
            valid_to = today + dt.timedelta(
                days=-rnd.randint(20, 400) if lapsed else rnd.randint(30, 700)
            )
            channels = {"portal", "email"} | ({"phone"} if tier != "base" else set())
            cid = contract_id()
            licence = f"LK-{code}-{rnd.getrandbits(40):010x}"
            contracts.append(
                (cid, pk, self.tiers[tier], valid_from, valid_to, licence)
                + ("portal" in channels, "email" in channels, "phone" in channels, _at(created))
            )
            first = rnd.randrange(0, len(self.versions) - 4)
            versions = self.versions[first : first + rnd.randint(2, 4)]
            covered.extend((cid, v) for v in versions)
            end_of_cover = int(
                dt.datetime.combine(valid_to, dt.time(), tzinfo=dt.UTC).timestamp() + DAY
            )
            org = Org(pk, code, name, self.tiers[tier], cid, created, end_of_cover,
                      frozenset(channels), versions)  # fmt: skip
            count = counts[index]
            for number in range(count):
                local = "admin" if number == 0 else f"user{number:04d}"
                uid = person(f"{local}@{code.lower()}.{CUSTOMER_DOMAIN}", self.name())
                org.users.append(uid)
                member_role = (
                    MemberRole.ADMIN if number == 0 or (number == 1 and count > 50) else "user"
                )
                memberships.append((membership_id(), pk, uid, member_role))
            self.orgs.append(org)
        for key, rows in [
            ("team", teams),
            ("user", users),
            ("team_member", team_members),
            ("org", orgs),
            ("contract", contracts),
            ("covered", covered),
            ("membership", memberships),
        ]:
            writer.put(self.tables[key], rows)
        self.say(
            f"{len(orgs):,} organisations with contracts, {len(users):,} users "
            f"({len(memberships):,} of them customers)\n"
        )

    # -- SLA clocks ------------------------------------------------------------------------

    def deadline(self, target: Target, start: int) -> int:
        """Microseconds of the deadline of a clock started at ``start`` (µs), unpaused."""
        if target.unit in ("minutes", "hours"):
            minutes = target.amount * (60 if target.unit == "hours" else 1)
            return self.timelines[target.calendar_id].add(start, minutes * 60 * US)
        # A day-based deadline depends only on the local day the clock starts.
        cal = self.calendars[target.calendar_id]
        day = (EPOCH + dt.timedelta(microseconds=start)).astimezone(cal._zone).date()
        key = (target.calendar_id, day, target.amount, target.unit)
        if key not in self._deadlines:
            at = _at_us(start)
            assert at is not None
            unit = cast(engine.Unit, target.unit)
            self._deadlines[key] = _us(engine.deadline(cal, at, target.amount, unit))
        return self._deadlines[key]

    def clock(self, rows: list[tuple], ticket: tuple[int, int], target: Target, severity: str,
              start_s: int, *, met: int | None = None, cancelled: int | None = None,
              paused: int | None = None) -> tuple[int | None, int | None, bool, int]:  # fmt: skip
        """One clock row as the clock service and the sweep would have left it by now.
        Returns the deadline still owed (running, or breached unmet) and the running
        clock's warning (µs), and whether it is breached unmet."""
        line = self.timelines[target.calendar_id]
        start = start_s * US
        due = self.deadline(target, start)
        # engine.warn_at: the share of the open time between start and deadline.
        share = dt.timedelta(microseconds=line.between(start, due)) * target.warn_share
        warn = line.add(start, share // MICROSECOND) if due > start else due
        state, warned, breached, late, elapsed = "running", None, None, None, None
        next_check = paused_at = None
        running: tuple[int | None, int | None] = (None, None)
        end = next((at for at in (met, cancelled) if at is not None), None)
        if end is not None:
            end_us = end * US
            if met is not None:
                elapsed = line.between(start, end_us) // (60 * US)
            state = "met" if met is not None else "cancelled"
            if end_us > due:
                state, breached = "breached", due
                if met is not None:
                    late = line.between(due, end_us) // (60 * US)
            if warn < due and warn + 30 * US < min(end_us, due):
                warned = warn + 30 * US  # the sweep's next minute
        elif paused is not None:
            state, paused_at = "paused", paused
            due = warn = None  # type: ignore[assignment]  # no deadline until it resumes
        elif due <= self.now * US:
            state, breached = "breached", due
            warned = warn + 30 * US if warn < due else None
        else:
            if warn < due and warn <= self.now * US:
                warned = min(warn + 30 * US, self.now * US)
            point = due if warned is not None or warn >= due else warn
            # sla.services._schedule: a business-hours notice waits for the opening.
            calendar = self.calendars[target.calendar_id]
            next_check = _us(engine.next_open(calendar, EPOCH + dt.timedelta(microseconds=point)))
            running = (due, warn)
        rows.append(
            ticket + (target.kind, target.id, target.calendar_id, target.amount, target.unit)
            + (target.warn_share, severity, state, _at(start_s), _at(paused_at), _at_us(due))
            + (_at_us(warn), _at_us(warned), _at(met), _at_us(breached), late, elapsed)
            + (_at_us(next_check),)
        )  # fmt: skip
        unmet = state == "breached" and met is None
        if unmet:
            running = (due, None)  # still owed: the ticket's deadline, overdue
        return running[0], running[1], unmet, target.calendar_id

    # -- tickets ---------------------------------------------------------------------------

    def creation_times(self) -> list[int]:
        """Creation instants over three years, sorted: busier on weekdays in office hours
        (roughly Central European) and growing, about twice as busy now as at the start."""
        weights = [
            (1.0 if 8 <= hour < 18 else 0.15) * (1.0 if weekday < 5 else 0.2)
            for weekday in range(7)
            for hour in range(24)
        ]
        times: list[int] = []
        random_, start, span = self.rnd.random, self.start, self.now - self.start - 600
        while len(times) < self.n_tickets:
            at = int(start + span * random_() ** 0.75)
            local = at + HOUR
            # 1 January 1970 was a Thursday (weekday 3).
            if random_() < weights[(local // DAY + 3) % 7 * 24 + local % DAY // HOUR]:
                times.append(at)
        times.sort()
        return times

    def tickets(self, writer: Writer) -> None:
        times = self.creation_times()
        ticket_id, self.reply_id = Ids(Ticket), Ids(Reply)
        batches: dict[str, list[tuple]] = {name: [] for name in self.tables}
        pick, weights, total = self.rnd.random, self.org_weights, self.org_weights[-1]
        next_report = 0.0
        for index, created in enumerate(times, start=1):
            org = self.orgs[bisect.bisect(weights, pick() * total)]
            org.tickets += 1
            self.ticket(batches, ticket_id(), org, created)
            if index % BATCH and index != len(times):
                continue
            for name in ("ticket", "reply", "event", "clock", "attachment", "watcher"):
                writer.put(self.tables[name], batches[name])
                batches[name] = []
            writer.put(self.tables["escalation"], batches["escalation"])
            batches["escalation"] = []
            done = index / len(times)
            if done >= next_report:
                copied = ", ".join(
                    f"{name.split('_', 1)[1]} {count:,}" for name, count in writer.rows.items()
                )
                self.say(f"{index:,} tickets generated ({done:.0%}); rows copied: {copied}\n")
                next_report = done + 0.05
        writer.put(self.tables["counter"], [(org.id, org.tickets) for org in self.orgs])

    def ticket(self, b: dict[str, list[tuple]], tid: int, org: Org, created: int) -> None:
        rnd, now = self.rnd, self.now
        age = now - created
        # About 5% open: most tickets of the last weeks, a few long-running older ones.
        limit = 0.70 if age < 30 * DAY else 0.32 if age < 90 * DAY else 0.0018
        is_open = rnd.random() < limit
        type_ = rnd.choice(TYPES)
        severity = "" if type_ == "enhancement" else rnd.choice(SEVERITIES)
        channel = rnd.choice(CHANNELS)
        valid = org.valid_from <= created < org.valid_to
        version = rnd.choice(org.versions if rnd.random() < 0.95 else self.versions)
        users = org.users
        # A few people log most of an organisation's tickets; everyone logs some.
        if rnd.random() < 0.5:
            requester = users[min(int(rnd.expovariate(0.25)), len(users) - 1)]
        else:
            requester = users[rnd.randrange(len(users))]
        created_by = requester if channel == "portal" else rnd.choice(self.assignees)
        targets = self.policies.get((org.tier_id, severity), []) if valid and severity else []

        # -- the story's timeline (seconds) --
        n = rnd.choice(REPLY_COUNTS)
        status = "closed"
        working = False  # an open ticket past its first response
        if is_open:
            self.open_tickets += 1
            status = rnd.choice(OPEN_NEW if age < DAY else OPEN_WEEK if age < 7 * DAY else OPEN_OLD)
            working = status not in ("new", "acknowledged")
            n = max(2, n // 2) if working else rnd.randint(0, 1)
        response = RESPONSE_HOURS[severity] * HOUR * math.exp(rnd.gauss(0, 0.8))
        # Critical tickets are triaged within minutes (after hours by the on-call agent).
        if severity == "S1":
            late = rnd.random() < 0.15
            ack = min(response, 60 * (rnd.uniform(15, 90) if late else rnd.uniform(2, 14)))
        else:
            ack = min(response, rnd.uniform(0.05, 1.0) * response + 600)
        if working:
            # Work goes on: the latest update is recent, the ones before spread out.
            response = min(response, age * 0.4)
            latest = max(response, age - 600 - HOUR * rnd.expovariate(1 / 20))
            middle = sorted(rnd.uniform(response, latest) for _ in range(n - 2))
            offsets = [response, *middle, latest]
            ack = min(ack, response)
        else:
            offsets = [response]
            for _ in range(n - 1):
                offsets.append(offsets[-1] + HOUR * rnd.expovariate(1 / 22))
        resolve = (offsets[-1] if n else response) + HOUR * rnd.expovariate(1 / 10)
        end = resolve + DAY * rnd.uniform(3, 7)
        # Everything happened before now: squeeze the story into the ticket's age.
        last = max(offsets[-1] if n else 0.0, ack) if is_open else end
        room = (age - 600) * 0.9
        if last > room:
            scale = room / last
            offsets = [o * scale for o in offsets]
            ack, resolve, end = ack * scale, resolve * scale, end * scale
        if status == "closed" and created + end > now - 7 * DAY and rnd.random() < 0.7:
            status = "resolved"  # awaiting the customer's confirmation

        assignee = None
        if status != "new" or rnd.random() < 0.2:
            i = bisect.bisect(self.assignee_weights, rnd.random() * self.assignee_weights[-1])
            assignee = self.assignees[i]
            # Team queues: a quarter of the open tickets wait for someone to take them.
            if is_open and status != "waiting_on_customer" and rnd.random() < 0.25:
                assignee = None
        staff = assignee or rnd.choice(self.assignees)
        replies = []
        for i, offset in enumerate(offsets[:n]):
            if status in ("new", "acknowledged"):
                kind = "customer"
            elif i == 0 or (working and i == n - 1):
                kind = "staff"
            else:
                r = rnd.random()
                kind = "note" if r < 0.1 else "staff" if r < 0.55 else "customer"
            replies.append((created + int(offset), kind))

        # -- history, conversation and attachments --
        events, org_id, key = b["event"], org.id, (tid, org.id)
        version_no = 1

        def event(actor, kind, at, field="", old="", new="", message="", public=True):
            nonlocal version_no
            events.append(
                key + (actor, kind, field, old, new, message, public, version_no, _at(at))
            )
            version_no += 1

        event(created_by, "created", created, message=f"Logged via {channel}")
        if not valid:
            warning = f"{org.name} has no valid support contract today: the ticket is accepted, "
            warning += "flagged, and gets no SLA clock."
            events.append(
                key + (None, "intake_warning", "", "", "", warning, False, 1, _at(created))
            )
        acknowledged_at = first_response = None
        current = "new"
        if status != "new":
            acknowledged_at = created + int(ack)
            if assignee is not None:
                event(staff, "assignee", acknowledged_at, "assignee", "", self.staff_names[staff])
            event(staff, "status", acknowledged_at, "status", "New", "Acknowledged")
            current = "acknowledged"
        for at, kind in replies:
            author = requester if kind == "customer" else staff
            rid = self.reply_id()
            body = rnd.choice(self.bodies[kind])
            b["reply"].append((rid, tid, org_id, author, body, kind == "note", "portal", _at(at)))
            if kind == "staff" and first_response is None:
                first_response = at
                event(staff, "status", at, "status", LABEL[current], "In progress")
                current = "in_progress"
            event(author, "note" if kind == "note" else "reply", at, public=kind != "note")
            if rnd.random() < 0.08:
                self.attachment(b, key, rid, author, at)
        if rnd.random() < 0.2:
            self.attachment(b, key, None, requester, created)
        if status == "in_progress" and current == "acknowledged":
            assert acknowledged_at is not None  # "acknowledged" comes with its time
            event(staff, "status", acknowledged_at + 60, "status", "Acknowledged", "In progress")
        last_reply = replies[-1][0] if replies else (acknowledged_at or created)
        workaround_at = paused_at = resolved_at = closed_at = None
        lowered = severity
        if status == "workaround_provided":
            workaround_at = last_reply
            event(staff, "workaround", workaround_at, "workaround", "", "Disable the schedule.")
            event(staff, "status", workaround_at, "status", LABEL[current], LABEL[status])
            lowered = LOWER[severity]
            if lowered != severity:
                reason = "A workaround is in place."
                event(staff, "severity", workaround_at, "severity", severity, lowered, reason)
        elif status == "waiting_on_customer":
            paused_at = last_reply + 60
            event(staff, "status", paused_at, "status", LABEL[current], LABEL[status])
        elif status in ("resolved", "closed"):
            resolved_at = created + int(resolve)
            event(staff, "status", resolved_at, "status", LABEL[current], "Resolved")
            if status == "closed":
                closed_at = created + int(end)
                event(None, "status", closed_at, "status", "Resolved", "Closed")
        moments = [created, acknowledged_at, resolved_at, closed_at, paused_at, workaround_at]
        last_activity = max([m for m in moments if m is not None] + [at for at, _ in replies])

        # -- SLA clocks, as the clock service would have started, met and cancelled them --
        due_at = warn_at = due_calendar = None
        breached = False

        def track(result: tuple[int | None, int | None, bool, int]) -> None:
            nonlocal due_at, warn_at, breached, due_calendar
            due, warn, unmet, calendar_id = result
            if due is not None and (due_at is None or due < due_at):
                due_at, due_calendar = due, calendar_id
            if warn is not None and (warn_at is None or warn < warn_at):
                warn_at = warn
            breached = breached or unmet

        clocks = b["clock"]
        for target in targets:
            if target.kind == TargetKind.UPDATE:
                continue
            # The after-hours triage applies only while its calendar is closed.
            outside = target.only_outside_id
            if outside is not None and engine.is_open(self.calendars[outside], _utc(created)):
                continue
            met_by_kind: dict[str, int | None] = {
                TargetKind.TRIAGE: acknowledged_at,
                TargetKind.FIRST_RESPONSE: first_response,
                TargetKind.WORKAROUND: workaround_at,
            }
            met = met_by_kind.get(target.kind, resolved_at)
            track(self.clock(clocks, key, target, severity, created, met=met,
                             cancelled=resolved_at, paused=paused_at))  # fmt: skip
        # Update cycles: each public staff reply meets the running cycle and starts the next.
        staff_times = [at for at, kind in replies if kind == "staff"] if targets else []
        for i, start in enumerate(staff_times):
            final = i + 1 == len(staff_times)
            # A workaround moved the cycle running then to the lowered severity's target.
            cycle = (
                lowered
                if workaround_at is not None and (final or start >= workaround_at)
                else severity
            )
            update = next(
                (t for t in self.policies.get((org.tier_id, cycle), []) if t.kind == "update"),
                None,
            )
            if update is None:
                continue
            if not final:
                track(self.clock(clocks, key, update, cycle, start, met=staff_times[i + 1]))
            elif workaround_at is not None and update.until_workaround:
                track(self.clock(clocks, key, update, cycle, start, cancelled=workaround_at))
            else:
                track(self.clock(clocks, key, update, cycle, start, cancelled=resolved_at,
                                 paused=paused_at))  # fmt: skip

        if status in ("resolved", "closed"):
            due_at = warn_at = due_calendar = None  # a resolved ticket owes nothing more

        # -- watchers and escalation --
        if len(users) > 1 and rnd.random() < 0.1:
            watcher = rnd.choice(users)
            if watcher != requester:
                b["watcher"].append((tid, watcher))
        escalation_level = 0
        if severity in ("S1", "S2") and rnd.random() < 0.012:
            asked = created + int(offsets[0] * 0.5) + 60
            event(requester, "escalation_requested", asked, message="Escalation requested")
            if is_open and rnd.random() < 0.5:
                reason = "We need a fix before our month-end close."
                b["escalation"].append(key + (requester, reason, "pending", _at(asked)))
                b["escalation"][-1] += (None, None, "")
            else:
                escalation_level, handled = 1, asked + 2 * HOUR
                reason = "Production is affected at every branch."
                plan = "A specialist takes over; daily calls until fixed."
                b["escalation"].append(
                    key + (requester, reason, "accepted", _at(asked), self.managers[0])
                    + (_at(handled), plan)
                )  # fmt: skip
                event(self.managers[0], "escalation", handled, "escalation_level", "0", "1")

        b["ticket"].append(
            (tid, org_id, org.tickets, f"{org.code}-{org.tickets}", rnd.choice(self.titles))
            + (rnd.choice(self.descriptions), type_, lowered, rnd.choice(PRIORITIES), version)
            + (channel, "Invoicing has stopped for every branch." if severity == "S1" else "")
            + (requester, assignee, created_by, status, escalation_level)
            + ("Disable the schedule." if workaround_at else "", _at(workaround_at))
            + (org.contract_id if valid else None, valid, version in org.versions)
            + (channel in org.channels, _at_us(due_at), _at_us(warn_at), breached, _at(created))
            + (_at(last_activity), _at(last_activity), _at(acknowledged_at))
            + (_at(first_response), _at(resolved_at), _at(closed_at), version_no - 1)
            + (due_calendar,)
        )  # fmt: skip

    def attachment(self, b, key: tuple[int, int], reply: int | None, author: int, at: int):
        name, content_type, size = self.rnd.choice(ATTACHMENTS)
        path = f"attachments/{key[1]}/{self.rnd.getrandbits(128):032x}"
        size += self.rnd.randrange(10_000)
        b["attachment"].append(key + (reply, path, name, content_type, size, author, _at(at)))

    # -- the whole run -----------------------------------------------------------------------

    def tune(self, raw) -> None:
        """Settings of one writing transaction. Checking each row's foreign keys costs a
        locking look-up per key, several times the COPY itself; the rows are generated
        consistent, so a superuser's session skips those checks (they are triggers).
        Indexes and unique constraints are maintained as always."""
        with raw.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            # Full-text (GIN) indexes take new rows into a pending list and merge it when
            # full: a larger list and more memory merge far less often.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
            if row and row[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
            elif raw is self.lanes[0]:
                self.say("not a superuser: foreign keys are checked row by row (slower)\n")

    def run(self, *, jobs: int) -> dict[str, int]:
        """With one job, everything is written in the caller's transaction; with more,
        each job's connection writes its tables in a transaction of its own, and all
        commit at the end (a failure rolls them all back)."""
        self.load_policies()
        self.text_pools()
        if jobs == 1:
            self.lanes = [connection.cursor().connection]  # the psycopg connection
        else:
            params = connection.get_connection_params()
            self.lanes = [connection.get_new_connection(params) for _ in range(jobs)]
        for raw in self.lanes:
            self.tune(raw)
        # Two lanes of about equal COPY work (tickets carry most indexes, replies the
        # full-text work of the longest texts).
        route = {self.tables[key].name: 1 for key in ("reply", "clock")}
        writer = Writer(self.lanes, route)
        committed = False
        try:
            self.people(writer)
            self.tickets(writer)
            writer.close()
            if jobs > 1:
                for raw in self.lanes:
                    raw.commit()
            committed = True
        finally:
            if jobs > 1:
                for raw in self.lanes:
                    if not committed:
                        raw.rollback()
                    raw.close()
        # Outside a transaction (the usual run), VACUUM too: it leaves the tables as
        # autovacuum keeps a live database (visibility map set, so counts can use
        # index-only scans; the full-text indexes' pending lists merged).
        maintenance = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        self.say(f"copied; resetting sequences and running {maintenance}\n")
        tables = [Team, Organization, User, Membership, Contract, Ticket, Reply, TicketEvent]
        tables += [Attachment, EscalationRequest, SLAClock]
        tables += [Contract.covered_versions.through, Ticket.watchers.through]
        tables += [Team.members.through]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), tables):
                cursor.execute(sql)
            for name in sorted({t.name for t in self.tables.values()}):
                cursor.execute(f"{maintenance} {name}")
        self.copy_seconds = writer.seconds
        return writer.rows


class Command(BaseCommand):
    help = "Fill an empty PostgreSQL database with the benchmark's data set (bench/run.py)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=1_000_000)
        parser.add_argument("--organizations", type=int, default=1_000)
        parser.add_argument("--customers", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--jobs",
            type=int,
            choices=[1, 2],
            default=2,
            help="connections that COPY in parallel (1: all in one transaction)",
        )

    def handle(self, *args, tickets, organizations, customers, seed, jobs, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_bench needs PostgreSQL (it streams rows with COPY); point DATABASE_URL "
                "at a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/helpdesk_bench."
            )
        if tickets < 1 or organizations < 1:
            raise CommandError("Give at least one ticket and one organisation.")
        with scopes_disabled():  # seeds every organisation of the benchmark
            existing = Organization.objects.count()
            if existing or User.objects.filter(email__endswith=CUSTOMER_DOMAIN).exists():
                raise CommandError(
                    f"This database already holds {existing:,} organisations: seed_bench fills "
                    "an empty database only and refuses to run twice. Use a new database "
                    "(createdb, then manage.py migrate)."
                )
            started = time.monotonic()
            seeder = Seeder(
                tickets=tickets,
                organizations=organizations,
                customers=customers,
                seed=seed,
                out=self.stdout,
            )
            if jobs == 1:
                with transaction.atomic():
                    rows = seeder.run(jobs=1)
            else:
                rows = seeder.run(jobs=jobs)
            elapsed = time.monotonic() - started
        total = sum(rows.values())
        self.stdout.write(
            f"Seeded {total:,} rows in {elapsed:.0f} s ({total / elapsed:,.0f} rows/s); "
            f"{seeder.open_tickets:,} open tickets ({seeder.open_tickets / tickets:.1%}):"
        )
        for table, count in sorted(rows.items()):
            seconds = seeder.copy_seconds.get(table, 0.0)
            self.stdout.write(f"  {table:<32} {count:>12,} rows {seconds:8.1f} s of COPY")
        largest = max(seeder.orgs, key=lambda org: org.tickets)
        admin = f"admin@{largest.code.lower()}.{CUSTOMER_DOMAIN}"
        self.stdout.write(f"\nSign-ins (every password is {BENCH_PASSWORD}):")
        self.stdout.write(f"  agent                     {AGENT_EMAIL}")
        self.stdout.write(f"  manager                   {MANAGER_EMAIL}")
        self.stdout.write(f"  customer administrator    {admin} ({largest.tickets:,} tickets)")
