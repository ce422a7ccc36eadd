"""SLA calendar arithmetic: pure functions over a `Calendar`, no Django and no ORM.

Every function takes and returns aware datetimes; results are always in UTC. Naive
datetimes are rejected with ValueError. All calendar reasoning (which day it is, when a
range opens and closes) happens in the calendar's own timezone.

Calendars
---------
A `Calendar` has an IANA timezone, opening ranges per weekday (0 = Monday .. 6 = Sunday) in
local wall time, a set of holiday dates (closed all day) and an `always_open` flag.

* A range is `(start, end)` with `start < end`. The end `END_OF_DAY` (`time(0, 0)`) means
  24:00, midnight at the end of that day, so a whole day is `(time(0, 0), END_OF_DAY)`.
  Ranges never cross midnight: a night shift 22:00-06:00 is written as 22:00-24:00 on one
  day and 00:00-06:00 on the next; the two join into one stretch of open time.
* Ranges of a weekday may be given in any order; they must not overlap (touching is fine).
* `always_open` (24x7) ignores `hours` and `holidays`: every instant is open, open time is
  absolute elapsed time, every day is a business day and its close is 24:00 local.
* A calendar with no opening range at all is invalid: constructing it raises ValueError
  (which also guarantees that every walk below ends). `validate_calendar` returns the same
  problems as human-readable strings for forms.

Wall times and daylight saving
------------------------------
A local wall time `t` on day `d` stands for the first instant at which the clock of the
zone shows `t` on day `d` or later:

* an ambiguous time (clocks going back) is its first occurrence (fold=0);
* a nonexistent time (clocks jumping forward) rolls forward to the instant of the jump.

So a range 09:00-17:00 always lasts 8 hours, while 00:00-06:00 on the night the clocks
spring forward lasts 5 hours and 7 hours on the night they fall back. A range that falls
entirely into a gap (02:00-03:00 on the spring-forward day in Europe/Budapest) gives no
open time that day. On 24x7 calendars open time is absolute, so 2 hours from 01:30 CET on
the spring-forward night end at 04:30 CEST.

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
(no holiday, same UTC offset at both of its midnights, hence no offset change inside it,
assuming a zone changes offset at most once per local day) counts its nominal open time
without building its ranges, and a plain week (seven plain days) is skipped in one step
when the remaining duration exceeds a nominal week.
"""

from __future__ import annotations

import bisect
import calendar as stdlib_calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    "late_by",
    "open_time_between",
    "opening_intervals",
    "validate_calendar",
    "warn_at",
]

Unit = Literal["minutes", "hours", "business_days", "weeks", "months"]
OpeningRange = tuple[time, time]
Pause = tuple[datetime, datetime]

# As the end of a range, midnight means 24:00 (the end of the day), never 00:00.
END_OF_DAY = time(0, 0)

ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Calendar:
    """Opening hours in one timezone. See the module docstring for the rules."""

    timezone: str
    hours: Mapping[int, tuple[OpeningRange, ...]]
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    # Derived once in __post_init__ so that the hot loops do no parsing or sorting.
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    # Per weekday: ranges as (offset from local midnight to open, to close).
    _spans: tuple[tuple[tuple[timedelta, timedelta], ...], ...] = field(
        init=False, repr=False, compare=False
    )
    _day_open: tuple[timedelta, ...] = field(init=False, repr=False, compare=False)
    _week_open: timedelta = field(init=False, repr=False, compare=False)
    _business_weekdays: int = field(init=False, repr=False, compare=False)
    _sorted_holidays: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        errors = validate_calendar(
            timezone=self.timezone, hours=self.hours, always_open=self.always_open
        )
        if errors:
            raise ValueError("Invalid calendar: " + " ".join(errors))
        # Copy into read-only tuples so that a caller mutating its dict afterwards cannot
        # desynchronise the derived fields below.
        ranges = tuple(
            tuple(sorted((start, end) for start, end in self.hours.get(weekday, ())))
            for weekday in range(7)
        )
        spans = tuple(
            tuple((_since_midnight(start), _until_close(end)) for start, end in day_ranges)
            for day_ranges in ranges
        )
        day_open = tuple(sum((close - open_ for open_, close in day), ZERO) for day in spans)
        holidays = frozenset(self.holidays)
        set_ = object.__setattr__
        set_(self, "hours", MappingProxyType({wd: ranges[wd] for wd in range(7) if ranges[wd]}))
        set_(self, "holidays", holidays)
        set_(self, "_zone", ZoneInfo(self.timezone))
        set_(self, "_spans", spans)
        set_(self, "_day_open", day_open)
        set_(self, "_week_open", sum(day_open, ZERO))
        set_(self, "_business_weekdays", sum(1 for day in spans if day))
        set_(self, "_sorted_holidays", tuple(sorted(holidays)))

    def __hash__(self) -> int:
        # The generated hash would fail on the `hours` mapping; hash its frozen form.
        return hash((self.timezone, self._spans, self.holidays, self.always_open))

    @classmethod
    def twenty_four_seven(cls, tz: str = "UTC") -> Calendar:
        """A 24x7 calendar: open time is wall-clock (absolute) time, every day counts."""
        whole_day = ((time(0, 0), END_OF_DAY),)
        return cls(timezone=tz, hours=dict.fromkeys(range(7), whole_day), always_open=True)


