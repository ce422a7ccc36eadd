"""The dashboard over a period: compliance, intake and backlog from the daily summary
tables (:mod:`dashboard.services`); open-time percentiles and the breach list from the
clocks themselves, through their own indexes. Every figure leaves as a
:class:`~dashboard.tables.Table`, which the page shows and the CSV export writes, so the
two cannot disagree. Each makes a fixed number of queries whatever the rows.

PostgreSQL computes the percentiles with ``percentile_cont``. SQLite (the one-command
demo) has no such aggregate: there, and only there, they are computed in Python over the
minutes column of the period's clocks (one integer per clock, never a ticket).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Max, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from accounts.models import Organization
from dashboard.models import ComplianceDay, Grain, ResolutionTime, SummaryDay, TicketDay
from dashboard.services import vendor_today
from dashboard.tables import (
    NONE,
    Cell,
    Link,
    Period,
    Table,
    When,
    format_minutes,
    format_open_hours,
    format_percent,
    share_of,
    ticket_linker,
)
from sla import engine
from sla.durations import open_time_words, whole_minutes
from sla.models import POLICY_TARGET_KINDS, Severity, SLAClock, TargetKind
from sla.services import engine_calendars

# The policy's target kinds: compliance measures the contract's targets, not the update
# cadence an escalation's action plan adds (dashboard.services leaves those out).
KINDS = [TargetKind(kind) for kind, _ in POLICY_TARGET_KINDS]
DURATION_KINDS = [TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION]
SEVERITIES = list(Severity)
NOW_ROWS = 20  # rows of each "now" list
BREACH_ROWS = 100  # rows of the breach list on a page; its CSV has them all
OPEN_ROWS = 50  # open tickets on an organisation's page
BREAKDOWN_ROWS = 25  # organisations or agents on a page, worst first; the CSV has them all


@dataclass
class Counts:
    settled: int = 0
    met: int = 0
    breached: int = 0

    def add(self, row: dict) -> None:
        self.settled += row["settled"] or 0
        self.met += row["met"] or 0
        self.breached += row["breached"] or 0

    @property
    def share(self) -> float | None:
        return share_of(self.met, self.settled)


@dataclass
class Freshness:
    days: int  # days of the period that have a summary
    expected: int  # days of the period up to today
    as_of: dt.datetime | None  # when the latest of them was computed
    revision: int = 0  # grows with every refresh of any of them

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.days)


def freshness(*, period: Period) -> Freshness:
    today = vendor_today()
    latest = min(period.last, today)
    found = SummaryDay.objects.filter(day__gte=period.first, day__lte=period.last).aggregate(
        days=Count("day"),
        as_of=Max("computed_at", filter=Q(day=latest)),
        revision=Sum("revision"),
    )
    expected = max(0, (latest - period.first).days + 1)
    return Freshness(
        days=found["days"],
        expected=expected,
        as_of=found["as_of"],
        revision=found["revision"] or 0,
    )


def _compliance(
    period: Period, organization: Organization | None, grain: str, *group: str
) -> list[dict]:
    """Settled, met and breached clocks per kind (and ``group``) in the period: from one
    organisation's detail rows, or for everyone from the rows summed along ``grain``."""
    with scopes_disabled():  # staff dashboards work across organisations
        days = ComplianceDay.objects.filter(day__gte=period.first, day__lte=period.last)
        if organization:
            days = days.filter(grain=Grain.DETAIL, organization=organization)
        else:
            days = days.filter(grain=grain)
        by_organization = "organization__code" in group
        rows = list(
            days.values(*(("organization_id",) if by_organization else group), "kind")
            .annotate(settled=Sum("settled"), met=Sum("met"), breached=Sum("breached"))
            .order_by()
        )
        if by_organization:
            # Summed by id, then named: joining the organisations to every day's rows
            # before summing them made this the dashboard's slowest query.
            names = {
                pk: (code, name)
                for pk, code, name in Organization.objects.filter(
                    pk__in={row["organization_id"] for row in rows}
                ).values_list("pk", "code", "name")
            }
            for row in rows:
                row["organization__code"], row["organization__name"] = names[
                    row.pop("organization_id")
                ]
        return rows


