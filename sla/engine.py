"""SLA open-time arithmetic: pure functions over a `Calendar`, no Django and no ORM.

This module adds and measures open time, computes deadlines (with pauses), warning points,
lateness and the next opening. The `Calendar` value type and its single-day queries
(opening intervals, business days, close of business, holidays, validation) live in
`sla.calendars`; the public ones are re-exported here, so callers import `sla.engine` only.

Every function takes and returns aware datetimes; results are always in UTC. Naive
datetimes are rejected with ValueError. All calendar reasoning (which day it is, when a
range opens and closes) happens in the calendar's own timezone: see `sla.calendars` for
the calendar rules and for how wall times map to instants across daylight saving.

Open time
---------
* `add_open_time(cal, start, d)` is the earliest instant `t` with
  `open_time_between(cal, start, t) >= d`. For `d > 0` that is inside an opening range or
  exactly at its close, never at the next opening; for `d == 0` it is `start` itself.
* `open_time_between(cal, a, b)` is the open time inside `[a, b)`, zero if `b <= a`.

Deadlines (`deadline(cal, start, amount, unit, pauses)`)
--------------------------------------------------------
* minutes, hours: `add_open_time(start, amount)`; `amount >= 0`.
* business_days N: close of business on the Nth business day after the local calendar
  day on which `start` falls ("next business day" is N = 1). A business day is a
  non-holiday weekday with at least one opening range; close of business is the end of
  its last range.
* weeks N, months N: add N * 7 days or N calendar months to the local day of `start` (a
  month that lacks the day uses its last day: Jan 31 + 1 month = Feb 28 or 29), then take
  close of business on that day, or on the next business day if that day is not one.
* Day-based units need `amount >= 1`, so a deadline is never before its start.

Pauses (waiting on the customer)
--------------------------------
`pauses` are closed `(paused_at, resumed_at)` intervals. A pause still running has no
place here: while the clock is paused there is no deadline, and the caller computes one
again once the pause has ended. Pauses are clipped to `[start, ...)`, sorted and merged
where they overlap. The clock runs only in open time outside pauses, so:

* Walking the pauses in order, a pause that begins before the current deadline pushes the
  deadline forward by the open time inside the pause:
  `due = add_open_time(base, total paused open time so far)`. A pause that begins at or
  after the current deadline (the clock had already run out) moves nothing.
* For minutes and hours this equals "the instant when `amount` of open time outside the
  pauses has elapsed". For business days, weeks and months the base deadline is pushed by
  the paused open time with `add_open_time`: a pause covering one whole business day
  (8 open hours on a 09:00-17:00 calendar) moves a 17:00 deadline to 17:00 of the next
  business day; a 2-hour pause moves it to 11:00 on the next business day.
* A pause never brings a deadline forward.

Warnings and lateness
---------------------
* `warn_at(cal, start, due, share)` is `add_open_time(start, share * open time between
  start and due)`, or `due` itself if `due <= start`. With pauses, pass the pause-shifted
  `due`; the paused open time then counts as elapsed for the warning.
* `late_by(cal, due, at)` is `open_time_between(cal, due, at)`: how late, in open time
  (wall-clock time on 24x7 calendars); zero if `at <= due`.

Speed
-----
Nothing walks minute by minute. Walks go day by day over opening ranges; a "plain" day
(no holiday, no offset change: see `sla.calendars`) counts its nominal open time without
building its ranges, and a plain week (seven plain days) is skipped in one step when the
remaining duration exceeds a nominal week. `open_time_between` over more than
`LONG_SPAN_DAYS` days takes the open time of the whole days between its two ends from
per-year running totals, computed once per calendar and year.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

# The calendar type and its day queries are part of this module's public API (see
# __all__); the rest are the day-walk pieces the arithmetic below is built on.
from sla.calendars import (
    END_OF_DAY,
    ONE_DAY,
    ONE_WEEK,
    ZERO,
    Calendar,
    ClosedStreakGuard,
    OpeningRange,
    add_business_days,
    close_of_business,
    holiday_dates,
    is_business_day,
    is_open,
    is_plain_day,
    is_plain_week,
    moved_working_days,
    next_business_day,
    opening_intervals,
    to_utc,
    validate_calendar,
)

__all__ = [
    "END_OF_DAY",
    "Calendar",
    "OpeningRange",
    "Pause",
    "Unit",
    "add_open_time",
    "close_of_business",
    "deadline",
    "holiday_dates",
    "is_business_day",
    "is_open",
    "moved_working_days",
    "late_by",
    "next_open",
    "open_time_between",
    "open_windows",
    "opening_intervals",
    "validate_calendar",
    "warn_at",
    "warning_at",
]

Unit = Literal["minutes", "hours", "business_days", "weeks", "months"]
Pause = tuple[datetime, datetime]


def add_open_time(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which `duration` of open time has elapsed since `start`."""
    start_utc = to_utc(start, "start")
    if duration < ZERO:
        raise ValueError(f"duration must not be negative, got {duration}.")
    if cal.always_open:
        # Add in UTC: adding to a local aware datetime would add wall-clock time.
        return start_utc + duration
    if duration == ZERO:
        return start_utc

    remaining = duration
    day = start_utc.astimezone(cal._zone).date()
    # The first day may begin in the middle of a range, so clip its ranges to the start.
    for open_at, close_at in opening_intervals(cal, day):
        if close_at <= start_utc:
            continue
        length = close_at - max(open_at, start_utc)
        if length >= remaining:
            return close_at - length + remaining
        remaining -= length

    guard = ClosedStreakGuard(cal)
    day += ONE_DAY
    while True:
        # Strictly greater: when the duration ends exactly at a week's or day's last close,
        # that close is found by the range walk below instead of being skipped past.
        while remaining > cal._week_open and is_plain_week(cal, day):
            remaining -= cal._week_open
            day += ONE_WEEK
            guard.saw_open(day)
        day_open = cal._day_open[day.weekday()]
        if remaining > day_open and is_plain_day(cal, day):
            remaining -= day_open
            if day_open:
                guard.saw_open(day)
            day += ONE_DAY
            guard.check(day)
            continue
        for open_at, close_at in opening_intervals(cal, day):
            length = close_at - open_at
            if length >= remaining:
                return open_at + remaining
            remaining -= length
            guard.saw_open(day)
        day += ONE_DAY
        guard.check(day)