def validate_calendar(
    *,
    timezone: str,
    hours: Mapping[int, Sequence[OpeningRange]],
    always_open: bool = False,
) -> list[str]:
    """Return human-readable problems with these calendar settings (empty when valid)."""
    errors: list[str] = []
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        errors.append(f"Unknown timezone {timezone!r}.")

    has_open_range = False
    for weekday, openings in hours.items():
        if weekday not in range(7) or isinstance(weekday, bool):
            errors.append(f"Unknown weekday {weekday!r}: use 0 (Monday) to 6 (Sunday).")
            continue
        name = WEEKDAY_NAMES[weekday]
        valid: list[OpeningRange] = []
        for opening in openings:
            if len(opening) != 2:
                errors.append(f"{name}: opening range {opening!r} must be two times.")
                continue
            start, end = opening
            if not isinstance(start, time) or not isinstance(end, time):
                errors.append(f"{name}: opening range {opening!r} must be two times.")
                continue
            if start.tzinfo is not None or end.tzinfo is not None:
                errors.append(f"{name}: opening times are local wall times, without a timezone.")
                continue
            if _until_close(end) <= _since_midnight(start):
                errors.append(
                    f"{name}: opening range {_format_range(start, end)} ends before it starts."
                )
                continue
            valid.append((start, end))
        valid.sort()
        for (start_a, end_a), (start_b, end_b) in zip(valid, valid[1:], strict=False):
            if _since_midnight(start_b) < _until_close(end_a):
                errors.append(
                    f"{name}: opening ranges {_format_range(start_a, end_a)} and "
                    f"{_format_range(start_b, end_b)} overlap."
                )
        has_open_range = has_open_range or bool(valid)

    if not always_open and not has_open_range:
        errors.append("The calendar has no opening hours: add a range or make it 24x7.")
    return errors


def holiday_dates(
    country: str, subdivision: str | None, years: int | Iterable[int]
) -> frozenset[date]:
    """Public holidays of a country (and subdivision) for the given years, as dates."""
    return _holiday_dates(
        country, subdivision, (years,) if isinstance(years, int) else tuple(years)
    )


@lru_cache(maxsize=128)
def _holiday_dates(
    country: str, subdivision: str | None, years: tuple[int, ...]
) -> frozenset[date]:
    # Building a country's holidays takes milliseconds per year, and every calendar the
    # dashboard or a queue loads asks for the same few years: computed once per process.
    # Imported here so that the arithmetic itself depends on the standard library only.
    import holidays

    calendar = holidays.country_holidays(country, subdiv=subdivision, years=years)
    return frozenset(calendar.keys())


def is_business_day(cal: Calendar, day: date) -> bool:
    """A weekday with opening hours that is not a holiday; every day on 24x7."""
    if cal.always_open:
        return True
    return bool(cal._spans[day.weekday()]) and day not in cal.holidays


def is_open(cal: Calendar, at: datetime) -> bool:
    """Whether `at` lies inside an opening range (an opening is open, a close is not)."""
    at_utc = _to_utc(at, "at")
    if cal.always_open:
        return True
    day = at_utc.astimezone(cal._zone).date()
    return any(open_ <= at_utc < close for open_, close in opening_intervals(cal, day))


