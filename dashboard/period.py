"""The dashboard over a period: compliance, intake and backlog from the daily summary
tables (:mod:`dashboard.services`); the breach list from the clocks themselves, through
their own index (open-time percentiles: :mod:`dashboard.durations`). Every figure leaves
as a :class:`~dashboard.tables.Table`, which the page shows and the CSV export writes, so
the two cannot disagree. Each makes a fixed number of queries whatever the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from accounts.models import Organization
from dashboard.models import (
    ComplianceDay,
    Grain,
    SummaryDay,
    TicketDay,
    TicketTotalDay,
    plain_rows,
)
from dashboard.services import vendor_today
from dashboard.tables import (
    NONE,
    Cell,
    Link,
    Period,
    Table,
    When,
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
    period: Period,
    organization: Organization | None,
    grain: str,
    *group: str,
    previous: Period | None = None,
) -> list[dict]:
    """Settled, met and breached clocks per kind (and ``group``) in the period: from one
    organisation's detail rows, or for everyone from the rows summed along ``grain``.
    With ``previous``, the same query also sums that period's days, as ``previous_*``."""
    in_period = Q(day__gte=period.first, day__lte=period.last)
    sums = {name: Sum(name) for name in ("settled", "met", "breached")}
    if previous is not None:
        in_previous = Q(day__gte=previous.first, day__lte=previous.last)
        # The previous period's first: once "settled" names a sum, Sum("settled") is refused.
        sums = {
            f"previous_{name}": Sum(name, filter=in_previous)
            for name in ("settled", "met", "breached")
        }
        sums |= {name: Sum(name, filter=in_period) for name in ("settled", "met", "breached")}
        in_period |= in_previous
    with scopes_disabled():  # staff dashboards work across organisations
        days = ComplianceDay.objects.filter(in_period)
        if organization:
            days = days.filter(grain=Grain.DETAIL, organization=organization)
        else:
            days = days.filter(grain=grain)
        by_organization = "organization__code" in group
        keys = [*(("organization_id",) if by_organization else group), "kind"]
        summed = days.values(*keys).annotate(**sums).order_by()
        rows = [dict(zip([*keys, *sums], row, strict=True)) for row in plain_rows(summed)]
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
    *, period: Period, organization: Organization | None = None, previous: Period | None = None
) -> tuple[Table, dict, tuple[Counts, Counts | None]]:
    """For each target kind: clocks settled in the period, met on time and breached,
    and every target's counts; with ``previous``, those of that period too (from the
    same query)."""
    by_kind = {kind: Counts() for kind in KINDS}
    before = Counts() if previous is not None else None
    for row in _compliance(period, organization, Grain.SEVERITY, previous=previous):
        by_kind[TargetKind(row["kind"])].add(row)
        if before is not None:
            before.add({name: row[f"previous_{name}"] for name in ("settled", "met", "breached")})
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
    return table, chart, (total, before)


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
        if key not in groups:
            groups[key] = {kind: Counts() for kind in KINDS}
        groups[key][row["kind"]].add(row)
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
        # The label's words (for an organisation without building its link).
        words = f"{key[1]} ({key[0]})" if name == "by_organisation" else str(label(key))
        return (share is None, share or 0.0, words.lower())

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
        in_period = Q(day__gte=period.first, day__lte=period.last)
        columns = ("day", "intake", "resolved", "backlog")
        by_day: dict[dt.date, dict[str, int]] = {}
        if organization:
            for row in TicketDay.objects.filter(in_period, organization=organization).values(
                *columns
            ):
                by_day[row["day"]] = row
            summarised = set(SummaryDay.objects.filter(in_period).values_list("day", flat=True))
        else:  # every organisation's, summed by the refresh: a row for each day it summarised
            for row in TicketTotalDay.objects.filter(in_period).values(*columns):
                by_day[row["day"]] = row
            summarised = set(by_day)
    labels: list[str] = []
    series: dict[str, list[int | None]] = {"intake": [], "resolved": [], "backlog": []}
    rows: list[list[Cell]] = []
    for day in period.days:
        known = day in summarised
        row = by_day.get(day, {})
        values = {key: (row.get(key) or 0) if known else None for key in series}
        labels.append(When(day).words)  # as the table beside it writes the day
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
    days_known = [n for n, day in enumerate(period.days) if day in summarised]
    summary = ""
    if days_known:
        summary = _(
            "%(logged)s logged and %(resolved)s resolved in the period; %(open)s open at the "
            "end of %(day)s."
        ) % {
            "logged": sum(series["intake"][n] or 0 for n in days_known),
            "resolved": sum(series["resolved"][n] or 0 for n in days_known),
            "open": series["backlog"][days_known[-1]],
            "day": When(period.days[days_known[-1]]).words,
        }
    chart = {
        "type": "line",
        "title": _("Tickets logged, resolved and open per day"),
        # The figures in words beside the chart: a line of 30 days has too many to label.
        "summary": summary,
        "percent": False,
        "labels": labels,
        "datasets": [
            {"label": _("Logged"), "data": series["intake"]},
            {"label": _("Resolved"), "data": series["resolved"]},
            {"label": _("Open at end of day"), "data": series["backlog"]},
        ],
    }
    return table, chart
