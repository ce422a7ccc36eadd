"""Reads of the SLA domain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import Organization
from sla import engine
from sla.models import Contract, SLAPolicy, SLATarget


def contract_in_force(*, organization: Organization, on: dt.date | None = None) -> Contract | None:
    """The organisation's contract valid on ``on`` (today by default): one query.

    Used at ticket intake. Contracts never overlap, so there is at most one.
    """
    day = on or timezone.localdate()
    # Scoped to the organisation explicitly: intake runs for staff and email-in too.
    return (
        Contract._base_manager.filter(
            organization=organization, valid_from__lte=day, valid_to__gte=day
        )
        .select_related("tier")
        .first()
    )


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


# How far ahead a countdown knows the calendar's open spans: a page left open longer
# counts on in wall-clock time until it is refreshed.
COUNTDOWN_HORIZON = dt.timedelta(days=3)


@dataclass(frozen=True)
class Countdown:
    """Open time left before a ticket's earliest running deadline (negative once it has
    passed: open time late), as of ``at``, with the calendar's open spans ahead so that
    the page counts down only while the clock runs (static/js/workspace.js)."""

    seconds: int
    at: dt.datetime
    overdue: bool  # the deadline has passed (even if no open time has since)
    always_open: bool
    windows: tuple[tuple[dt.datetime, dt.datetime], ...]

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


def ticket_countdowns(*, tickets: Iterable, at: dt.datetime) -> None:
    """Set ``ticket.countdown`` (a Countdown, or None without a running deadline) on each
    ticket annotated with ``sla_calendar_id`` (tickets.queues): one query whatever the
    number of tickets, the calendars themselves coming from the engine's cache."""
    from sla.services import engine_calendars

    calendars = engine_calendars()
    for ticket in tickets:
        cal = calendars.get(getattr(ticket, "sla_calendar_id", None))  # type: ignore[arg-type]
        if ticket.sla_due_at is None or cal is None:
            ticket.countdown = None
            continue
        due = ticket.sla_due_at
        late = engine.late_by(cal, due, at)  # zero until the deadline has passed
        left = engine.open_time_between(cal, at, due) - late
        ticket.countdown = Countdown(
            seconds=int(left.total_seconds()),
            at=at,
            overdue=due <= at,
            always_open=cal.always_open,
            windows=()
            if cal.always_open
            else tuple(engine.open_windows(cal, at, at + COUNTDOWN_HORIZON)),
        )
