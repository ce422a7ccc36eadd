"""Durations in words for people: "2 business days 3 h", "5 h 20 min", "74 days"; in
Hungarian "2 munkanap 3 óra", "5 óra 20 perc", "74 nap".

Pure functions over :mod:`sla.engine` calendars, no ORM; the words are Django's
translations, in the active language. Exports carry
minutes (:func:`whole_minutes`); what people read carries these words.

Rules
-----
* Units are days, hours (``h``) and minutes (``min``). On a business-hours calendar a
  day is a *business day*: the calendar's usual daily open time (:func:`business_day`,
  8 h on 09:00-17:00), so 11 open hours there are "1 business day 3 h". On 24x7, and for
  wall-clock durations, a day is 24 hours: "3 days 4 h". Open time summed over several
  calendars (the dashboard's medians) has no common day, so it stays in hours:
  "26 h 30 min".
* At most two units, the largest one and the next one down: "2 business days 3 h"
  (the minutes left out), "5 h 20 min", "45 min". A second unit that is zero is left
  out ("2 days", "5 h"). From 10 days on the days stand alone ("74 days"): an hour more
  or less no longer matters to the reader.
* Rounding is always down, to the smallest unit shown: a duration is never overstated,
  and the words never say more than the minutes column beside them (which is floored
  the same way). Less than a minute, zero included, is "under a minute".
* A negative duration is written as its size: callers say "left" or "late".
"""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sla import engine

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
# From this many days on, the days are written alone.
DAYS_ALONE_FROM = 10


def whole_minutes(duration: timedelta) -> int:
    """The duration in whole minutes, rounded down (its size when negative): what an
    export's minutes column holds."""
    return int(abs(duration) // MINUTE)


def _since_midnight(value: time) -> timedelta:
    return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)


def _range_length(start: time, end: time) -> timedelta:
    close = DAY if end == engine.END_OF_DAY else _since_midnight(end)
    return close - _since_midnight(start)


@lru_cache(maxsize=64)
def business_day(cal: engine.Calendar) -> timedelta:
    """The calendar's usual daily open time: 24 hours on 24x7; otherwise the open time
    that most of its open weekdays have (the longest of equally common ones), so a
    shorter Friday or a Saturday morning does not change what a business day means."""
    if cal.always_open:
        return DAY
    lengths = Counter(
        sum((_range_length(start, end) for start, end in ranges), timedelta())
        for ranges in cal.hours.values()
        if ranges
    )
    # Never empty: a calendar without any opening range is invalid (engine.Calendar).
    return max(lengths, key=lambda length: (lengths[length], length))


def _days(amount: int, day_name: str) -> str:
    if day_name == "business day":
        return ngettext("%(count)s business day", "%(count)s business days", amount) % {
            "count": amount
        }
    return ngettext("%(count)s day", "%(count)s days", amount) % {"count": amount}


def _hours(amount: int) -> str:
    return _("%(count)s h") % {"count": amount}


def _minutes(amount: int) -> str:
    return _("%(count)s min") % {"count": amount}


def duration_words(
    duration: timedelta, *, day: timedelta | None = DAY, day_name: str = "day"
) -> str:
    """``duration`` in words by the module's rules, with days of length ``day`` named
    ``day_name`` ("day" or "business day", in the active language), or in hours and
    minutes only when ``day`` is None."""
    if day is not None and day <= timedelta():
        raise ValueError("A day lasts longer than nothing.")
    size = abs(duration)
    if size < MINUTE:
        return _("under a minute")
    days = 0
    if day is not None:
        days, size = divmod(size, day)
    hours, size = divmod(size, HOUR)
    minutes = size // MINUTE
    if days >= DAYS_ALONE_FROM:
        return _days(days, day_name)
    if days:
        return _days(days, day_name) + (" " + _hours(hours) if hours else "")
    if hours:
        return _hours(hours) + (" " + _minutes(minutes) if minutes else "")
    return _minutes(minutes)


def open_time_words(cal: engine.Calendar, duration: timedelta) -> str:
    """Open time of one calendar in words: business days on business hours ("1 business
    day 3 h"), days of 24 hours on 24x7 ("3 days 4 h")."""
    day = business_day(cal)
    if day >= DAY:  # 24x7, or open around the clock on its usual days
        return duration_words(duration)
    return duration_words(duration, day=day, day_name="business day")


def wall_time_words(duration: timedelta) -> str:
    """Wall-clock time in words: "74 days", "3 days 4 h", "2 h 5 min"."""
    return duration_words(duration)


def open_hours_words(duration: timedelta) -> str:
    """Open time summed over several calendars, which share no day: "26 h 30 min"."""
    return duration_words(duration, day=None)
