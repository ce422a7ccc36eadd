"""Business calendars as plain data, and what they say about single days; no ORM (Django only
to put validate_calendar's problems into the reader's words).

A `Calendar` is a value: a timezone, opening ranges per weekday, holidays. This module
checks calendar settings (`validate_calendar`), fetches public holidays (`holiday_dates`)
and answers questions about one local day or instant: is it a business day, is it open,
when are its opening ranges in UTC, when does business close. It also holds the day-walk
pieces that `sla.engine` builds its open-time arithmetic on (plain days and weeks, stepping
over business days, the guard that ends a walk finding no open time). Callers import the
public names through `sla.engine`.

Instants are taken as aware datetimes and returned in UTC; naive datetimes are rejected
with ValueError. All calendar reasoning (which day it is, when a range opens and closes)
happens in the calendar's own timezone.

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
* `working_days` are dates open although their weekday has no opening range (Hungary's
  working Saturdays, `moved_working_days`): such a day keeps the calendar's usual weekday
  hours, the ranges most of its open weekdays have (`usual_ranges`). A holiday on the
  same date wins; a working day whose weekday is open anyway keeps that weekday's hours.
* A calendar with no opening range at all is invalid: constructing it raises ValueError
  (which also guarantees that every day walk ends). `validate_calendar` returns the same
  problems as human-readable strings for forms, in the reader's language (the one piece
  of Django this module uses).

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

Plain days
----------
A "plain" day is neither a holiday nor a working day and has the same UTC offset at both
of its midnights, hence no offset change inside it (assuming a zone changes offset at
most once per local day): its open time is its weekday's nominal open time, so a walk
can count it without building its ranges. A plain week is seven plain days.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The one piece of Django here: the problems validate_calendar finds are read by people
# (the admin's calendar form), in their language. The arithmetic needs none of it.
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

__all__ = [
    "END_OF_DAY",
    "ONE_DAY",
    "ONE_WEEK",
    "ZERO",
    "Calendar",
    "ClosedStreakGuard",
    "OpeningRange",
    "add_business_days",
    "close_of_business",
    "holiday_dates",
    "is_business_day",
    "is_open",
    "is_plain_day",
    "is_plain_week",
    "moved_working_days",
    "next_business_day",
    "opening_intervals",
    "to_utc",
    "usual_ranges",
    "validate_calendar",
]

OpeningRange = tuple[time, time]

# As the end of a range, midnight means 24:00 (the end of the day), never 00:00.
END_OF_DAY = time(0, 0)

ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Calendar:
    """Opening hours in one timezone. See the module docstring for the rules."""

    timezone: str
    hours: Mapping[int, tuple[OpeningRange, ...]]
    holidays: frozenset[date] = frozenset()
    always_open: bool = False
    # Days open although their weekday has no hours (Hungary's working Saturdays): they
    # keep the calendar's usual weekday hours (`usual_ranges`). A holiday wins over one.
    working_days: frozenset[date] = frozenset()

    # Derived once in __post_init__ so that the hot loops do no parsing or sorting.
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    # Per weekday: ranges as (offset from local midnight to open, to close).
    _spans: tuple[tuple[tuple[timedelta, timedelta], ...], ...] = field(
        init=False, repr=False, compare=False
    )
    _day_open: tuple[timedelta, ...] = field(init=False, repr=False, compare=False)
    _week_open: timedelta = field(init=False, repr=False, compare=False)
    _business_weekdays: int = field(init=False, repr=False, compare=False)
    # Holidays and working days, sorted: the days whose open time is not their weekday's.
    _sorted_exceptions: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _usual_spans: tuple[tuple[timedelta, timedelta], ...] = field(
        init=False, repr=False, compare=False
    )

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
        # Only the days that change anything: a weekday open anyway keeps its own hours.
        working_days = frozenset(
            day for day in self.working_days if not spans[day.weekday()] and day not in holidays
        )
        set_ = object.__setattr__
        set_(self, "hours", MappingProxyType({wd: ranges[wd] for wd in range(7) if ranges[wd]}))
        set_(self, "holidays", holidays)
        set_(self, "working_days", working_days)
        set_(self, "_sorted_exceptions", tuple(sorted(holidays | working_days)))
        usual = usual_ranges(ranges)
        set_(self, "_usual_spans", spans[ranges.index(usual)] if usual else ())
        set_(self, "_zone", ZoneInfo(self.timezone))
        set_(self, "_spans", spans)
        set_(self, "_day_open", day_open)
        set_(self, "_week_open", sum(day_open, ZERO))
        set_(self, "_business_weekdays", sum(1 for day in spans if day))

    def __hash__(self) -> int:
        # The generated hash would fail on the `hours` mapping; hash its frozen form.
        return hash(
            (self.timezone, self._spans, self.holidays, self.always_open, self.working_days)
        )

    @classmethod
    def twenty_four_seven(cls, tz: str = "UTC") -> Calendar:
        """A 24x7 calendar: open time is wall-clock (absolute) time, every day counts."""
        whole_day = ((time(0, 0), END_OF_DAY),)
        return cls(timezone=tz, hours=dict.fromkeys(range(7), whole_day), always_open=True)


def usual_ranges(ranges: Sequence[Sequence[OpeningRange]]) -> tuple[OpeningRange, ...]:
    """The opening ranges most open weekdays have (of equally common ones, the longest in
    open time, then the earliest weekday's): what a working day off its weekday keeps.
    The same rule as a business day's length in words (sla.durations.business_day)."""
    open_days = [tuple(day) for day in ranges if day]
    if not open_days:
        return ()

    def length(day: tuple[OpeningRange, ...]) -> timedelta:
        return sum((_until_close(end) - _since_midnight(start) for start, end in day), ZERO)

    return max(open_days, key=lambda day: (open_days.count(day), length(day)))


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
        errors.append(_("Unknown timezone %(timezone)r.") % {"timezone": timezone})

    has_open_range = False
    for weekday, openings in hours.items():
        if weekday not in range(7) or isinstance(weekday, bool):
            errors.append(
                _("Unknown weekday %(weekday)r: use 0 (Monday) to 6 (Sunday).")
                % {"weekday": weekday}
            )
            continue
        name = str(WEEKDAYS[weekday])
        valid: list[OpeningRange] = []
        for opening in openings:
            two_times = _("%(day)s: opening range %(range)r must be two times.")
            if len(opening) != 2:
                errors.append(two_times % {"day": name, "range": opening})
                continue
            start, end = opening
            if not isinstance(start, time) or not isinstance(end, time):
                errors.append(two_times % {"day": name, "range": opening})
                continue
            if start.tzinfo is not None or end.tzinfo is not None:
                errors.append(
                    _("%(day)s: opening times are local wall times, without a timezone.")
                    % {"day": name}
                )
                continue
            if _until_close(end) <= _since_midnight(start):
                errors.append(
                    _("%(day)s: opening range %(range)s ends before it starts.")
                    % {"day": name, "range": _format_range(start, end)}
                )
                continue
            valid.append((start, end))
        valid.sort()
        for (start_a, end_a), (start_b, end_b) in zip(valid, valid[1:], strict=False):
            if _since_midnight(start_b) < _until_close(end_a):
                errors.append(
                    _("%(day)s: opening ranges %(first)s and %(second)s overlap.")
                    % {
                        "day": name,
                        "first": _format_range(start_a, end_a),
                        "second": _format_range(start_b, end_b),
                    }
                )
        has_open_range = has_open_range or bool(valid)

    if not always_open and not has_open_range:
        errors.append(_("The calendar has no opening hours: add a range or make it 24x7."))
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


def moved_working_days(
    country: str, subdivision: str | None, years: int | Iterable[int]
) -> frozenset[date]:
    """Weekend days a country works instead of a bridging day off (Hungary's working
    Saturdays), as the `holidays` package lists them (`weekend_workdays`); the day off
    they pay for is among `holiday_dates`. Empty for a country that has none."""
    return _moved_working_days(
        country, subdivision, (years,) if isinstance(years, int) else tuple(years)
    )


@lru_cache(maxsize=128)
def _moved_working_days(
    country: str, subdivision: str | None, years: tuple[int, ...]
) -> frozenset[date]:
    import holidays

    calendar = holidays.country_holidays(country, subdiv=subdivision, years=years)
    # Filled as the years are populated; a country without moved days has none.
    return frozenset(getattr(calendar, "weekend_workdays", ()))


def is_business_day(cal: Calendar, day: date) -> bool:
    """A weekday with opening hours, or a working day, that is not a holiday; every day
    on 24x7."""
    if cal.always_open:
        return True
    return bool(_spans_of(cal, day))


def is_open(cal: Calendar, at: datetime) -> bool:
    """Whether `at` lies inside an opening range (an opening is open, a close is not)."""
    at_utc = to_utc(at, "at")
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
    spans = _spans_of(cal, day)
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
    return _wall_to_utc(cal, day, _spans_of(cal, day)[-1][1])


# --- shared with sla.engine: UTC conversion and day walks ------------------------------


def to_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}.")
    return value.astimezone(UTC)


