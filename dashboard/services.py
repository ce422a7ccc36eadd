"""Writes of the dashboard: the daily summary tables that make its pages fast.

A day's rows are recomputed whole from the clocks and tickets (delete, then insert the
aggregates), so a refresh is safe to run twice; the day's :class:`SummaryDay` row is
locked first, so two refreshes of one day never interleave. Past days change little: a
clock's outcome is final once it is met or breached, so the beat task refreshes only
today and yesterday (``dashboard.tasks``) and ``manage.py dashboard_summaries`` fills older days.

Days are calendar days in the vendor's timezone (``settings.TIME_ZONE``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TypeVar

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.scoping import service
from dashboard.models import (
    ComplianceDay,
    Grain,
    ResolutionTime,
    ResolutionTimeDay,
    ResponseTimeDay,
    SummaryDay,
    TicketDay,
    TicketTotalDay,
)
from sla import engine
from sla.models import POLICY_TARGET_KINDS, ClockState, SLAClock, TargetKind
from sla.services import engine_calendars
from tickets import wording
from tickets.models import OPEN_STATUSES, Status, Ticket, TicketEvent


def vendor_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of a vendor day, in UTC."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=vendor_zone()).astimezone(dt.UTC)


def vendor_today(at: dt.datetime | None = None) -> dt.date:
    return (at or timezone.now()).astimezone(vendor_zone()).date()


@service(across="the summaries add up every organisation's tickets and clocks")
def summary_refresh(
    *,
    day: dt.date,
    at: dt.datetime | None = None,
    calendars: dict[int, engine.Calendar] | None = None,
) -> None:
    """Recompute the summary rows of one vendor day (idempotent). ``calendars`` (from
    :func:`sla.services.engine_calendars`) spares a refresh of many days loading them for each."""

    at = at or timezone.now()
    start, end = day_start(day), day_start(day + dt.timedelta(days=1))
    SummaryDay.objects.bulk_create([SummaryDay(day=day, computed_at=at)], ignore_conflicts=True)
    marker = SummaryDay.objects.select_for_update().get(day=day)
    ComplianceDay.objects.filter(day=day).delete()
    TicketDay.objects.filter(day=day).delete()

    # Clocks whose outcome became known that day: met on time, or breached (a breach
    # counts on the day the deadline passed, even if the target was met later).
    # The policy's targets only: an escalation's update cadence is not a contract target.
    settled = (
        SLAClock.objects.filter(
            state__in=[ClockState.MET, ClockState.BREACHED],
            kind__in=[kind for kind, _ in POLICY_TARGET_KINDS],
        )
        .annotate(settled_at=Coalesce("breached_at", "met_at"))
        .filter(settled_at__gte=start, settled_at__lt=end)
        .values(
            "organization_id",
            "kind",
            "severity",
            "ticket__contract__tier_id",
            "ticket__assignee_id",
        )
        .annotate(
            settled=Count("pk"),
            met=Count("pk", filter=Q(state=ClockState.MET)),
            breached=Count("pk", filter=Q(state=ClockState.BREACHED)),
        )
        .order_by()
    )
    detail = [
        ComplianceDay(
            day=day,
            grain=Grain.DETAIL,
            kind=row["kind"],
            organization_id=row["organization_id"],
            tier_id=row["ticket__contract__tier_id"],
            severity=row["severity"],
            agent_id=row["ticket__assignee_id"],
            settled=row["settled"],
            met=row["met"],
            breached=row["breached"],
        )
        for row in settled
    ]
    ComplianceDay.objects.bulk_create([*detail, *_coarser(day, detail)])
    # Open at the end of the day = open now, less those logged since, plus those that
    # have left the queue since: only recent rows are read, each through an index. A
    # ticket leaves the queue when resolved; closing keeps its resolved_at.
    is_open = Q(status__in=OPEN_STATUSES)
    left = Q(status__in=[Status.RESOLVED, Status.CLOSED])
    tickets = (
        Ticket.objects.filter(
            is_open | Q(created_at__gte=start) | (left & Q(resolved_at__gte=start))
        )
        .values("organization_id")
        .annotate(
            intake=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
            resolved=Count("pk", filter=Q(resolved_at__gte=start, resolved_at__lt=end)),
            open_now=Count("pk", filter=is_open),
            logged_since=Count("pk", filter=Q(created_at__gte=end)),
            left_since=Count("pk", filter=left & Q(resolved_at__gte=end)),
        )
        .order_by()
    )
    days = []
    for row in tickets:
        backlog = max(0, row["open_now"] - row["logged_since"] + row["left_since"])
        if row["intake"] or row["resolved"] or backlog:
            days.append(
                TicketDay(
                    day=day,
                    organization_id=row["organization_id"],
                    intake=row["intake"],
                    resolved=row["resolved"],
                    backlog=backlog,
                )
            )
    TicketDay.objects.bulk_create(days)
    TicketTotalDay.objects.update_or_create(
        day=day,
        defaults={
            "intake": sum(row.intake for row in days),
            "resolved": sum(row.resolved for row in days),
            "backlog": sum(row.backlog for row in days),
        },
    )
    _rewrite_histogram(
        ResponseTimeDay,
        day,
        SLAClock.objects.first_responses_measured().filter(met_at__gte=start, met_at__lt=end),
        minutes="elapsed_open_minutes",
        count="responses",
    )
    moved_from = _resolution_times(start, end, calendars) - {day}
    _resolution_histogram(day)
    if moved_from:
        # Days a reopened ticket's resolution left: their histograms lose it, and their
        # revision moves on, so that no cached figures of theirs outlive the change. They
        # are all earlier than this day, whose row is held: every refresh locks its days
        # newest first, so two refreshes never wait on each other (oldest first, Monday's
        # holding Saturday would wait for Sunday's, which waits for Saturday).
        for earlier in (
            SummaryDay.objects.select_for_update().filter(day__in=moved_from).order_by("-day")
        ):
            _resolution_histogram(earlier.day)
            earlier.revision += 1
            earlier.save(update_fields=["revision"])
    marker.computed_at = at
    marker.revision += 1
    marker.save(update_fields=["computed_at", "revision"])


# The column each coarser grain keeps from the detail rows.
_GRAIN_COLUMNS = {
    Grain.TIER: "tier_id",
    Grain.SEVERITY: "severity",
    Grain.ORGANIZATION: "organization_id",
    Grain.AGENT: "agent_id",
}


def _coarser(day: dt.date, detail: list[ComplianceDay]) -> list[ComplianceDay]:
    """The day's detail rows summed along each dimension alone (a few hundred rows at
    most, so summing them here spares four more passes over the clocks)."""
    rows = []
    for grain, column in _GRAIN_COLUMNS.items():
        sums: dict[tuple, list[int]] = {}
        for row in detail:
            counts = sums.setdefault((row.kind, getattr(row, column)), [0, 0, 0])
            counts[0] += row.settled
            counts[1] += row.met
            counts[2] += row.breached
        for (kind, value), (settled, met, breached) in sums.items():
            rows.append(
                ComplianceDay(
                    day=day,
                    grain=grain,
                    kind=kind,
                    settled=settled,
                    met=met,
                    breached=breached,
                    **{column: value},
                )
            )
    return rows


# Statuses in which a ticket's resolution time does not run.
_NOT_COUNTING = {"waiting_on_customer", "resolved", "closed"}
# The clock whose calendar measures the resolution: the first kind the ticket has.
_MEASURING_KINDS = [TargetKind.RESOLUTION, TargetKind.FIRST_RESPONSE, TargetKind.TRIAGE]


# A day's histogram of durations, of first responses or of resolutions.
Histogram = TypeVar("Histogram", ResponseTimeDay, ResolutionTimeDay)


def _rewrite_histogram(
    model: type[Histogram],
    day: dt.date,
    source: QuerySet,
    *,
    minutes: str,
    count: str,
) -> None:
    """Rewrite a day's histogram: a row per severity and whole number of minutes of
    ``source``'s ``minutes`` column, with how many have it as ``count``. Counting the
    column, not the key, reads the source's duration index alone."""
    model.objects.filter(day=day).delete()
    model.objects.bulk_create(
        model(day=day, severity=row["severity"], minutes=row[minutes], **{count: row[count]})
        for row in source.values("severity", minutes).annotate(**{count: Count(minutes)}).order_by()
    )