def opening_intervals(cal: Calendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The opening ranges of one local day as UTC instants, empty on holidays.

    Ranges squeezed to nothing by a daylight-saving gap are left out.
    """
    if cal.always_open:
        return ((_wall_to_utc(cal, day, ZERO), _wall_to_utc(cal, day, ONE_DAY)),)
    if day in cal.holidays:
        return ()
    spans = cal._spans[day.weekday()]
    if not spans:
        return ()
    offset = _midnight_offset(cal, day)
    if offset == _midnight_offset(cal, day + ONE_DAY):
        # No offset change today: every wall time maps with the same offset.
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - offset
        return tuple((midnight + open_, midnight + close) for open_, close in spans)
    intervals: list[tuple[datetime, datetime]] = []
    for open_, close in spans:
        open_at = _wall_to_utc(cal, day, open_)
        close_at = _wall_to_utc(cal, day, close)
        if close_at > open_at:
            intervals.append((open_at, close_at))
    return tuple(intervals)


def close_of_business(cal: Calendar, day: date) -> datetime:
    """End of the last opening range of a business day (24:00 on 24x7 calendars)."""
    if not is_business_day(cal, day):
        raise ValueError(f"{day} is not a business day.")
    if cal.always_open:
        return _wall_to_utc(cal, day, ONE_DAY)
    return _wall_to_utc(cal, day, cal._spans[day.weekday()][-1][1])


def add_open_time(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which `duration` of open time has elapsed since `start`."""
    start_utc = _to_utc(start, "start")
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

    guard = _ClosedStreakGuard(cal)
    day += ONE_DAY
    while True:
        # Strictly greater: when the duration ends exactly at a week's or day's last close,
        # that close is found by the range walk below instead of being skipped past.
        while remaining > cal._week_open and _is_plain_week(cal, day):
            remaining -= cal._week_open
            day += ONE_WEEK
            guard.saw_open(day)
        day_open = cal._day_open[day.weekday()]
        if remaining > day_open and _is_plain_day(cal, day):
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
    start_utc = _to_utc(start, "start")
    end_utc = _to_utc(end, "end")
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
            while day + ONE_WEEK <= last_day and _is_plain_week(cal, day):
                total += cal._week_open
                day += ONE_WEEK
            if day < last_day and _is_plain_day(cal, day):
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
    start_utc = _to_utc(start, "start")
    end_utc = _to_utc(end, "end")
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
    start_utc = _to_utc(start, "start")
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
            due_day = _add_business_days(cal, start_day, amount)
        elif unit == "weeks":
            due_day = _next_business_day(cal, start_day + amount * ONE_WEEK)
        else:
            due_day = _next_business_day(cal, _add_months(start_day, amount))
        due = close_of_business(cal, due_day)
    else:
        raise ValueError(f"Unknown unit {unit!r}.")
    return _shift_for_pauses(cal, start_utc, due, pauses)


def warn_at(cal: Calendar, start: datetime, due: datetime, share: float = 0.75) -> datetime:
    """The instant when `share` of the open time between `start` and `due` has elapsed."""
    if not 0 <= share <= 1:
        raise ValueError(f"share must be between 0 and 1, got {share}.")
    start_utc = _to_utc(start, "start")
    due_utc = _to_utc(due, "due")
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
    start_utc = _to_utc(start, "start")
    point = warn_at(cal, start_utc, deadline(cal, start_utc, amount, unit), share)
    return _shift_for_pauses(cal, start_utc, point, pauses)


def next_open(cal: Calendar, at: datetime) -> datetime:
    """`at` itself when the calendar is open then (always on 24x7), else the start of
    its next opening range: when a notice due at `at` may be sent."""
    at_utc = _to_utc(at, "at")
    if cal.always_open or is_open(cal, at_utc):
        return at_utc
    day = at_utc.astimezone(cal._zone).date()
    guard = _ClosedStreakGuard(cal)
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


def _to_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}.")
    return value.astimezone(UTC)


def _since_midnight(value: time) -> timedelta:
    return timedelta(
        hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond
    )


def _until_close(end: time) -> timedelta:
    """Offset of a range end from its day's midnight, END_OF_DAY being 24 hours."""
    return ONE_DAY if end == END_OF_DAY else _since_midnight(end)


def _format_range(start: time, end: time) -> str:
    end_text = "24:00" if end == END_OF_DAY else f"{end:%H:%M}"
    return f"{start:%H:%M}-{end_text}"


def _midnight_offset(cal: Calendar, day: date) -> timedelta:
    offset = datetime(day.year, day.month, day.day, tzinfo=cal._zone).utcoffset()
    if offset is None:  # pragma: no cover - a ZoneInfo always answers
        raise ValueError(f"Timezone {cal.timezone} has no offset on {day}.")
    return offset