def is_plain_day(cal: Calendar, day: date) -> bool:
    """No holiday, no working day and no offset change: the day's open time is its
    weekday's nominal open time."""
    return (
        day not in cal.holidays
        and day not in cal.working_days
        and _midnight_offset(cal, day) == _midnight_offset(cal, day + ONE_DAY)
    )


def _has_holiday(cal: Calendar, first: date, stop: date) -> bool:
    """Whether a holiday or a working day (a day whose open time is not its weekday's)
    falls in [first, stop)."""
    index = bisect.bisect_left(cal._sorted_exceptions, first)
    return index < len(cal._sorted_exceptions) and cal._sorted_exceptions[index] < stop


def _spans_of(cal: Calendar, day: date) -> tuple[tuple[timedelta, timedelta], ...]:
    """A day's opening ranges as offsets from its midnight: none on a holiday, the usual
    ones on a working day, else its weekday's."""
    if day in cal.holidays:
        return ()
    if day in cal.working_days:
        return cal._usual_spans
    return cal._spans[day.weekday()]


def is_plain_week(cal: Calendar, day: date) -> bool:
    """Seven plain days from `day` on."""
    if _has_holiday(cal, day, day + ONE_WEEK):
        return False
    offset = _midnight_offset(cal, day)
    return all(_midnight_offset(cal, day + timedelta(days=i)) == offset for i in range(1, 8))


def next_business_day(cal: Calendar, day: date) -> date:
    """`day` itself if it is a business day, else the first one after it."""
    guard = ClosedStreakGuard(cal)
    guard.saw_open(day)
    while not is_business_day(cal, day):
        day += ONE_DAY
        guard.check(day)
    return day


def add_business_days(cal: Calendar, day: date, count: int) -> date:
    """The `count`th business day after `day`."""
    if cal.always_open:
        return day + count * ONE_DAY
    guard = ClosedStreakGuard(cal)
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


class ClosedStreakGuard:
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


# --- helpers ---------------------------------------------------------------------------


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