def open_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """Open time inside [start, end); zero when `end <= start`."""
    start_utc = to_utc(start, "start")
    end_utc = to_utc(end, "end")
    if end_utc <= start_utc:
        return ZERO
    if cal.always_open:
        return end_utc - start_utc

    first_day = start_utc.astimezone(cal._zone).date()
    last_day = end_utc.astimezone(cal._zone).date()
    if (last_day - first_day).days > LONG_SPAN_DAYS:
        # Long spans (a deadline missed months ago): the whole days between the two ends
        # from per-year running totals, the two ends clipped as below.
        return (
            _clipped_open_time(cal, first_day, start_utc, end_utc)
            + _whole_days_open_time(cal, first_day + ONE_DAY, last_day)
            + _clipped_open_time(cal, last_day, start_utc, end_utc)
        )
    total = ZERO
    day = first_day
    while day <= last_day:
        if first_day < day < last_day:
            # Days strictly between the two ends lie wholly inside the span, so plain ones
            # count their nominal open time without being clipped.
            while day + ONE_WEEK <= last_day and is_plain_week(cal, day):
                total += cal._week_open
                day += ONE_WEEK
            if day < last_day and is_plain_day(cal, day):
                total += cal._day_open[day.weekday()]
                day += ONE_DAY
                continue
        for open_at, close_at in opening_intervals(cal, day):
            clipped = min(close_at, end_utc) - max(open_at, start_utc)
            if clipped > ZERO:
                total += clipped
        day += ONE_DAY
    return total


# Spans longer than this many days add up their whole days from running totals.
LONG_SPAN_DAYS = 60


def _clipped_open_time(cal: Calendar, day: date, start: datetime, end: datetime) -> timedelta:
    """Open time of one local day inside [start, end)."""
    total = ZERO
    for open_at, close_at in opening_intervals(cal, day):
        clipped = min(close_at, end) - max(open_at, start)
        if clipped > ZERO:
            total += clipped
    return total


@lru_cache(maxsize=512)
def _year_running_totals(cal: Calendar, year: int) -> tuple[timedelta, ...]:
    """Open time of the whole days of ``year`` before each of its days: element i is the
    open time from 1 January up to (not including) its i-th day after it; the last
    element is the year's total. The same day sums as ``open_time_between`` makes."""
    totals = [ZERO]
    day = date(year, 1, 1)
    while day.year == year:
        totals.append(
            totals[-1] + sum((close - open_ for open_, close in opening_intervals(cal, day)), ZERO)
        )
        day += ONE_DAY
    return tuple(totals)


def _whole_days_open_time(cal: Calendar, first: date, stop: date) -> timedelta:
    """Open time of the whole local days in [first, stop)."""
    if stop <= first:
        return ZERO

    def before(day: date) -> timedelta:
        return _year_running_totals(cal, day.year)[day.timetuple().tm_yday - 1]

    if first.year == stop.year:
        return before(stop) - before(first)
    total = _year_running_totals(cal, first.year)[-1] - before(first)
    for year in range(first.year + 1, stop.year):
        total += _year_running_totals(cal, year)[-1]
    return total + before(stop)