def compliance_by_kind(
    *, period: Period, organization: Organization | None = None
) -> tuple[Table, dict]:
    """For each target kind: clocks settled in the period, met on time and breached."""
    by_kind = {kind: Counts() for kind in KINDS}
    for row in _compliance(period, organization, Grain.SEVERITY):
        by_kind[TargetKind(row["kind"])].add(row)
    total = Counts()
    for counts in by_kind.values():
        total.add(counts.__dict__)
    rows: list[list[Cell]] = [
        [
            str(kind.label),
            str(c.settled),
            str(c.met),
            str(c.breached),
            format_percent(c.met, c.settled),
        ]
        for kind, c in by_kind.items()
    ]
    rows.append(
        [
            _("All targets"),
            str(total.settled),
            str(total.met),
            str(total.breached),
            format_percent(total.met, total.settled),
        ]
    )
    table = Table(
        "compliance",
        _("Targets met on time"),
        [_("Target"), _("Settled"), _("Met on time"), _("Breached"), _("% on time")],
        rows,
        note=_("A target counts on the day it was met, or on the day its deadline passed."),
    )
    chart = {
        "type": "bar",
        "title": _("Share of targets met on time, %"),
        "percent": True,
        "labels": [kind.label for kind in KINDS],
        "datasets": [{"label": _("% met on time"), "data": [c.share for c in by_kind.values()]}],
    }
    return table, chart


BREAKDOWNS = {
    # name: (title, heading, the grain that has the figures, the columns to group by)
    "by_tier": (
        gettext_lazy("By support tier"),
        gettext_lazy("Tier"),
        Grain.TIER,
        ("tier__name", "tier__rank"),
    ),
    "by_severity": (
        gettext_lazy("By severity"),
        gettext_lazy("Severity"),
        Grain.SEVERITY,
        ("severity",),
    ),
    "by_organisation": (
        gettext_lazy("By organisation"),
        gettext_lazy("Organisation"),
        Grain.ORGANIZATION,
        ("organization__code", "organization__name"),
    ),
    "by_agent": (
        gettext_lazy("By agent"),
        gettext_lazy("Agent"),
        Grain.AGENT,
        ("agent__full_name", "agent__email"),
    ),
}


def compliance_breakdown(
    name: str, *, period: Period, organization: Organization | None = None, every: bool = False
) -> tuple[Table, dict]:
    """Compliance per tier, severity, organisation or agent, with the share met on time
    for each target kind. Organisations and agents come worst first: a page shows the
    BREAKDOWN_ROWS lowest shares met on time, the CSV (``every``) all of them."""
    lazy_title, lazy_heading, grain, group = BREAKDOWNS[name]
    title, heading = str(lazy_title), str(lazy_heading)
    groups: dict[tuple, dict[str, Counts]] = {}
    for row in _compliance(period, organization, grain, *group):
        key = tuple(row[column] for column in group)
        groups.setdefault(key, {kind: Counts() for kind in KINDS})[row["kind"]].add(row)
    totals = {key: Counts() for key in groups}
    for key, kinds in groups.items():
        for counts in kinds.values():
            totals[key].add(counts.__dict__)
    organization_url = reverse("dashboard_organization", kwargs={"code": "CODE"})

    def label(key: tuple) -> Cell:
        if name == "by_tier":
            return key[0] or _("No contract")
        if name == "by_severity":
            return str(Severity(key[0]).label) if key[0] else str(_("No severity"))
        if name == "by_organisation":
            url = organization_url.replace("CODE", key[0])
            return Link(f"{key[1]} ({key[0]})", f"{url}?{period.query}")
        return (key[0] or key[1]) if key[1] else _("Unassigned")

    def order(key: tuple):
        if name == "by_tier":
            return (key[1] is None, key[1] or 0, key[0] or "")
        if name == "by_severity":
            return (key[0] or "S9",)
        share = totals[key].share
        return (share is None, share or 0.0, str(label(key)).lower())

    ordered = sorted(groups, key=order)
    shown = ordered if every or name in ("by_tier", "by_severity") else ordered[:BREAKDOWN_ROWS]
    rows: list[list[Cell]] = []
    series: dict[str, list[float | None]] = {kind.value: [] for kind in KINDS}
    labels = []
    for key in shown:
        kinds, total = groups[key], totals[key]
        rows.append(
            [
                label(key),
                str(total.settled),
                str(total.breached),
                format_percent(total.met, total.settled),
                *(format_percent(kinds[kind].met, kinds[kind].settled) for kind in KINDS),
            ]
        )
        labels.append(str(rows[-1][0]))
        for kind in KINDS:
            series[kind.value].append(kinds[kind].share)
    note = ""
    if len(shown) < len(ordered):
        note = _(
            "The %(shown)s with the lowest share met on time, of %(total)s; the CSV has them all."
        ) % {"shown": len(shown), "total": len(ordered)}
    table = Table(
        name,
        title,
        [heading, _("Settled"), _("Breached"), _("% on time"), *(f"{k.label} %" for k in KINDS)],
        rows,
        note=note,
    )
    chart = {
        "type": "bar",
        "title": _("Share of targets met on time %(breakdown)s, %%") % {"breakdown": title.lower()},
        "percent": True,
        "labels": labels,
        "datasets": [
            {"label": kind.label, "data": series[kind.value]}
            for kind in KINDS
            if any(value is not None for value in series[kind.value])
        ],
    }
    return table, chart


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(ARRAY[fractions]) WITHIN GROUP (ORDER BY
    expression)``: several percentiles of one column from a single sort of it."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(ARRAY[%(fractions)s]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())

    def __init__(self, expression: str, fractions: Iterable[float], **extra):
        fractions = [float(fraction) for fraction in fractions]
        if not fractions or not all(0 <= fraction <= 1 for fraction in fractions):
            raise ValueError("fractions lie between 0 and 1")
        super().__init__(
            expression, fractions=", ".join(repr(fraction) for fraction in fractions), **extra
        )