def _wall_to_utc(cal: Calendar, day: date, since_midnight: timedelta) -> datetime:
    """The first instant whose local wall time is `day` 00:00 + `since_midnight` or later."""
    if since_midnight >= ONE_DAY:
        day, since_midnight = day + ONE_DAY, since_midnight - ONE_DAY
    wall = datetime(day.year, day.month, day.day, tzinfo=cal._zone) + since_midnight
    # fold=0 reads an ambiguous wall time as its first occurrence.
    utc = wall.astimezone(UTC)
    if utc.astimezone(cal._zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return utc
    return _end_of_gap(cal, wall)


def _end_of_gap(cal: Calendar, wall: datetime) -> datetime:
    """The instant the clocks jumped over `wall`, a local time that never happened."""
    # Read with the offset after the jump (fold=1) the wall time lands before the jump,
    # with the offset before it (fold=0) after it. Transitions fall on whole seconds, so
    # bisect whole seconds for the first one that has the later offset.
    early = wall.replace(fold=1).astimezone(UTC)
    late = wall.replace(fold=0).astimezone(UTC)
    offset_after = late.astimezone(cal._zone).utcoffset()
    second = timedelta(seconds=1)
    low = (early - EPOCH) // second  # floor
    high = -((EPOCH - late) // second)  # ceiling
    while high - low > 1:
        middle = (low + high) // 2
        if (EPOCH + middle * second).astimezone(cal._zone).utcoffset() == offset_after:
            high = middle
        else:
            low = middle
    return EPOCH + high * second


def _is_plain_day(cal: Calendar, day: date) -> bool:
    """No holiday and no offset change: the day's open time is its nominal open time."""
    return day not in cal.holidays and _midnight_offset(cal, day) == _midnight_offset(
        cal, day + ONE_DAY
    )


def _has_holiday(cal: Calendar, first: date, stop: date) -> bool:
    """Whether a holiday falls in [first, stop)."""
    index = bisect.bisect_left(cal._sorted_holidays, first)
    return index < len(cal._sorted_holidays) and cal._sorted_holidays[index] < stop


def _is_plain_week(cal: Calendar, day: date) -> bool:
    """Seven plain days from `day` on."""
    if _has_holiday(cal, day, day + ONE_WEEK):
        return False
    offset = _midnight_offset(cal, day)
    return all(_midnight_offset(cal, day + timedelta(days=i)) == offset for i in range(1, 8))


def _next_business_day(cal: Calendar, day: date) -> date:
    """`day` itself if it is a business day, else the first one after it."""
    guard = _ClosedStreakGuard(cal)
    guard.saw_open(day)
    while not is_business_day(cal, day):
        day += ONE_DAY
        guard.check(day)
    return day


def _add_business_days(cal: Calendar, day: date, count: int) -> date:
    """The `count`th business day after `day`."""
    if cal.always_open:
        return day + count * ONE_DAY
    guard = _ClosedStreakGuard(cal)
    guard.saw_open(day)
    while count > 0:
        # A holiday-free week holds exactly one business day per open weekday.
        if count > cal._business_weekdays and not _has_holiday(
            cal, day + ONE_DAY, day + ONE_DAY + ONE_WEEK
        ):
            day += ONE_WEEK
            count -= cal._business_weekdays
            guard.saw_open(day)
            continue
        day += ONE_DAY
        if is_business_day(cal, day):
            count -= 1
            guard.saw_open(day)
        guard.check(day)
    return day


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
        paused_utc = _to_utc(paused_at, "paused_at")
        resumed_utc = _to_utc(resumed_at, "resumed_at")
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


class _ClosedStreakGuard:
    """Stops a day walk that finds no open time for longer than the calendar allows.

    A valid calendar has an open weekday, so a closed streak is at most a week per holiday
    plus a week; anything longer is a bug, and an endless loop would be worse than an error.
    """

    def __init__(self, cal: Calendar) -> None:
        self.limit = 7 * (len(cal.holidays) + 2)
        self.last_open: date | None = None

    def saw_open(self, day: date) -> None:
        self.last_open = day

    def check(self, day: date) -> None:
        if self.last_open is None:
            self.last_open = day
        elif (day - self.last_open).days > self.limit:
            raise ValueError("The calendar has no open time: check its opening hours.")