def open_windows(cal: Calendar, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The open spans inside [start, end), in order, touching spans merged (24x7: one)."""
    start_utc = to_utc(start, "start")
    end_utc = to_utc(end, "end")
    if end_utc <= start_utc:
        return []
    if cal.always_open:
        return [(start_utc, end_utc)]
    windows: list[tuple[datetime, datetime]] = []
    day = start_utc.astimezone(cal._zone).date()
    last_day = end_utc.astimezone(cal._zone).date()
    while day <= last_day:
        for open_at, close_at in opening_intervals(cal, day):
            open_at, close_at = max(open_at, start_utc), min(close_at, end_utc)
            if close_at <= open_at:
                continue
            if windows and windows[-1][1] >= open_at:
                windows[-1] = (windows[-1][0], max(windows[-1][1], close_at))
            else:
                windows.append((open_at, close_at))
        day += ONE_DAY
    return windows


def deadline(
    cal: Calendar,
    start: datetime,
    amount: int,
    unit: Unit,
    pauses: Sequence[Pause] = (),
) -> datetime:
    """When a clock started at `start` with a target of `amount` `unit`s runs out."""
    start_utc = to_utc(start, "start")
    if amount < 0:
        raise ValueError(f"amount must not be negative, got {amount}.")
    if unit == "minutes":
        due = add_open_time(cal, start_utc, timedelta(minutes=amount))
    elif unit == "hours":
        due = add_open_time(cal, start_utc, timedelta(hours=amount))
    elif unit in ("business_days", "weeks", "months"):
        if amount < 1:
            # Zero would mean "today's close", which may already be behind `start`.
            raise ValueError(f"{unit} needs an amount of at least 1, got {amount}.")
        start_day = start_utc.astimezone(cal._zone).date()
        if unit == "business_days":
            due_day = add_business_days(cal, start_day, amount)
        elif unit == "weeks":
            due_day = next_business_day(cal, start_day + amount * ONE_WEEK)
        else:
            due_day = next_business_day(cal, _add_months(start_day, amount))
        due = close_of_business(cal, due_day)
    else:
        raise ValueError(f"Unknown unit {unit!r}.")
    return _shift_for_pauses(cal, start_utc, due, pauses)


def warn_at(cal: Calendar, start: datetime, due: datetime, share: float = 0.75) -> datetime:
    """The instant when `share` of the open time between `start` and `due` has elapsed."""
    if not 0 <= share <= 1:
        raise ValueError(f"share must be between 0 and 1, got {share}.")
    start_utc = to_utc(start, "start")
    due_utc = to_utc(due, "due")
    if due_utc <= start_utc:
        return due_utc
    return add_open_time(cal, start_utc, open_time_between(cal, start_utc, due_utc) * share)


def warning_at(
    cal: Calendar,
    start: datetime,
    amount: int,
    unit: Unit,
    share: float = 0.75,
    pauses: Sequence[Pause] = (),
) -> datetime:
    """When a clock started at `start` has used `share` of its target's open time, the
    open time spent paused not counted: the warning point before the pauses, moved on
    by the open time inside the pauses that began before it (as `deadline` moves the
    deadline)."""
    start_utc = to_utc(start, "start")
    point = warn_at(cal, start_utc, deadline(cal, start_utc, amount, unit), share)
    return _shift_for_pauses(cal, start_utc, point, pauses)


def next_open(cal: Calendar, at: datetime) -> datetime:
    """`at` itself when the calendar is open then (always on 24x7), else the start of
    its next opening range: when a notice due at `at` may be sent."""
    at_utc = to_utc(at, "at")
    if cal.always_open or is_open(cal, at_utc):
        return at_utc
    day = at_utc.astimezone(cal._zone).date()
    guard = ClosedStreakGuard(cal)
    while True:
        for open_at, _close_at in opening_intervals(cal, day):
            if open_at >= at_utc:
                return open_at
        day += ONE_DAY
        guard.check(day)


def late_by(cal: Calendar, due: datetime, at: datetime) -> timedelta:
    """How late `at` is after `due`, in open time (wall-clock time on 24x7); zero if not late."""
    return open_time_between(cal, due, at)


# --- helpers ---------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    """Same day `months` later, or the last day of that month when it is shorter."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    last_day = stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def _merge_pauses(start: datetime, pauses: Sequence[Pause]) -> list[tuple[datetime, datetime]]:
    """Pauses clipped to begin no earlier than `start`, sorted, overlaps merged."""
    clipped = []
    for paused_at, resumed_at in pauses:
        paused_utc = to_utc(paused_at, "paused_at")
        resumed_utc = to_utc(resumed_at, "resumed_at")
        if resumed_utc < paused_utc:
            raise ValueError(f"Pause resumed at {resumed_at} before it began at {paused_at}.")
        paused_utc = max(paused_utc, start)
        if resumed_utc > paused_utc:
            clipped.append((paused_utc, resumed_utc))
    clipped.sort()
    merged: list[tuple[datetime, datetime]] = []
    for paused_utc, resumed_utc in clipped:
        if merged and paused_utc <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], resumed_utc))
        else:
            merged.append((paused_utc, resumed_utc))
    return merged


def _shift_for_pauses(
    cal: Calendar, start: datetime, due: datetime, pauses: Sequence[Pause]
) -> datetime:
    base = due
    paused = ZERO
    for paused_at, resumed_at in _merge_pauses(start, pauses):
        if paused_at >= due:
            # The clock had already run out when this pause (and every later one) began.
            break
        paused += open_time_between(cal, paused_at, resumed_at)
        due = add_open_time(cal, base, paused)
    return due
