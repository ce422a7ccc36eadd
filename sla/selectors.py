"""Reads of the SLA domain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from accounts.models import Organization
from sla import durations, engine
from sla.models import (
    BusinessCalendar,
    Channel,
    ClockState,
    Contract,
    ProductVersion,
    SLAPolicy,
    SLATarget,
)
from sla.services import engine_calendars


def _in_force(organization: Organization, day: dt.date) -> QuerySet[Contract]:
    # Scoped to the organisation explicitly: intake runs for staff and email-in too.
    return Contract._base_manager.filter(
        organization=organization, valid_from__lte=day, valid_to__gte=day
    )


def contract_in_force(
    *,
    organization: Organization,
    on: dt.date | None = None,
    covering: ProductVersion | None = None,
) -> Contract | None:
    """The organisation's contract valid on ``on`` (today by default): one query.

    Used at ticket intake. Contracts never overlap, so there is at most one. With
    ``covering``, the same query also says whether it covers that product version
    (``contract.covers``).
    """
    contracts = _in_force(organization, on or timezone.localdate()).select_related("tier")
    if covering is not None:
        covered = Contract.covered_versions.through.objects.filter(
            contract_id=OuterRef("pk"), productversion_id=covering.pk
        )
        contracts = contracts.annotate(covers=Exists(covered))
    return contracts.first()


@dataclass(frozen=True)
class ContractTerms:
    """What a customer's contract in force promises, as its page shows it."""

    contract: Contract
    policies: list[SLAPolicy]
    channels: list[str]
    products: list[tuple[str, list[str]]]  # product name, covered versions (newest first)
    calendars: list[BusinessCalendar]  # the business-hours calendars its targets count in


def contract_terms(*, organization: Organization, on: dt.date) -> ContractTerms | None:
    """The contract in force on ``on`` with its policies, products, channels and the
    calendars its targets run on (four queries); None without one."""
    contract = contract_in_force(organization=organization, on=on)
    if contract is None:
        return None
    policies = policies_for_tier(tier_id=contract.tier_id)
    calendars: dict[int, BusinessCalendar] = {}
    for policy in policies:
        for target in policy.targets.all():
            for calendar in (target.calendar, target.only_outside):
                if calendar is not None and not calendar.always_open:
                    calendars.setdefault(calendar.pk, calendar)
    # Describing the hours reads the openings: one query for all the calendars.
    prefetch_related_objects(list(calendars.values()), "openings")
    products: dict[str, list[str]] = {}
    for version in contract.covered_versions.select_related("product").order_by(
        "product__name", "-released_on", "version"
    ):
        products.setdefault(version.product.name, []).append(version.version)
    return ContractTerms(
        contract=contract,
        policies=policies,
        channels=[str(Channel(channel).label) for channel in contract.entitled_channels],
        products=sorted(products.items()),
        calendars=sorted(calendars.values(), key=lambda calendar: calendar.name),
    )


def last_contract(*, organization: Organization, before: dt.date) -> Contract | None:
    """The organisation's latest contract that ended before ``before``."""
    return (
        Contract.objects.filter(organization=organization, valid_to__lt=before)
        .order_by("-valid_to")
        .only("valid_to")
        .first()
    )


def versions_to_choose(*, organization: Organization) -> QuerySet[ProductVersion]:
    """The product versions a customer may name on a new ticket: those of the contract in
    force, or every one without a contract (the ticket is then flagged). No query until
    it is read, and then one, the contract's check included."""
    in_force = _in_force(organization, timezone.localdate())
    covered = Contract.covered_versions.through.objects.filter(
        productversion_id=OuterRef("pk"), contract__in=in_force
    )
    return ProductVersion.objects.filter(Exists(covered) | ~Exists(in_force)).select_related(
        "product"
    )


def covered_versions(*, contract: Contract | None) -> list[ProductVersion]:
    """The product versions a contract covers, with their products (none without one)."""
    if contract is None:
        return []
    return list(contract.covered_versions.select_related("product"))


def has_valid_contract(*, organization: Organization, on: dt.date | None = None) -> bool:
    return contract_in_force(organization=organization, on=on) is not None


def policies_for_tier(*, tier_id: int) -> list[SLAPolicy]:
    """The tier's policies with their targets and calendars, for the contract page."""
    return list(
        SLAPolicy.objects.filter(tier_id=tier_id)
        .order_by("severity")
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=SLATarget.objects.select_related("calendar", "only_outside"),
            )
        )
    )


def calendar_choices() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.order_by("name")