def _resolution_histogram(day: dt.date) -> None:
    """Rewrite a day's histogram of resolution times from the rows resolved that day."""
    _rewrite_histogram(
        ResolutionTimeDay,
        day,
        ResolutionTime.objects.filter(
            resolved_at__gte=day_start(day), resolved_at__lt=day_start(day + dt.timedelta(days=1))
        ),
        minutes="open_minutes",
        count="resolutions",
    )


def _resolution_times(
    start: dt.datetime, end: dt.datetime, calendars: dict[int, engine.Calendar] | None
) -> set[dt.date]:
    """Measure the tickets resolved in [start, end): open time from logging to resolution,
    less the spells waiting on the customer (or resolved, before a reopen), on the
    calendar of the ticket's clocks. Runs in the background refresh, a day at a time,
    because open time needs the calendar engine; the pages only read the result.

    Returns the other days whose rows this moved away (a ticket reopened and resolved
    again): their histograms must be rewritten too."""

    tickets = list(
        Ticket.objects.filter(resolved_at__gte=start, resolved_at__lt=end).values(
            "pk", "organization_id", "created_at", "resolved_at"
        )
    )
    ids = [ticket["pk"] for ticket in tickets]
    replaced = ResolutionTime.objects.filter(ticket_id__in=ids)
    left = {
        vendor_today(resolved)
        for resolved in replaced.exclude(resolved_at__gte=start, resolved_at__lt=end)
        .values_list("resolved_at", flat=True)
        .distinct()
    }
    replaced.delete()
    if not ids:
        return left
    # ticket -> (rank of the kind, calendar, severity) of its measuring clock
    measuring: dict[int, tuple[int, int, str]] = {}
    for ticket_id, kind, calendar_id, severity in (
        SLAClock.objects.filter(ticket_id__in=ids, kind__in=_MEASURING_KINDS)
        .values_list("ticket_id", "kind", "calendar_id", "severity")
        .order_by("started_at", "pk")
    ):
        rank = _MEASURING_KINDS.index(TargetKind(kind))
        if ticket_id not in measuring or rank < measuring[ticket_id][0]:
            measuring[ticket_id] = (rank, calendar_id, severity)
    spells: dict[int, list[tuple[dt.datetime, str]]] = {}
    for event in (
        TicketEvent.objects.filter(ticket_id__in=ids, field="status")
        .values("ticket_id", "new_value", "created_at")
        .order_by("created_at", "pk")
    ):
        spells.setdefault(event["ticket_id"], []).append(
            (event["created_at"], wording.status_value(event["new_value"]))
        )
    calendars = calendars or engine_calendars()
    measured = []
    for ticket in tickets:
        if ticket["pk"] not in measuring:
            continue  # no SLA: nothing promised, nothing measured
        _rank, calendar_id, severity = measuring[ticket["pk"]]
        cal = calendars[calendar_id]
        logged, resolved = ticket["created_at"], ticket["resolved_at"]
        assert resolved is not None  # filtered above
        elapsed = engine.open_time_between(cal, logged, resolved)
        changes = spells.get(ticket["pk"], [])
        for index, (since, status) in enumerate(changes):
            if status not in _NOT_COUNTING:
                continue
            until = changes[index + 1][0] if index + 1 < len(changes) else resolved
            elapsed -= engine.open_time_between(cal, max(since, logged), min(until, resolved))
        measured.append(
            ResolutionTime(
                ticket_id=ticket["pk"],
                organization_id=ticket["organization_id"],
                severity=severity,
                resolved_at=resolved,
                open_minutes=max(0, int(elapsed.total_seconds() // 60)),
            )
        )
    ResolutionTime.objects.bulk_create(measured)
    return left


def summaries_refresh(*, first: dt.date, last: dt.date, at: dt.datetime | None = None) -> int:
    """Refresh every day from ``first`` to ``last`` inclusive, each in its own transaction."""
    day, count, calendars = first, 0, engine_calendars()
    while day <= last:
        summary_refresh(day=day, at=at, calendars=calendars)
        day += dt.timedelta(days=1)
        count += 1
    return count


def summaries_seed(stdout) -> None:
    """seed_demo step: summarise each day of the history that has no summary yet."""

    oldest = Ticket._base_manager.order_by("created_at").values_list("created_at", flat=True)
    if not oldest.exists():
        return
    first, today = vendor_today(oldest[0]), vendor_today()
    done = set(SummaryDay.objects.filter(day__gte=first).values_list("day", flat=True))
    missing = [
        first + dt.timedelta(days=offset)
        for offset in range((today - first).days + 1)
        if first + dt.timedelta(days=offset) not in done
    ]
    calendars = engine_calendars()
    for day in missing:
        summary_refresh(day=day, calendars=calendars)
    if missing:
        stdout.write(f"    summarised {len(missing)} days for the dashboard")
