"""The SLA clock service: the only code that starts, stops, pauses or reschedules clocks.

Tickets call it from their own services, inside their transaction. Deadlines are
computed by the pure functions of :mod:`sla.engine`; this module only loads and stores
clocks. It writes no ticket: :func:`ticket_deadline` says what a ticket's clocks now
owe, and the tickets app stores it on the ticket (tickets.services).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, cast

from django.db import DatabaseError, connection, transaction
from django.db.models import Prefetch, Q

from sla import engine
from sla.models import (
    BusinessCalendar,
    ClockState,
    Contract,
    SLAClock,
    SLAPolicy,
    SLATarget,
    TargetKind,
)


class Ticket(Protocol):
    """What the clocks read of a ticket (tickets.models.Ticket): the SLA app imports
    nothing of the tickets app, which sits above it."""

    pk: int
    organization_id: int
    severity: str
    status: str
    contract: Contract | None
    escalation_level: int
    acknowledged_at: dt.datetime | None
    first_response_at: dt.datetime | None
    workaround_at: dt.datetime | None
    resolved_at: dt.datetime | None

    @property
    def is_open(self) -> bool: ...

    @property
    def has_sla(self) -> bool: ...


log = logging.getLogger(__name__)

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


def _ticket_targets(ticket: Ticket) -> list[SLATarget]:
    """The targets of the ticket's policy, each with its policy and calendars, in one
    query (a policy without targets starts no clock, so it is not needed alone)."""
    if not ticket.has_sla or ticket.contract is None or not ticket.severity:
        return []
    return list(
        SLATarget.objects.filter(
            policy__tier_id=ticket.contract.tier_id, policy__severity=ticket.severity
        ).select_related("policy", "calendar", "only_outside")
    )


def _pauses(clock: SLAClock) -> list[tuple[dt.datetime, dt.datetime]]:
    return [
        (dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end))
        for start, end in clock.pauses
    ]


def _schedule(clock: SLAClock, *, at: dt.datetime) -> None:
    """Recompute due_at, warn_at and next_check_at of a running clock, as of ``at``.

    The warning point counts open time used, pauses excluded. The next check is never
    before ``at`` (a warning point already behind a resume or a severity change is due
    now, not in the past) and, on a business-hours calendar, never while it is closed:
    a warning or breach that falls at night waits for the next opening.
    """
    cal = engine_calendar(clock.calendar)
    unit = cast(engine.Unit, clock.unit)
    pauses = _pauses(clock)
    due = engine.deadline(cal, clock.started_at, clock.amount, unit, pauses)
    warn = engine.warning_at(cal, clock.started_at, clock.amount, unit, clock.warn_share, pauses)
    clock.due_at, clock.warn_at = due, warn
    if clock.breached_at is not None:
        clock.next_check_at = None
    elif clock.warned_at is None and warn < due:
        clock.next_check_at = engine.next_open(cal, max(warn, at))
    else:
        clock.next_check_at = engine.next_open(cal, max(due, at))


def _copy_target(clock: SLAClock, target: SLATarget, policy: SLAPolicy) -> None:
    clock.target = target
    clock.calendar = target.calendar
    clock.amount = target.amount
    clock.unit = target.unit
    clock.warn_share = policy.warn_share
    clock.severity = policy.severity


def _new(ticket: Ticket, target: SLATarget, policy: SLAPolicy, at: dt.datetime) -> SLAClock:
    """A clock of the target, scheduled from ``at``, not saved yet."""
    clock = SLAClock(
        ticket_id=ticket.pk, organization_id=ticket.organization_id, kind=target.kind, started_at=at
    )
    _copy_target(clock, target, policy)
    _schedule(clock, at=at)
    return clock


def _start(ticket: Ticket, target: SLATarget, policy: SLAPolicy, at: dt.datetime) -> SLAClock:
    clock = _new(ticket, target, policy, at)
    clock.save()
    return clock


def _applies(target: SLATarget, at: dt.datetime) -> bool:
    """The after-hours triage applies only while its reference calendar is closed."""
    if target.only_outside is None:
        return True
    return not engine.is_open(engine_calendar(target.only_outside), at)


def clocks_for_new_ticket(*, ticket: Ticket, at: dt.datetime) -> list[SLAClock]:
    """At creation: a clock for every target of the ticket's policy but the update
    cadence, which starts with the first public reply. Scheduled, not saved: the ticket
    is inserted with their deadline (first_deadline), then they are, in one statement
    (clocks_insert)."""
    return [
        _new(ticket, target, target.policy, at)
        for target in _ticket_targets(ticket)
        if target.kind != TargetKind.UPDATE and _applies(target, at)
    ]


def clocks_insert(*, ticket: Ticket, clocks: list[SLAClock]) -> None:
    """The clocks of clocks_for_new_ticket, once the ticket has its id."""
    for clock in clocks:
        clock.ticket_id = ticket.pk
    SLAClock.objects.bulk_create(clocks)


def _due(clock: SLAClock) -> dt.datetime:
    assert clock.due_at is not None
    return clock.due_at


def _locked(**conditions):
    """Clocks of one ticket, locked for this transaction: their rows only (the calendar
    they join is shared by nearly every clock, and locking it would make every check
    and ticket change wait on every other), in id order so two writers never deadlock."""
    return (
        SLAClock.objects.select_for_update(of=("self",))
        .filter(**conditions)
        .select_related("calendar")
        .order_by("pk")
    )


def _active(ticket: Ticket, kinds: Iterable[str] | None = None):
    clocks = _locked(ticket=ticket, state__in=ACTIVE)
    if kinds is not None:
        clocks = clocks.filter(kind__in=list(kinds))
    return clocks


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
        _schedule(clock, at=at)
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
    owed = _locked(ticket=ticket, kind__in=kinds, state=ClockState.BREACHED, met_at__isnull=True)
    for clock in owed:
        clock.met_at = at
        cal = engine_calendar(clock.calendar)
        assert clock.due_at is not None
        clock.late_minutes = int(engine.late_by(cal, clock.due_at, at).total_seconds() // 60)
        clock.elapsed_open_minutes = _elapsed_open_minutes(clock, cal, at)
        clock.save(update_fields=["met_at", "late_minutes", "elapsed_open_minutes"])


def clocks_cancel(*, ticket: Ticket, at: dt.datetime, kinds: Iterable[str] | None = None) -> None:
    """Stop clocks that no longer apply (no target after a severity change, a closed
    ticket's remaining update cadence). Breached clocks keep their breach."""
    for clock in _active(ticket, kinds):
        _finish(clock, at, ClockState.CANCELLED)


def clocks_pause(*, ticket: Ticket, at: dt.datetime) -> None:
    """Waiting on the customer: every running clock stops counting."""
    for clock in _active(ticket).filter(state=ClockState.RUNNING):
        clock.state = ClockState.PAUSED
        clock.paused_at = at
        # A paused clock has no deadline: the resume computes it again, shifted by the
        # open time spent waiting.
        clock.due_at = clock.warn_at = clock.next_check_at = None
        clock.save()


def clocks_resume(*, ticket: Ticket, at: dt.datetime) -> None:
    """The customer answered: deadlines move by the open time spent paused."""
    for clock in _active(ticket).filter(state=ClockState.PAUSED):
        _close_pause(clock, at)
        clock.state = ClockState.RUNNING
        _schedule(clock, at=at)
        clock.save()


def update_cycle_restart(*, ticket: Ticket, at: dt.datetime) -> SLAClock | None:
    """A public staff update: the running update cycle is met and the next one starts,
    unless the cadence runs only until a workaround and one has been provided. An
    overdue cycle the sweep already marked breached is settled too (met late)."""
    clocks_meet(ticket=ticket, kinds=[TargetKind.UPDATE], at=at)
    started = None
    if ticket.is_open:
        target = next((t for t in _ticket_targets(ticket) if t.kind == TargetKind.UPDATE), None)
        if target is not None and not (target.until_workaround and ticket.workaround_at):
            started = _start(ticket, target, target.policy, at)
            if ticket.status == "waiting_on_customer":
                clocks_pause(ticket=ticket, at=at)
    return started


def clocks_apply_policy(*, ticket: Ticket, at: dt.datetime, severity_changed: bool = False) -> None:
    """After a severity change: running clocks take the new policy's targets, keeping
    their start and pauses (the time already elapsed counts against the new target);
    kinds the new policy lacks are cancelled, kinds it adds start now.

    A ticket that becomes critical while the vendor is closed gets the after-hours
    triage (``only_outside``) like one logged as critical at that moment, even if it
    was acknowledged at an earlier severity: the on-call agent must take it on now."""
    targets = {t.kind: t for t in _ticket_targets(ticket)}
    seen = set()
    # The escalation update cadence follows the action plan, not the policy.
    for clock in _active(ticket).exclude(kind=TargetKind.ESCALATION_UPDATE):
        target = targets.get(clock.kind)
        if target is None or (
            clock.kind == TargetKind.UPDATE and target.until_workaround and ticket.workaround_at
        ):
            _finish(clock, at, ClockState.CANCELLED)
            continue
        seen.add(clock.kind)
        _copy_target(clock, target, target.policy)
        if clock.state == ClockState.RUNNING:
            _schedule(clock, at=at)
            if clock.warned_at and clock.warn_at and clock.warn_at > at:
                clock.warned_at = None  # the new target has its own warning point
                _schedule(clock, at=at)
        clock.save()
    if targets:
        triage = targets.get(TargetKind.TRIAGE)
        pending = {
            TargetKind.TRIAGE: triage is not None
            and _applies(triage, at)
            and (
                ticket.acknowledged_at is None
                or (severity_changed and triage.only_outside is not None)
            ),
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
                _start(ticket, targets[kind], targets[kind].policy, at)
        if ticket.status == "waiting_on_customer":
            clocks_pause(ticket=ticket, at=at)


@dataclass(frozen=True)
class SweepResult:
    clock_id: int
    # "warning" or "breach" (recorded now); "deferred" (its business-hours calendar is
    # closed: checked again at the next opening); "skipped" (its row stayed locked).
    event: str
    # After a breach, the ticket whose deadline must be stored again (ticket_deadline).
    ticket_id: int | None = None


# How long a check waits for a clock's row that a ticket change or another check holds:
# those transactions last milliseconds, so waiting is cheaper than skipping to the next
# sweep; past this the check gives up, says so, and the next sweep tries again.
CHECK_LOCK_TIMEOUT = "2s"


def _lock_due_clock(clock_id: int, at: dt.datetime) -> SLAClock | None:
    """The clock, locked, if it is still running and due at ``at``.

    Its ticket's row first, then the clock's own (never the calendar nearly every clock
    shares): the order the ticket services take them in, so a check that breaches a
    clock (and writes the ticket's deadline) cannot deadlock with a change of that
    ticket. Waiting for the locks, not skipping them: a second check of the same clock
    finds it no longer due once the first commits (PostgreSQL re-reads a row it waited
    for), and a ticket change in progress only delays the check by its few
    milliseconds. Raises DatabaseError when a lock is held past CHECK_LOCK_TIMEOUT.
    """
    assert connection.in_atomic_block, "the locks must last until the caller commits"
    due = SLAClock.objects.filter(
        pk=clock_id, state=ClockState.RUNNING, next_check_at__lte=at
    ).order_by()  # the model's ordering would join the ticket
    with transaction.atomic(), connection.cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        if postgresql:
            cursor.execute(f"SET LOCAL lock_timeout = '{CHECK_LOCK_TIMEOUT}'")
        # The ticket's row, reached through the clock (whose own row is not locked yet).
        ticket_locked = (
            due.select_related("ticket")
            .select_for_update(of=("ticket",))
            .only("id", "ticket__id")
            .first()
        )
        clock = (
            due.select_for_update(of=("self",)).select_related("calendar").first()
            if ticket_locked is not None
            else None
        )
        if postgresql:
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    return clock


def clock_check(*, clock_id: int, at: dt.datetime) -> SweepResult | None:
    """For the sweep: the warning or the breach of one clock, each recorded once; None
    when the clock is no longer due (checked already, met, paused or rescheduled).

    Safe to run twice or in parallel: the row lock and the state check. A business-hours
    clock whose calendar is closed at ``at`` is not warned nor breached now; its check
    moves to the next opening, whatever path scheduled it.
    """
    try:
        clock = _lock_due_clock(clock_id, at)
    except DatabaseError:
        log.warning(
            "SLA clock %s: its row stayed locked for %s; the next sweep checks it again",
            clock_id,
            CHECK_LOCK_TIMEOUT,
        )
        return SweepResult(clock_id, "skipped")
    if clock is None or clock.due_at is None:
        return None
    cal = engine_calendar(clock.calendar)
    if not engine.is_open(cal, at):
        clock.next_check_at = engine.next_open(cal, at)
        clock.save(update_fields=["next_check_at"])
        return SweepResult(clock.pk, "deferred")
    if clock.due_at <= at:
        clock.state = ClockState.BREACHED
        clock.breached_at = clock.due_at
        clock.next_check_at = None
        clock.save()
        # The ticket's stored deadline now says "breached": the caller stores it.
        return SweepResult(clock.pk, "breach", ticket_id=clock.ticket_id)
    clock.warned_at = at
    clock.next_check_at = engine.next_open(cal, clock.due_at)
    clock.save()
    return SweepResult(clock.pk, "warning")


@dataclass(frozen=True)
class Deadline:
    """A ticket's most urgent promise, as the queues sort and show it: the earliest
    deadline of a target still owed (running, or breached and not yet met), with the
    calendar of its clock; the earliest warning of a running clock; and whether a
    breached target is still owed (a breach sorts before every running deadline)."""

    due_at: dt.datetime | None = None
    warn_at: dt.datetime | None = None
    calendar_id: int | None = None
    breached: bool = False


def ticket_deadline(*, ticket: Ticket) -> Deadline:
    """What the ticket's clocks owe now (one query). A ticket that is resolved or closed
    owes nothing more, beyond the breach it keeps."""
    owed = list(
        SLAClock.objects.filter(ticket_id=ticket.pk)
        .filter(Q(state=ClockState.RUNNING) | Q(state=ClockState.BREACHED, met_at__isnull=True))
        .order_by()  # the model's ordering would join the ticket
        .values_list("state", "due_at", "warn_at", "calendar_id")
    )
    breached = any(state == ClockState.BREACHED for state, *_ in owed)
    dues = [(due, calendar_id) for _, due, _, calendar_id in owed if due is not None]
    if not ticket.is_open or not dues:
        return Deadline(breached=breached)
    due_at, calendar_id = min(dues)
    warnings = [warn for state, _, warn, _ in owed if state == ClockState.RUNNING and warn]
    return Deadline(due_at, min(warnings, default=None), calendar_id, breached)


def first_deadline(started: Iterable[SLAClock]) -> Deadline:
    """The deadline of a new ticket from the clocks it started with: it has no other,
    and none is breached (what ticket_deadline would read, without the query)."""
    started = list(started)
    first = min((c for c in started if c.due_at is not None), key=_due, default=None)
    warnings = [clock.warn_at for clock in started if clock.warn_at is not None]
    if first is None:
        return Deadline(warn_at=min(warnings, default=None))
    return Deadline(first.due_at, min(warnings, default=None), first.calendar_id)


# --- The escalation cadence ------------------------------------------------------------
# An accepted escalation's action plan promises updates at its own cadence until the
# ticket is de-escalated: one ESCALATION_UPDATE clock per cycle, as the policy's update
# target runs, but with no target (the plan's amount, unit and calendar are copied onto
# the clock). Waiting on the customer pauses it like every clock; the policy's changes
# (a severity change, a reopen) are not its business.

ESCALATION_KINDS = [TargetKind.ESCALATION_UPDATE]
# The warning share of a cadence on a ticket without a policy (no contract in force).
CADENCE_WARN_SHARE = 0.75


def _cadence_cycle(ticket: Ticket) -> SLAClock | None:
    """The cadence's current cycle: running, paused, or breached and still owed."""
    return (
        SLAClock.objects.filter(ticket_id=ticket.pk, kind=TargetKind.ESCALATION_UPDATE)
        .exclude(state__in=[ClockState.MET, ClockState.CANCELLED])
        .exclude(state=ClockState.BREACHED, met_at__isnull=False)
        .select_related("calendar")
        .order_by("-started_at", "-pk")
        .first()
    )


def _start_cadence_cycle(
    ticket: Ticket,
    *,
    amount: int,
    unit: str,
    calendar: BusinessCalendar,
    warn_share: float,
    at: dt.datetime,
) -> SLAClock:
    clock = SLAClock(
        ticket_id=ticket.pk,
        organization_id=ticket.organization_id,
        kind=TargetKind.ESCALATION_UPDATE,
        target=None,
        calendar=calendar,
        amount=amount,
        unit=unit,
        warn_share=warn_share,
        severity=ticket.severity,
        started_at=at,
    )
    _schedule(clock, at=at)
    clock.save()
    if ticket.status == "waiting_on_customer":
        clocks_pause(ticket=ticket, at=at)
    return clock


def escalation_cadence_start(
    *, ticket: Ticket, amount: int, unit: str, calendar: BusinessCalendar, at: dt.datetime
) -> SLAClock:
    """An action plan is accepted (or an escalated ticket reopened): its update cadence
    starts now, replacing the running cycle of an earlier plan (cancelled). The warning
    share is the ticket's policy's, 0.75 without one."""
    if amount < 1:
        raise ValueError(f"A cadence needs a positive amount, got {amount}.")
    for clock in _active(ticket, ESCALATION_KINDS):
        _finish(clock, at, ClockState.CANCELLED)
    policy = _ticket_policy(ticket)
    started = _start_cadence_cycle(
        ticket,
        amount=amount,
        unit=unit,
        calendar=calendar,
        warn_share=policy.warn_share if policy is not None else CADENCE_WARN_SHARE,
        at=at,
    )
    return started


def escalation_cadence_restart(*, ticket: Ticket, at: dt.datetime) -> SLAClock | None:
    """A public staff update: the cadence's current cycle is met (one the sweep already
    marked breached is settled, met late) and, while the ticket is open and escalated,
    the next cycle starts on the same terms. Without a cadence nothing happens."""
    current = _cadence_cycle(ticket)
    if current is None:
        return None
    clocks_meet(ticket=ticket, kinds=ESCALATION_KINDS, at=at)
    started = None
    if ticket.is_open and ticket.escalation_level > 0:
        started = _start_cadence_cycle(
            ticket,
            amount=current.amount,
            unit=current.unit,
            calendar=current.calendar,
            warn_share=current.warn_share,
            at=at,
        )
    return started


def escalation_cadence_stop(*, ticket: Ticket, at: dt.datetime) -> None:
    """De-escalated, resolved or closed: the running cycle is cancelled. One the sweep
    already marked breached keeps its breach, owed until the next public update."""
    clocks_cancel(ticket=ticket, at=at, kinds=ESCALATION_KINDS)
