"""Response and resolution times over a period, in open time: medians and 90th
percentiles in a fixed number of queries whatever the rows.

Across every organisation, first responses and resolution times come from their daily
histograms (:class:`~dashboard.models.ResponseTimeDay`,
:class:`~dashboard.models.ResolutionTimeDay`): a row per day, severity and whole number
of open minutes, so a period's figures, and the previous period's, sum a few thousand
rows instead of reading every clock or resolution, and are exact: the percentiles are
worked out from the summed histogram as PostgreSQL's ``percentile_cont`` works them out
from the rows (tests/dashboard/test_durations.py compares the two).

One organisation's first responses come from its clocks, and its resolution times from
:class:`~dashboard.models.ResolutionTime`, through their own indexes: PostgreSQL computes
those percentiles with ``percentile_cont``. SQLite (the one-command demo) has no such
aggregate: there, and only there, they are computed in Python over the minutes column of
the period's rows (one integer per clock, never a ticket)."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from accounts.models import Organization
from dashboard.models import ResolutionTime, ResolutionTimeDay, ResponseTimeDay, plain_rows
from dashboard.tables import Cell, Period, Table, format_minutes, format_open_hours
from sla.models import Severity, SLAClock, TargetKind

DURATION_KINDS = [TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION]
SEVERITIES = list(Severity)


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


def _histogram_percentile(counts: list[tuple[int, int]], fraction: float) -> float | None:
    """percentile_cont's linear interpolation over the values a histogram counts:
    ``counts`` holds (value, how many) pairs, lowest value first. The same arithmetic
    as PostgreSQL's (the value at the rank below the position, plus the fraction of the
    step to the rank above), so the same figure as from the values one by one."""
    values = [value for value, _count in counts]
    return _cumulative_percentile(values, list(accumulate(n for _v, n in counts)), fraction)


def _cumulative_percentile(values: list[int], seen: list[int], fraction: float) -> float | None:
    """:func:`_histogram_percentile` over the values, lowest first, and the running
    totals of their counts: each rank found by bisection."""
    if not seen or not seen[-1]:
        return None
    position = fraction * (seen[-1] - 1)
    low, high = math.floor(position), math.ceil(position)
    # The value at a rank is the first whose running total exceeds it.
    low_value, high_value = values[bisect_right(seen, low)], values[bisect_right(seen, high)]
    return low_value + (high_value - low_value) * (position - low)


Figures = tuple[int, float | None, float | None]  # measured, median, 90th percentile
PREVIOUS = "previous"  # the key of the previous period's overall figures


def _duration_figures(
    queryset: QuerySet, minutes: str, *, when: str, period: Period, previous: Period | None
) -> dict[str, Figures]:
    """Count, median and 90th percentile of a minutes column, overall ("") and per
    severity, of the rows whose ``when`` falls in the period; with ``previous``, overall
    in that period too (PREVIOUS). One query on PostgreSQL, one column read on SQLite
    (see the module's note)."""
    in_period = Q(**{f"{when}__gte": period.start, f"{when}__lt": period.end})
    in_previous = None
    if previous is not None:
        in_previous = Q(**{f"{when}__gte": previous.start, f"{when}__lt": previous.end})
    # One range of the index from the earlier start: the FILTERs tell the periods apart.
    earliest = min(period.start, previous.start) if previous is not None else period.start
    queryset = queryset.filter(**{f"{when}__gte": earliest, f"{when}__lt": period.end})
    found: dict[str, Figures] = {}
    keys = ["", *(s.value for s in SEVERITIES)]
    if connection.vendor == "postgresql":
        # One pass: overall, per severity and in the previous period, with FILTER.
        # Counting the column, not the key, keeps it an index-only scan.
        filters = {key: in_period & Q(severity=key) if key else in_period for key in keys}
        if in_previous is not None:
            filters[PREVIOUS] = in_previous
        figures: dict[str, Aggregate] = {}
        for key, only in filters.items():
            figures[f"measured{key}"] = Count(minutes, filter=only)
            figures[f"percentiles{key}"] = PercentileCont(minutes, (0.5, 0.9), filter=only)
        row = queryset.aggregate(**figures)
        for key in filters:
            median, p90 = row[f"percentiles{key}"] or (None, None)
            found[key] = (row[f"measured{key}"], median, p90)
        return found
    values: dict[str, list[int]] = {}
    for severity, value, at in queryset.values_list("severity", minutes, when):
        if period.start <= at < period.end:
            values.setdefault("", []).append(value)
            if severity:  # a clock without a severity counts overall only, as above
                values.setdefault(severity, []).append(value)
        elif previous is not None and previous.start <= at < previous.end:
            values.setdefault(PREVIOUS, []).append(value)
    if previous is not None:
        values.setdefault(PREVIOUS, [])
    for key, column in values.items():
        found[key] = (len(column), _percentile(column, 0.5), _percentile(column, 0.9))
    return found


def _summarised(
    model: type[ResponseTimeDay] | type[ResolutionTimeDay],
    column: str,
    *,
    period: Period,
    previous: Period | None,
) -> dict[str, Figures]:
    """Count, median and 90th percentile overall ("") and per severity in the period,
    and with ``previous`` overall in that period (PREVIOUS), as :func:`_duration_figures`
    gives them from the rows themselves: from the days' histograms (``model``, counts in
    ``column``), summed per severity and minutes in one query over one range of their index."""
    in_period = Q(day__gte=period.first, day__lte=period.last)
    sums = {"now": Sum(column, filter=in_period)}
    earliest = period.first
    if previous is not None:
        sums["before"] = Sum(column, filter=Q(day__gte=previous.first, day__lte=previous.last))
        earliest = min(period.first, previous.first)
    # Lowest minutes first, straight into each histogram's (values, counts) lists.
    rows = plain_rows(
        model.objects.filter(day__gte=earliest, day__lte=period.last)
        .values_list("severity", "minutes")
        .annotate(**sums)
        .order_by("minutes")
    )
    histograms: dict[str, tuple[list[int], list[int]]] = {
        key: ([], []) for key in ("", *(s.value for s in SEVERITIES), PREVIOUS)
    }
    for row in rows:
        severity, minutes, now = row[0], row[1], row[2]
        if now:
            _add(histograms[""], minutes, now)
            if severity:  # a row without a severity counts overall only, as above
                _add(histograms.setdefault(severity, ([], [])), minutes, now)
        if previous is not None and row[3]:
            _add(histograms[PREVIOUS], minutes, row[3])
    found: dict[str, Figures] = {}
    for key, (values, counts) in histograms.items():
        if not values and not (key == PREVIOUS and previous is not None):
            continue  # only the previous period is always named, as above
        seen = list(accumulate(counts))
        found[key] = (
            seen[-1] if seen else 0,
            _cumulative_percentile(values, seen, 0.5),
            _cumulative_percentile(values, seen, 0.9),
        )
    return found


def _add(histogram: tuple[list[int], list[int]], minutes: int, count: int) -> None:
    """Count ``count`` more at ``minutes`` in a histogram's (values, counts) lists, fed
    lowest minutes first: the severities' rows of one number of minutes are one value."""
    values, counts = histogram
    if values and values[-1] == minutes:
        counts[-1] += count
    else:
        values.append(minutes)
        counts.append(count)


def _summarised_first_responses(*, period: Period, previous: Period | None) -> dict[str, Figures]:
    """Every organisation's first responses met in the period (and ``previous``)."""
    return _summarised(ResponseTimeDay, "responses", period=period, previous=previous)


def _summarised_resolutions(*, period: Period) -> dict[str, Figures]:
    """Every organisation's tickets resolved in the period."""
    return _summarised(ResolutionTimeDay, "resolutions", period=period, previous=None)


def durations(
    *, period: Period, organization: Organization | None = None, previous: Period | None = None
) -> tuple[Table, tuple[Figures, Figures | None]]:
    """Median and 90th percentile of first-response and resolution times in open time
    (the calendar of the ticket's targets, less the time spent waiting on the customer):
    first responses met in the period, tickets resolved in it; overall and per severity.
    Also the first responses' overall figures, and with ``previous`` those of that
    period (from the same query)."""
    with scopes_disabled():  # staff dashboards work across organisations
        if organization:
            resolutions = _duration_figures(
                ResolutionTime.objects.filter(organization=organization),
                "open_minutes",
                when="resolved_at",
                period=period,
                previous=None,
            )
            responses = _duration_figures(
                SLAClock.objects.first_responses_measured().filter(organization=organization),
                "elapsed_open_minutes",
                when="met_at",
                period=period,
                previous=previous,
            )
        else:
            responses = _summarised_first_responses(period=period, previous=previous)
            resolutions = _summarised_resolutions(period=period)
        found = {TargetKind.FIRST_RESPONSE: responses, TargetKind.RESOLUTION: resolutions}
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
    table = Table(
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
    responses_found = found[TargetKind.FIRST_RESPONSE]
    return table, (
        responses_found.get("", (0, None, None)),
        responses_found.get(PREVIOUS) if previous is not None else None,
    )
