"""The SLA clock service: the only code that starts, stops, pauses or reschedules clocks.

Tickets call it from their own services, inside their transaction. Deadlines are
computed by the pure functions of :mod:`sla.engine`; this module only loads and stores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from django.db.models import Prefetch

from sla import engine
from sla.models import (
    BusinessCalendar,
    ClockState,
    SLAClock,
    SLAPolicy,
    SLATarget,
    TargetKind,
)

if TYPE_CHECKING:
    from tickets.models import Ticket

ACTIVE = [ClockState.RUNNING, ClockState.PAUSED]


@lru_cache(maxsize=256)
def _cached_engine_calendar(calendar_id: int, updated_at: dt.datetime) -> engine.Calendar:
    # Keyed by updated_at: editing a calendar in the admin makes a new entry.
    return BusinessCalendar.objects.get(pk=calendar_id).to_engine()


def engine_calendar(calendar: BusinessCalendar) -> engine.Calendar:
    return _cached_engine_calendar(calendar.pk, calendar.updated_at)


def engine_calendars() -> dict[int, engine.Calendar]:
    """Every business calendar as the engine's, by id: one query for their versions, the
    calendars themselves from the cache of engine_calendar."""
    return {
        calendar.pk: engine_calendar(calendar)
        for calendar in BusinessCalendar.objects.only("updated_at")
    }


def policy_for(*, tier_id: int | None, severity: str) -> SLAPolicy | None:
    if tier_id is None or not severity:
        return None
    return (
        SLAPolicy.objects.filter(tier_id=tier_id, severity=severity)
        .prefetch_related(
            Prefetch(
                "targets", queryset=SLATarget.objects.select_related("calendar", "only_outside")
            )
        )
        .first()
    )


def _ticket_policy(ticket: Ticket) -> SLAPolicy | None:
    if not ticket.has_sla or ticket.contract is None:
        return None
    return policy_for(tier_id=ticket.contract.tier_id, severity=ticket.severity)


def _pauses(clock: SLAClock) -> list[tuple[dt.datetime, dt.datetime]]:
    return [
        (dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end))
        for start, end in clock.pauses
    ]


def _schedule(clock: SLAClock) -> None:
    """Recompute due_at, warn_at and next_check_at of a running clock."""
    cal = engine_calendar(clock.calendar)
    unit = cast(engine.Unit, clock.unit)
    due = engine.deadline(cal, clock.started_at, clock.amount, unit, _pauses(clock))
    warn = engine.warn_at(cal, clock.started_at, due, clock.warn_share)
    clock.due_at, clock.warn_at = due, warn
    if clock.breached_at is not None:
        clock.next_check_at = None
    elif clock.warned_at is None and warn < due:
        clock.next_check_at = warn
    else:
        clock.next_check_at = due


def _copy_target(clock: SLAClock, target: SLATarget, policy: SLAPolicy) -> None:
    clock.target = target
    clock.calendar = target.calendar
    clock.amount = target.amount
    clock.unit = target.unit
    clock.warn_share = policy.warn_share
    clock.severity = policy.severity


def _start(ticket: Ticket, target: SLATarget, policy: SLAPolicy, at: dt.datetime) -> SLAClock:
    clock = SLAClock(
        ticket=ticket, organization_id=ticket.organization_id, kind=target.kind, started_at=at
    )
    _copy_target(clock, target, policy)
    _schedule(clock)
    clock.save()
    return clock


def _applies(target: SLATarget, at: dt.datetime) -> bool:
    """The after-hours triage applies only while its reference calendar is closed."""
    if target.only_outside is None:
        return True
    return not engine.is_open(engine_calendar(target.only_outside), at)


def clocks_start(*, ticket: Ticket, at: dt.datetime) -> list[SLAClock]:
    """At creation: every target of the ticket's policy but the update cadence, which
    starts with the first public reply."""
    policy = _ticket_policy(ticket)
    started: list[SLAClock] = []
    if policy is not None:
        for target in policy.targets.all():
            if target.kind != TargetKind.UPDATE and _applies(target, at):
                started.append(_start(ticket, target, policy, at))
    # A new ticket has no other clock: its deadline is the earliest of these, and none
    # is breached (what refresh_ticket_deadline would find, without reading them again).
    deadlines = [(clock.due_at, clock.warn_at) for clock in started if clock.due_at is not None]
    _store_deadline(ticket, *(min(deadlines) if deadlines else (None, None)), breached=False)
    return started


def _active(ticket: Ticket, kinds: Iterable[str] | None = None):
    clocks = SLAClock.objects.select_for_update().filter(ticket=ticket, state__in=ACTIVE)
    if kinds is not None:
        clocks = clocks.filter(kind__in=list(kinds))
    return clocks.select_related("calendar")


def _close_pause(clock: SLAClock, at: dt.datetime) -> None:
    if clock.paused_at is not None:
        clock.pauses = [*clock.pauses, [clock.paused_at.isoformat(), at.isoformat()]]
        clock.paused_at = None


def _elapsed_open_minutes(clock: SLAClock, cal: engine.Calendar, at: dt.datetime) -> int:
    """Open time from the start to ``at`` less the open time spent paused: the response
    and resolution times of the dashboard."""
    paused = sum(
        (
            engine.open_time_between(cal, max(start, clock.started_at), min(end, at))
            for start, end in _pauses(clock)
        ),
        dt.timedelta(),
    )
    elapsed = engine.open_time_between(cal, clock.started_at, at) - paused
    return max(0, int(elapsed.total_seconds() // 60))


def _finish(clock: SLAClock, at: dt.datetime, state: str) -> None:
    """Stop a clock as met (or cancelled), recording a breach once if it ran out."""
    was_paused = clock.state == ClockState.PAUSED
    _close_pause(clock, at)
    if was_paused:
        _schedule(clock)
    clock.next_check_at = None
    if state == ClockState.MET:
        clock.met_at = at
        cal = engine_calendar(clock.calendar)
        clock.elapsed_open_minutes = _elapsed_open_minutes(clock, cal, at)
        if clock.due_at is not None and at > clock.due_at:
            clock.breached_at = clock.breached_at or clock.due_at
            clock.late_minutes = int(engine.late_by(cal, clock.due_at, at).total_seconds() // 60)
            state = ClockState.BREACHED
    clock.state = state
    clock.save()


def clocks_meet(*, ticket: Ticket, kinds: Iterable[str], at: dt.datetime) -> None:
    """The promise of these kinds is kept now (acknowledged, replied, resolved…).

    A clock the sweep already marked breached is still owed: it gets its met time and
    its final lateness, and stays breached.
    """
    kinds = list(kinds)
    for clock in _active(ticket, kinds):
        _finish(clock, at, ClockState.MET)
    owed = SLAClock.objects.select_for_update().filter(
        ticket=ticket, kind__in=kinds, state=ClockState.BREACHED, met_at__isnull=True
    )
    for clock in owed.select_related("calendar"):
        clock.met_at = at
        cal = engine_calendar(clock.calendar)
        assert clock.due_at is not None
        clock.late_minutes = int(engine.late_by(cal, clock.due_at, at).total_seconds() // 60)
        clock.elapsed_open_minutes = _elapsed_open_minutes(clock, cal, at)
        clock.save(update_fields=["met_at", "late_minutes", "elapsed_open_minutes"])
    refresh_ticket_deadline(ticket=ticket)


def clocks_cancel(*, ticket: Ticket, at: dt.datetime, kinds: Iterable[str] | None = None) -> None:
    """Stop clocks that no longer apply (no target after a severity change, a closed
    ticket's remaining update cadence). Breached clocks keep their breach."""
    for clock in _active(ticket, kinds):
        _finish(clock, at, ClockState.CANCELLED)
    refresh_ticket_deadline(ticket=ticket)


def clocks_pause(*, ticket: Ticket, at: dt.datetime) -> None:
    """Waiting on the customer: every running clock stops counting."""
    for clock in _active(ticket).filter(state=ClockState.RUNNING):
        clock.state = ClockState.PAUSED
        clock.paused_at = at
        # A paused clock has no deadline: the resume computes it again, shifted by the
        # open time spent waiting.
        clock.due_at = clock.warn_at = clock.next_check_at = None
        clock.save()
    refresh_ticket_deadline(ticket=ticket)


def clocks_resume(*, ticket: Ticket, at: dt.datetime) -> None:
    """The customer answered: deadlines move by the open time spent paused."""
    for clock in _active(ticket).filter(state=ClockState.PAUSED):
        _close_pause(clock, at)
        clock.state = ClockState.RUNNING
        _schedule(clock)
        clock.save()
    refresh_ticket_deadline(ticket=ticket)


def update_cycle_restart(*, ticket: Ticket, at: dt.datetime) -> SLAClock | None:
    """A public staff update: the running update cycle is met and the next one starts,
    unless the cadence runs only until a workaround and one has been provided. An
    overdue cycle the sweep already marked breached is settled too (met late)."""
    clocks_meet(ticket=ticket, kinds=[TargetKind.UPDATE], at=at)
    started = None
    policy = _ticket_policy(ticket)
    if policy is not None and ticket.is_open:
        target = next((t for t in policy.targets.all() if t.kind == TargetKind.UPDATE), None)
        if target is not None and not (target.until_workaround and ticket.workaround_at):
            started = _start(ticket, target, policy, at)
            if ticket.status == "waiting_on_customer":
                clocks_pause(ticket=ticket, at=at)
    refresh_ticket_deadline(ticket=ticket)
    return started


def clocks_apply_policy(*, ticket: Ticket, at: dt.datetime) -> None:
    """After a severity change: running clocks take the new policy's targets, keeping
    their start and pauses (the time already elapsed counts against the new target);
    kinds the new policy lacks are cancelled, kinds it adds start now."""
    policy = _ticket_policy(ticket)
    targets = {t.kind: t for t in policy.targets.all()} if policy else {}
    seen = set()
    for clock in _active(ticket):
        target = targets.get(clock.kind)
        if (
            target is None
            or policy is None
            or (
                clock.kind == TargetKind.UPDATE and target.until_workaround and ticket.workaround_at
            )
        ):
            _finish(clock, at, ClockState.CANCELLED)
            continue
        seen.add(clock.kind)
        _copy_target(clock, target, policy)
        if clock.state == ClockState.RUNNING:
            _schedule(clock)
            if clock.warned_at and clock.warn_at and clock.warn_at > at:
                clock.warned_at = None  # the new target has its own warning point
                _schedule(clock)
        clock.save()
    if policy is not None:
        pending = {
            TargetKind.FIRST_RESPONSE: ticket.first_response_at is None,
            TargetKind.WORKAROUND: ticket.workaround_at is None,
            TargetKind.RESOLUTION: ticket.resolved_at is None,
            TargetKind.UPDATE: ticket.first_response_at is not None
            and not (
                TargetKind.UPDATE in targets
                and targets[TargetKind.UPDATE].until_workaround
                and ticket.workaround_at
            ),
        }
        for kind, still_owed in pending.items():
            if kind in targets and kind not in seen and still_owed:
                _start(ticket, targets[kind], policy, at)
        if ticket.status == "waiting_on_customer":
            clocks_pause(ticket=ticket, at=at)
    refresh_ticket_deadline(ticket=ticket)


@dataclass(frozen=True)
class SweepResult:
    clock_id: int
    event: str  # "warning" or "breach"


def clock_check(*, clock_id: int, at: dt.datetime) -> SweepResult | None:
    """For the sweep: the warning or the breach of one clock, each recorded once.

    The row lock and the state check make it safe to run twice or in parallel.
    """
    clock = (
        SLAClock.objects.select_for_update(skip_locked=True)
        .select_related("calendar")
        .filter(pk=clock_id, state=ClockState.RUNNING, next_check_at__lte=at)
        .first()
    )
    if clock is None or clock.due_at is None:
        return None
    if clock.due_at <= at:
        clock.state = ClockState.BREACHED
        clock.breached_at = clock.due_at
        clock.next_check_at = None
        clock.save()
        refresh_ticket_deadline(ticket=clock.ticket)
        return SweepResult(clock.pk, "breach")
    clock.warned_at = at
    clock.next_check_at = clock.due_at
    clock.save()
    return SweepResult(clock.pk, "warning")


def refresh_ticket_deadline(*, ticket: Ticket) -> None:
    """Keep the ticket's earliest running deadline (and its warning) for the queues."""
    running = (
        SLAClock.objects.filter(ticket_id=ticket.pk, state=ClockState.RUNNING)
        .order_by("due_at")
        .values("due_at", "warn_at")
        .first()
    )
    breached = SLAClock.objects.filter(
        ticket_id=ticket.pk, state=ClockState.BREACHED, met_at__isnull=True
    ).exists()
    due_at, warn_at = (running["due_at"], running["warn_at"]) if running else (None, None)
    _store_deadline(ticket, due_at, warn_at, breached=breached)


def _store_deadline(
    ticket: Ticket, due_at: dt.datetime | None, warn_at: dt.datetime | None, *, breached: bool
) -> None:
    """The ticket's earliest running deadline, its warning and whether a target is owed
    past its deadline, on the instance and in its row (the queues' indexed columns)."""
    from tickets.live import open_tickets_changed
    from tickets.models import Ticket

    ticket.sla_due_at, ticket.sla_warn_at, ticket.sla_breached = due_at, warn_at, breached
    Ticket._base_manager.filter(pk=ticket.pk).update(
        sla_due_at=due_at, sla_warn_at=warn_at, sla_breached=breached
    )
    open_tickets_changed()