def _percentile(values: list[int], fraction: float) -> float | None:
    """percentile_cont's linear interpolation, for SQLite only (see the module's note)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


Figures = tuple[int, float | None, float | None]  # measured, median, 90th percentile


def _duration_figures(queryset: QuerySet, minutes: str) -> dict[str, Figures]:
    """Count, median and 90th percentile of a minutes column, overall ("") and per
    severity: one query on PostgreSQL, one column read on SQLite (see the module's note)."""
    found: dict[str, Figures] = {}
    if connection.vendor == "postgresql":
        # One pass: overall, and per severity with FILTER. Counting the column, not
        # the key, keeps it an index-only scan.
        figures: dict[str, Aggregate] = {}
        for severity in ["", *(s.value for s in SEVERITIES)]:
            only = Q(severity=severity) if severity else None
            figures[f"measured{severity}"] = Count(minutes, filter=only)
            figures[f"percentiles{severity}"] = PercentileCont(minutes, (0.5, 0.9), filter=only)
        row = queryset.aggregate(**figures)
        for severity in ["", *(s.value for s in SEVERITIES)]:
            median, p90 = row[f"percentiles{severity}"] or (None, None)
            found[severity] = (row[f"measured{severity}"], median, p90)
        return found
    values: dict[str, list[int]] = {}
    for severity, value in queryset.values_list("severity", minutes):
        values.setdefault("", []).append(value)
        values.setdefault(severity, []).append(value)
    for key, column in values.items():
        found[key] = (len(column), _percentile(column, 0.5), _percentile(column, 0.9))
    return found


def durations(*, period: Period, organization: Organization | None = None) -> Table:
    """Median and 90th percentile of first-response and resolution times in open time
    (the calendar of the ticket's targets, less the time spent waiting on the customer):
    first responses met in the period, tickets resolved in it; overall and per severity."""
    with scopes_disabled():  # staff dashboards work across organisations
        responses = SLAClock.objects.filter(
            kind=TargetKind.FIRST_RESPONSE,
            met_at__gte=period.start,
            met_at__lt=period.end,
            elapsed_open_minutes__isnull=False,
        )
        resolutions = ResolutionTime.objects.filter(
            resolved_at__gte=period.start, resolved_at__lt=period.end
        )
        if organization:
            responses = responses.filter(organization=organization)
            resolutions = resolutions.filter(organization=organization)
        found = {
            TargetKind.FIRST_RESPONSE: _duration_figures(responses, "elapsed_open_minutes"),
            TargetKind.RESOLUTION: _duration_figures(resolutions, "open_minutes"),
        }
    rows: list[list[Cell]] = []
    for kind in DURATION_KINDS:
        for severity, severity_label in [("", _("All")), *((s.value, s.value) for s in SEVERITIES)]:
            measured, median, p90 = found[kind].get(severity, (0, None, None))
            rows.append(
                [
                    str(kind.label),
                    severity_label,
                    str(measured),
                    format_open_hours(median),
                    format_open_hours(p90),
                    format_minutes(median),
                    format_minutes(p90),
                ]
            )
    return Table(
        "durations",
        _("Response and resolution times, in open time"),
        [_("Measure"), _("Severity"), _("Measured"), _("Median"), _("90th percentile")],
        rows,
        note=_(
            "Open time counts the hours of the calendar of the ticket's targets, less the "
            "time spent waiting on the customer, in open hours (the calendars' days differ). "
            "Resolution times are summarised with the other figures."
        ),
        figures_from=2,
        csv_columns=["median_minutes", "p90_minutes"],
    )


def breaches(
    *,
    period: Period,
    now: dt.datetime,
    organization: Organization | None = None,
    every: bool = False,
    total: int | None = None,
) -> Table:
    """Clocks whose deadline passed in the period, the latest first, with how late: the
    final lateness once met, or the open time from the deadline to ``now`` while still
    owed, in words on the clock's calendar ("1 business day 3 h"), and in minutes in the
    CSV's ``late_minutes``. The calendars come from the engine's cache, so the queries
    stay the same however many rows.
    A page shows the latest BREACH_ROWS (of ``total``); the CSV has ``every`` one."""
    limit = None if every else BREACH_ROWS
    with scopes_disabled():  # staff dashboards work across organisations
        breached = SLAClock.objects.filter(
            breached_at__gte=period.start, breached_at__lt=period.end
        )
        if organization:
            breached = breached.filter(organization=organization)
        # Plain values, not models: the CSV of a busy quarter has tens of thousands.
        clocks = breached.order_by("-breached_at", "-pk").values_list(
            "ticket__reference",
            "organization__code",
            "kind",
            "severity",
            "due_at",
            "breached_at",
            "met_at",
            "late_minutes",
            "calendar_id",
            "ticket__assignee__full_name",
            "ticket__assignee__email",
        )
        found = list(clocks[:limit] if limit else clocks)
        calendars = engine_calendars()
    kinds, link = dict(TargetKind.choices), ticket_linker()
    rows: list[list[Cell]] = []
    for (
        reference,
        code,
        kind,
        severity,
        due_at,
        breached_at,
        met,
        late_minutes,
        calendar,
        name,
        email,
    ) in found:
        due = due_at or breached_at  # the deadline; a breach is recorded at it
        assert due is not None  # breached_at is in the period
        cal = calendars[calendar]
        if met is not None and late_minutes is not None:
            late = dt.timedelta(minutes=late_minutes)
        else:
            late = engine.late_by(cal, due, met or now)
        words = open_time_words(cal, late)
        if met is None:
            # Still owed: lateness grows with open time until the target is met, and
            # none passes while the calendar stays closed (a weekend after a Friday
            # deadline): say so rather than "under a minute".
            if not late and not cal.always_open:
                words = _("none yet in business hours")
            words += _(", still owed")
        rows.append(
            [
                link(reference),
                code,
                str(kinds[kind]),
                severity,
                When(due),
                When(met) if met else _("not yet"),
                words,
                (name or email) if email else _("Unassigned"),
                str(whole_minutes(late)),
                "no" if met else "yes",
            ]
        )
    note = ""
    if limit and total is not None and total > len(found):
        note = _("The latest %(shown)s of %(total)s breaches; the CSV has them all.") % {
            "shown": len(found),
            "total": total,
        }
    return Table(
        "breaches",
        _("Breaches, the latest first"),
        [
            _("Ticket"),
            _("Organisation"),
            _("Target"),
            _("Severity"),
            _("Was due"),
            _("Met"),
            _("Late by"),
            _("Assignee"),
        ],
        rows,
        csv_columns=["late_minutes", "still_owed"],
        note=note,
        figures_from=99,
    )


def trend(*, period: Period, organization: Organization | None = None) -> tuple[Table, dict]:
    """Tickets logged and resolved per day, and open at the end of each day."""
    with scopes_disabled():  # staff dashboards work across organisations
        days = TicketDay.objects.filter(day__gte=period.first, day__lte=period.last)
        if organization:
            days = days.filter(organization=organization)
        by_day = {
            row["day"]: row
            for row in days.values("day")
            .annotate(intake=Sum("intake"), resolved=Sum("resolved"), backlog=Sum("backlog"))
            .order_by()
        }
        summarised = set(
            SummaryDay.objects.filter(day__gte=period.first, day__lte=period.last).values_list(
                "day", flat=True
            )
        )
    labels: list[str] = []
    series: dict[str, list[int | None]] = {"intake": [], "resolved": [], "backlog": []}
    rows: list[list[Cell]] = []
    for day in period.days:
        known = day in summarised
        row = by_day.get(day, {})
        values = {key: (row.get(key) or 0) if known else None for key in series}
        labels.append(f"{day:%-d %b}")
        for key in series:
            series[key].append(values[key])
        rows.append(
            [
                When(day),
                *(NONE if values[key] is None else str(values[key]) for key in series),
            ]
        )
    table = Table(
        "trend",
        _("Intake and backlog per day"),
        [_("Day"), _("Logged"), _("Resolved"), _("Open at end of day")],
        rows,
        note=_("Days without figures (—) have not been summarised yet."),
    )
    chart = {
        "type": "line",
        "title": _("Tickets logged, resolved and open per day"),
        "percent": False,
        "labels": labels,
        "datasets": [
            {"label": _("Logged"), "data": series["intake"]},
            {"label": _("Resolved"), "data": series["resolved"]},
            {"label": _("Open at end of day"), "data": series["backlog"]},
        ],
    }
    return table, chart