def vendor_calendar() -> BusinessCalendar | None:
    """The vendor's business calendar: the one named by ONCALL_CALENDAR_NAME (what
    "after hours" means too), else the first with opening hours. The default calendar
    of an escalation's update cadence."""
    return (
        BusinessCalendar.objects.filter(name=settings.ONCALL_CALENDAR_NAME).first()
        or BusinessCalendar.objects.filter(always_open=False).order_by("name").first()
    )


# How far ahead a countdown knows the calendar's open spans: a page left open longer
# counts on in wall-clock time until it is refreshed.
COUNTDOWN_HORIZON = dt.timedelta(days=3)


@dataclass(frozen=True)
class Countdown:
    """Open time left before a ticket's most urgent deadline (negative once it has
    passed: open time late), as of ``at``, with the calendar's open spans ahead so that
    the page counts down only while the clock runs (static/js/workspace.js)."""

    seconds: int
    at: dt.datetime
    overdue: bool  # the deadline has passed (even if no open time has since)
    always_open: bool
    windows: tuple[tuple[dt.datetime, dt.datetime], ...]
    # A business day of the calendar in seconds (its usual daily open time), so that
    # open time reads in business days there; None on 24x7, where a day is 24 hours.
    business_day: int | None = None

    @property
    def ticking(self) -> bool:
        return self.always_open or any(start <= self.at < end for start, end in self.windows)

    @property
    def resumes_at(self) -> dt.datetime | None:
        """When a stopped clock starts again (None while it runs, or beyond the horizon)."""
        if self.ticking:
            return None
        return next((start for start, _ in self.windows if start > self.at), None)

    @property
    def windows_json(self) -> str:
        """The open spans as [[start, end], ...] in epoch milliseconds, for the script."""
        return json.dumps(
            [[int(s.timestamp() * 1000), int(e.timestamp() * 1000)] for s, e in self.windows]
        )


def ticket_countdowns(
    *, tickets: Iterable, at: dt.datetime, calendars: dict[int, engine.Calendar] | None = None
) -> None:
    """Set ``ticket.countdown`` (a Countdown, or None without a deadline) on each ticket,
    on the calendar of the clock that sets its deadline (``sla_due_calendar``): one query
    whatever the number of tickets (none when the caller has the ``calendars``), the
    calendars themselves coming from the engine's cache."""

    if calendars is None:
        calendars = engine_calendars()
    for ticket in tickets:
        cal = calendars.get(ticket.sla_due_calendar_id)
        ticket.countdown = None
        if ticket.sla_due_at is not None and cal is not None:
            ticket.countdown = countdown_to(cal, ticket.sla_due_at, at)


def countdown_to(cal: engine.Calendar, due: dt.datetime, at: dt.datetime) -> Countdown:
    """The Countdown to ``due`` on the calendar ``cal``, as of ``at``."""
    late = engine.late_by(cal, due, at)  # zero until the deadline has passed
    left = engine.open_time_between(cal, at, due) - late
    return Countdown(
        seconds=int(left.total_seconds()),
        at=at,
        overdue=due <= at,
        always_open=cal.always_open,
        business_day=None if cal.always_open else int(durations.business_day(cal).total_seconds()),
        windows=()
        if cal.always_open
        else tuple(engine.open_windows(cal, at, at + COUNTDOWN_HORIZON)),
    )


def clocks_lateness(*, clocks: Iterable, at: dt.datetime) -> None:
    """Set ``clock.late`` on each clock of a ticket: how late it is, in open time of its
    calendar: the final lateness of a breach once met; the open time from the deadline
    to ``at`` while the target is still owed past it (breached, or running and not yet
    swept); None otherwise. And ``clock.engine_calendar``, to write it in words
    (``{{ clock.late|open_time:clock.engine_calendar }}``). And ``clock.countdown`` on a
    clock still owed, running or breached (None on the others), as ticket_countdowns
    does for a queue's rows. One query whatever the clocks: the calendars come from the
    engine's cache."""

    calendars = engine_calendars()
    for clock in clocks:
        cal = calendars.get(clock.calendar_id)
        clock.engine_calendar = cal
        clock.late = None
        clock.countdown = None
        owed = clock.state in (ClockState.RUNNING, ClockState.BREACHED) and not clock.met_at
        if cal is not None and owed and clock.due_at is not None:
            clock.countdown = countdown_to(cal, clock.due_at, at)
        if cal is None or clock.due_at is None:
            continue
        if clock.state == ClockState.BREACHED and clock.met_at is not None:
            clock.late = (
                dt.timedelta(minutes=clock.late_minutes)
                if clock.late_minutes is not None
                else engine.late_by(cal, clock.due_at, clock.met_at)
            )
        elif clock.state in (ClockState.RUNNING, ClockState.BREACHED) and clock.due_at <= at:
            clock.late = engine.late_by(cal, clock.due_at, at)
