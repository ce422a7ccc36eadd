"""The headline figures a dashboard page or a report opens with: targets met on time,
breaches, the median first response, open S1 tickets and customer satisfaction, each
with the period it covers and how it compares with the previous period.

Plain Python over figures the page has computed already (its compliance, durations and
satisfaction queries also count the previous period): no queries here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboard.durations import Figures
from dashboard.period import Counts
from dashboard.satisfaction import Score
from dashboard.tables import NONE, Period, Table, format_open_hours
from sla.models import Severity

UP, DOWN, SAME = "up", "down", "same"


@dataclass(frozen=True)
class Figure:
    """One headline figure as the page shows it."""

    name: str  # a stable name: the card's data-testid, for tests
    label: str
    value: str  # "86,7 %" in the reader's language, or a dash without any figure
    covers: str  # the period it covers, in words
    detail: str = ""  # what it was counted from: "13 of 15 settled"
    trend: str = ""  # UP, DOWN or SAME; "" when there is nothing to compare with
    comparison: str = ""  # the comparison in words: the arrow is never alone
    better: bool | None = None  # whether the change is for the better (None: neither)

    @property
    def verdict(self) -> str:
        if self.better is None:
            return ""
        return _("Better.") if self.better else _("Worse.")


@dataclass(frozen=True)
class Raw:
    """What the headline is made from, cached with the period's other figures."""

    targets: Counts
    targets_before: Counts | None
    first_response: Figures
    first_response_before: Figures | None
    satisfaction: Score
    satisfaction_before: Score | None


def _one_decimal(value: float) -> str:
    # number_format cuts the digits it leaves out: round first (66.67 is "66.7").
    return number_format(round(value, 1), decimal_pos=1)


def _percent(value: float) -> str:
    return f"{_one_decimal(value)}\xa0%"


def _trend(now: float, before: float) -> str:
    if round(now, 1) == round(before, 1):
        return SAME
    return UP if now > before else DOWN


def _no_previous() -> str:
    return _("No figures for the previous period to compare with.")


def _share_figure(
    name: str,
    label: str,
    covers: str,
    part: int,
    whole: int,
    before: tuple[int, int] | None,
    *,
    detail: str,
    empty: str,
) -> Figure:
    """A share, "%", compared in percentage points (more is better)."""
    if not whole:
        return Figure(name, label, NONE, covers, empty)
    share = 100 * part / whole
    if before is None or not before[1]:
        return Figure(name, label, _percent(share), covers, detail, comparison=_no_previous())
    previous = 100 * before[0] / before[1]
    trend = _trend(share, previous)
    words = {
        UP: _("Up %(change)s points from %(previous)s in the previous period."),
        DOWN: _("Down %(change)s points from %(previous)s in the previous period."),
        SAME: _("The same as in the previous period (%(previous)s)."),
    }[trend] % {
        "change": _one_decimal(abs(share - previous)),
        "previous": _percent(previous),
    }
    return Figure(
        name,
        label,
        _percent(share),
        covers,
        detail,
        trend,
        words,
        None if trend == SAME else trend == UP,
    )


def _count_figure(
    name: str, label: str, covers: str, count: int, before: int | None, *, fewer_is_better: bool
) -> Figure:
    """A count, compared in units."""
    if before is None:
        return Figure(name, label, number_format(count), covers, comparison=_no_previous())
    trend = SAME if count == before else UP if count > before else DOWN
    words = {
        UP: _("Up %(change)s from %(previous)s in the previous period."),
        DOWN: _("Down %(change)s from %(previous)s in the previous period."),
        SAME: _("The same as in the previous period (%(previous)s)."),
    }[trend] % {"change": number_format(abs(count - before)), "previous": number_format(before)}
    better = None if trend == SAME else (trend == DOWN) == fewer_is_better
    return Figure(name, label, number_format(count), covers, "", trend, words, better)


def _median_figure(covers: str, now: Figures, before: Figures | None) -> Figure:
    """The median first response in open time, compared in minutes (shorter is better)."""
    label = _("Median first response")
    measured, median, _p90 = now
    if not measured or median is None:
        return Figure("first_response", label, NONE, covers, _("No first response in this period."))
    detail = ngettext(
        "%(count)s first response, in open time",
        "%(count)s first responses, in open time",
        measured,
    ) % {"count": number_format(measured)}
    value = format_open_hours(median)
    if before is None or not before[0] or before[1] is None:
        return Figure("first_response", label, value, covers, detail, comparison=_no_previous())
    previous = before[1]
    # Compared as the words show them: whole minutes.
    trend = SAME if int(median) == int(previous) else UP if median > previous else DOWN
    words = {
        UP: _("Longer than the %(previous)s of the previous period."),
        DOWN: _("Shorter than the %(previous)s of the previous period."),
        SAME: _("The same as in the previous period (%(previous)s)."),
    }[trend] % {"previous": format_open_hours(previous)}
    better = None if trend == SAME else trend == DOWN
    return Figure("first_response", label, value, covers, detail, trend, words, better)


def open_critical(table: Table) -> int:
    """Open S1 tickets, from the table of open tickets by severity (its first row)."""
    assert table.name == "open_by_severity" and list(Severity)[0] == Severity.S1
    return int(str(table.rows[0][-1]))


def now_words(now: dt.datetime) -> str:
    return _("Now, %(time)s") % {"time": date_format(timezone.localtime(now), "DAY_TIME_FORMAT")}


def figures(
    raw: Raw,
    *,
    period: Period,
    open_s1: int,
    open_s1_covers: str,
    open_s1_before: int | None = None,
) -> list[Figure]:
    """The five headline figures, in the order a page shows them."""
    covers = period.label
    targets, before = raw.targets, raw.targets_before
    satisfaction_before = raw.satisfaction_before
    return [
        _share_figure(
            "targets_met",
            _("Targets met on time"),
            covers,
            targets.met,
            targets.settled,
            (before.met, before.settled) if before is not None else None,
            detail=_("%(met)s of %(settled)s settled targets")
            % {"met": number_format(targets.met), "settled": number_format(targets.settled)},
            empty=_("No target settled in this period."),
        ),
        _count_figure(
            "breaches",
            _("SLA breaches"),
            covers,
            targets.breached,
            # Without any target settled then, there is nothing to compare with.
            before.breached if before is not None and before.settled else None,
            fewer_is_better=True,
        ),
        _median_figure(covers, raw.first_response, raw.first_response_before),
        _count_figure(
            "open_s1",
            _("Open S1 tickets"),
            open_s1_covers,
            open_s1,
            open_s1_before,
            fewer_is_better=True,
        ),
        _share_figure(
            "satisfaction",
            _("Customer satisfaction"),
            covers,
            raw.satisfaction.good,
            raw.satisfaction.answers,
            (satisfaction_before.good, satisfaction_before.answers)
            if satisfaction_before is not None
            else None,
            detail=ngettext(
                "%(good)s good and %(bad)s bad, of %(answers)s answer",
                "%(good)s good and %(bad)s bad, of %(answers)s answers",
                raw.satisfaction.answers,
            )
            % {
                "good": raw.satisfaction.good,
                "bad": raw.satisfaction.bad,
                "answers": raw.satisfaction.answers,
            },
            empty=_("No survey answered in this period."),
        ),
    ]


def end_words(period: Period, now: dt.datetime) -> str:
    """When a report's open tickets are counted: at the end of its period, or now while
    the period lasts."""
    if now < period.end:
        return now_words(now)
    return _("At the end of %(day)s") % {"day": date_format(period.last, "DAY_DATE_FORMAT")}
