"""Five months of support history, replayed through the real services.

Each ticket's story (logged, triaged, answered, paused, worked around, resolved,
confirmed) is played at its own moment in the past with time-machine moving the clock,
so every SLA clock, breach and history row is exactly what the product would have
recorded. Notifications are muted while the past is replayed. Deterministic: the same
seed gives the same story; an organisation that already has tickets is skipped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import zoneinfo

import time_machine
from django.utils import timezone

from accounts.models import MemberRole, Membership, Organization, StaffRole, User
from core.events import muted
from sla import services as clock_service
from sla.models import ClockState, SLAClock, TargetUnit
from sla.selectors import contract_in_force, vendor_calendar
from tickets import escalations, intake, services
from tickets.models import Priority, Ticket, TicketType

DAYS_OF_HISTORY = 150
TICKETS_PER_ORG = {"ACME": 46, "GLBX": 30, "INIT": 52, "UMBR": 40, "WAYN": 6}
VENDOR_TZ = zoneinfo.ZoneInfo("Europe/Budapest")

PROBLEMS = [
    # (product, title, description, type, usual severity)
    (
        "Ledgerline ERP",
        "Invoice posting fails with error 500",
        "Posting a sales invoice ends with *Internal error 500*. It started after this "
        "morning's batch import.\n\n1. Open Sales → Invoices\n2. Post any draft invoice",
        TicketType.INCIDENT,
        "S1",
    ),
    (
        "Ledgerline ERP",
        "Month-end close stuck at 'Revaluing currencies'",
        "The month-end wizard has shown *Revaluing currencies* for three hours.",
        TicketType.INCIDENT,
        "S1",
    ),
    (
        "Ledgerline ERP",
        "VAT report totals differ from the ledger",
        "The quarterly VAT report is 1,204.55 EUR lower than the ledger balance.",
        TicketType.BUG,
        "S2",
    ),
    (
        "Ledgerline ERP",
        "Slow stock valuation report",
        "The stock valuation report takes 6 minutes since the upgrade (it took 40 s).",
        TicketType.INCIDENT,
        "S2",
    ),
    (
        "Ledgerline ERP",
        "Typo in the German dunning letter template",
        "The second reminder says *Zahlungserinerung*.",
        TicketType.BUG,
        "S3",
    ),
    (
        "Ledgerline ERP",
        "How do we archive closed fiscal years?",
        "Which steps archive fiscal year 2023 without losing audit trails?",
        TicketType.SERVICE_REQUEST,
        "S3",
    ),
    (
        "Ledgerline Payroll",
        "Payslips not generated for part-time staff",
        "The payroll run skipped 14 part-time employees; payday is tomorrow.",
        TicketType.INCIDENT,
        "S1",
    ),
    (
        "Ledgerline Payroll",
        "Overtime rate rounding is off by one cent",
        "Overtime at 1.5x rounds 0.005 down instead of up.",
        TicketType.BUG,
        "S2",
    ),
    (
        "Ledgerline Payroll",
        "Please add a new cost centre to the export",
        "We opened a new site and need cost centre 4410 in the export.",
        TicketType.SERVICE_REQUEST,
        "S3",
    ),
    (
        "Ledgerline Connect API",
        "API returns 429 for normal traffic",
        "Our integration receives HTTP 429 at about 20 requests a minute.",
        TicketType.INCIDENT,
        "S2",
    ),
    (
        "Ledgerline Connect API",
        "Webhook signatures fail validation",
        "Since 2.1 the `X-Ledgerline-Signature` header no longer validates.",
        TicketType.BUG,
        "S1",
    ),
    (
        "Ledgerline Connect API",
        "Documentation for the bulk endpoint is missing",
        "The bulk import endpoint is not in the API reference.",
        TicketType.BUG,
        "S3",
    ),
    (
        "Ledgerline ERP",
        "Dark mode for the web client",
        "Many of our users work night shifts; a dark theme would help.",
        TicketType.ENHANCEMENT,
        "",
    ),
    (
        "Ledgerline Payroll",
        "Export payslips as a single PDF",
        "Please offer one merged PDF per payroll run.",
        TicketType.ENHANCEMENT,
        "",
    ),
]

AGENT_REPLIES = [
    "Thank you for the details. We are reproducing this on {version} now.",
    "We can see the problem in your logs and are working on it.",
    "A quick update: the cause is in the posting queue; a fix is being tested.",
    "Could you send us the export of the failing batch and the time it ran?",
]
CUSTOMER_REPLIES = [
    "Attached is the export you asked for; it ran at 08:15.",
    "Thanks, we tried that and the issue persists for some users.",
    "Any news? The finance team is waiting on this.",
]
WORKAROUNDS = [
    "Post the invoices in batches of 50 from *Sales → Batch posting* until the fix ships.",
    "Run the report with *Use cached valuation* ticked; figures are identical.",
    "Restart the integration worker after the nightly job; the hotfix follows in 8.1.3.",
]
RESOLUTIONS = [
    "Fixed in hotfix 8.1.3, installed on your production system this morning.",
    "The posting rule had the wrong tax code; we corrected it and reposted the batch.",
    "Caused by an expired certificate on the bank interface; renewed, and payments run.",
    "Explained in the knowledge base article on period closing; the setting is now on.",
]
REOPEN_REASONS = [
    "The error is back since this morning's run; same message as before.",
    "Two users still see the old figures after the fix.",
]


class Story:
    def __init__(self, rng: random.Random, staff: dict[str, list[User]]):
        self.rng = rng
        # Recent tickets stop at each of these in turn (not at random), so that the
        # queues show every state whatever the hour the demo is seeded at.
        self.stops = itertools.cycle(
            ["workaround", "new", "acknowledged", "replied", "waiting", "resolved"]
        )
        self.agents = staff[StaffRole.AGENT] + staff[StaffRole.SPECIALIST]
        self.managers = staff[StaffRole.MANAGER]

    def at(self, when: dt.datetime):
        return time_machine.travel(when, tick=False)

    def keep_customers_posted(self, now: dt.datetime) -> None:
        """Most open tickets in progress got a recent update, so their cadence is on
        track; the rest show what an overdue update looks like."""
        in_progress = (
            Ticket.objects.open()
            .filter(first_response_at__isnull=False, assignee__isnull=False)
            .exclude(status="waiting_on_customer")
        )
        for ticket in in_progress.select_related("assignee").order_by("pk"):
            when = now - dt.timedelta(minutes=self.rng.randint(20, 100))
            if when > ticket.last_activity_at and self.rng.random() < 0.8:
                with self.at(when):
                    services.ticket_reply(
                        ticket.assignee,
                        ticket=ticket,
                        body="Update: still on it. The fix is in testing; next update as agreed.",
                    )

    def play(self, organization: Organization, created: dt.datetime, now: dt.datetime) -> None:
        rng = self.rng
        contacts = list(User.objects.filter(membership__organization=organization, is_active=True))
        requester = rng.choice(contacts)
        product, title, description, kind, severity = rng.choice(PROBLEMS)
        contract = contract_in_force(organization=organization, on=created.date())
        versions = list(contract.covered_versions.filter(product__name=product)) if contract else []
        if kind != TicketType.ENHANCEMENT and rng.random() < 0.25:
            severity = rng.choice(["S1", "S2", "S3"])
        with self.at(created):
            ticket = intake.ticket_create(
                requester,
                organization=organization,
                requester=requester,
                title=title,
                description=description,
                type=kind,
                severity=severity,
                product_version=versions[0] if versions else None,
                business_impact="Finance cannot close the month; 40 users affected."
                if severity == "S1"
                else "",
                watchers=[c for c in contacts if c != requester][: rng.randint(0, 1)],
            )
        age = now - created
        # Recent tickets stop somewhere along the way, so the queues show every state.
        stop = next(self.stops) if age < dt.timedelta(days=6) else "closed"
        if stop == "new":
            return
        agent = rng.choice(self.agents)
        # Response time: usually well inside the target (critical ones by the on-call
        # agent within minutes), sometimes late.
        late = rng.random() < 0.12
        if late:
            minutes = rng.randint(180, 1500)
        elif severity == "S1":
            minutes = rng.randint(3, 13)
        else:
            minutes = rng.randint(5, 110)
        t = created + dt.timedelta(minutes=minutes)
        if t >= now:
            return  # still new and untouched
        with self.at(t):
            services.ticket_assign(agent, ticket=ticket, assignee=agent)
            if rng.random() < 0.5:
                services.ticket_set_priority(
                    agent, ticket=ticket, priority=rng.choice(list(Priority.values))
                )
        if stop == "acknowledged":
            return
        t += dt.timedelta(minutes=rng.randint(3, 90))
        if t >= now:
            return
        with self.at(t):
            services.ticket_reply(
                agent,
                ticket=ticket,
                body=rng.choice(AGENT_REPLIES).format(
                    version=ticket.product_version or "our test system"
                ),
            )
            services.ticket_transition(agent, ticket=ticket, action="start_progress")
        if stop == "replied":
            return
        if stop == "waiting":
            with self.at(t + dt.timedelta(minutes=30)):
                services.ticket_transition(agent, ticket=ticket, action="wait_on_customer")
            return
        # A detour through the customer, except on the way to a recent resolution.
        if stop not in ("workaround", "resolved") and rng.random() < 0.35:
            t += dt.timedelta(hours=rng.randint(1, 20))
            if t >= now:
                return
            with self.at(t):
                services.ticket_transition(agent, ticket=ticket, action="wait_on_customer")
            t += dt.timedelta(hours=rng.randint(2, 60))
            if t >= now:
                return
            with self.at(t):
                services.ticket_reply(requester, ticket=ticket, body=rng.choice(CUSTOMER_REPLIES))
        if rng.random() < 0.25:
            t += dt.timedelta(hours=rng.randint(1, 30))
            if t >= now:
                return
            with self.at(t):
                services.ticket_reply(
                    agent,
                    ticket=ticket,
                    internal=True,
                    # A mention (tickets.mentions): notifications are muted while seeding.
                    body="Checked with development: known regression. "
                    "@sofia.specialist, which build fixes it?",
                )
        wants_workaround = severity in ("S1", "S2") and rng.random() < 0.55
        if (stop == "workaround" and kind != TicketType.ENHANCEMENT) or wants_workaround:
            t += dt.timedelta(hours=rng.randint(1, 30))
            if t >= now:
                return
            with self.at(t):
                services.ticket_transition(
                    agent,
                    ticket=ticket,
                    action="provide_workaround",
                    workaround=rng.choice(WORKAROUNDS),
                )
            if kind == TicketType.BUG and rng.random() < 0.6:
                with self.at(t + dt.timedelta(minutes=20)):
                    services.ticket_link_tracker(
                        agent,
                        ticket=ticket,
                        reference=f"LL-{rng.randint(2000, 9999)}",
                        url="",
                        estimated_resolution=(t + dt.timedelta(days=21)).date(),
                    )
            if stop == "workaround":
                return
        if severity == "S1" and rng.random() < 0.35 and self.managers:
            t += dt.timedelta(hours=rng.randint(1, 8))
            if t >= now:
                return
            with self.at(t):
                escalation = escalations.escalation_request(
                    requester,
                    ticket=ticket,
                    reason="This blocks our month-end close; we need a senior engineer.",
                )
            if t + dt.timedelta(hours=2) < now and rng.random() < 0.8:
                manager = rng.choice(self.managers)
                with self.at(t + dt.timedelta(hours=2)):
                    escalations.escalation_accept(
                        manager,
                        escalation=escalation,
                        level=rng.randint(1, 2),
                        specialist=next(
                            (a for a in self.agents if a.staff_role == StaffRole.SPECIALIST),
                            None,
                        ),
                        action_plan="Specialist reproduces with the customer's data; "
                        "hotfix build if confirmed.",
                        communication_channel="Phone bridge and email",
                        cadence_amount=4,
                        cadence_unit=TargetUnit.HOURS,
                        cadence_calendar=vendor_calendar(),
                        participants=str(requester),
                    )
        # Older tickets end resolved and (mostly) confirmed; recent ones stay open, but
        # for those stopping at "resolved", which are resolved before now whatever the
        # hour the demo is seeded at.
        if stop in ("closed", "resolved"):
            before = t
            t += dt.timedelta(hours=rng.randint(2, 24 * (4 if severity != "S3" else 12)))
            if stop == "resolved":
                soon = now - dt.timedelta(minutes=rng.randint(5, 60))
                t = max(before + dt.timedelta(minutes=1), min(t, soon))
            if t >= now:
                return
            with self.at(t):
                services.ticket_transition(
                    agent, ticket=ticket, action="resolve", resolution=rng.choice(RESOLUTIONS)
                )
            if stop == "resolved":
                return
            t += dt.timedelta(hours=rng.randint(1, 72))
            if t >= now:
                return
            with self.at(t):
                if rng.random() < 0.1:
                    services.ticket_transition(
                        requester,
                        ticket=ticket,
                        action="reopen",
                        reason=rng.choice(REOPEN_REASONS),
                    )
                else:
                    services.ticket_transition(
                        requester, ticket=ticket, action="confirm_resolution"
                    )


def _created_times(rng: random.Random, count: int, now: dt.datetime) -> list[dt.datetime]:
    times = []
    for _ in range(count):
        # More recent tickets than old ones, mostly in office hours, some at night.
        days_ago = int(DAYS_OF_HISTORY * (rng.random() ** 1.6))
        day = (now - dt.timedelta(days=days_ago)).astimezone(VENDOR_TZ).date()
        if day.weekday() >= 5 and rng.random() < 0.7:
            day -= dt.timedelta(days=day.weekday() - 4)
        hour = rng.choice([8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 19, 22, 2])
        local = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)), tzinfo=VENDOR_TZ)
        times.append(min(local.astimezone(dt.UTC), now - dt.timedelta(minutes=30)))
    return sorted(times)


def seed(stdout) -> None:
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    now = timezone.now().replace(second=0, microsecond=0)
    staff: dict[str, list[User]] = {role: [] for role in StaffRole.values}
    for user in User.objects.exclude(staff_role="").order_by("email"):
        staff[user.staff_role].append(user)
    story = Story(rng, staff)
    seeded = False
    with muted():
        for code, count in TICKETS_PER_ORG.items():
            organization = Organization.objects.get(code=code)
            if Ticket._base_manager.filter(organization=organization).exists():
                continue
            if not Membership.objects.filter(
                organization=organization, role=MemberRole.ADMIN
            ).exists():
                continue
            seeded = True
            for index, created in enumerate(_created_times(rng, count, now), start=1):
                story.play(organization, created, now)
                if index % 10 == 0 or index == count:
                    stdout.write(f"    {code}: {index}/{count} tickets")
        if seeded:
            story.keep_customers_posted(now)
        # What the SLA sweep would have recorded by now, without sending anything.
        for clock_id in SLAClock._base_manager.filter(
            state=ClockState.RUNNING, next_check_at__lte=now
        ).values_list("pk", flat=True):
            while result := clock_service.clock_check(clock_id=clock_id, at=now):
                if result.ticket_id is not None:
                    services.ticket_deadline_refresh(ticket_id=result.ticket_id)
