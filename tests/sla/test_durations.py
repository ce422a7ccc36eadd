"""sla.durations: open time and wall-clock time in words for people, by examples and by
properties (at most two units, never more than the duration, rounding down)."""

import re
from datetime import time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla.durations import (
    business_day,
    duration_words,
    open_hours_words,
    open_time_words,
    wall_time_words,
    whole_minutes,
)
from sla.engine import END_OF_DAY, Calendar
from tests.sla.test_engine_properties import CALENDARS

WEEKDAYS = range(5)
VENDOR = CALENDARS["vendor"]  # Monday to Friday 09:00-17:00: a business day is 8 h
TWENTY_FOUR_SEVEN = CALENDARS["24x7"]


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


# --- Examples --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_minutes", "words"),
    [
        (0, "under a minute"),
        (0.5, "under a minute"),
        (1, "1 min"),
        (45, "45 min"),
        (60, "1 h"),
        (150, "2 h 30 min"),
        (320, "5 h 20 min"),
        (479, "7 h 59 min"),
        (480, "1 business day"),
        (660, "1 business day 3 h"),
        (19 * 60, "2 business days 3 h"),
        (19 * 60 + 59, "2 business days 3 h"),  # the minutes left out, never rounded up
        (9 * 480 + 7 * 60, "9 business days 7 h"),
        (10 * 480 + 7 * 60, "10 business days"),  # from 10 days on, the days alone
        (106997, "222 business days"),
    ],
)
def test_open_time_on_business_hours_counts_business_days_of_the_usual_day(open_minutes, words):
    assert open_time_words(VENDOR, minutes(open_minutes)) == words


@pytest.mark.parametrize(
    ("wall_minutes", "words"),
    [
        (125, "2 h 5 min"),
        (23 * 60 + 59, "23 h 59 min"),
        (24 * 60, "1 day"),
        (3 * 1440 + 4 * 60 + 59, "3 days 4 h"),
        (2 * 1440 + 30, "2 days"),
        (106997, "74 days"),  # what a page once wrote as "106997 min"
    ],
)
def test_wall_clock_and_24x7_time_counts_days_of_24_hours(wall_minutes, words):
    assert wall_time_words(minutes(wall_minutes)) == words
    assert open_time_words(TWENTY_FOUR_SEVEN, minutes(wall_minutes)) == words


def test_open_time_of_several_calendars_stays_in_hours():
    assert open_hours_words(minutes(90)) == "1 h 30 min"
    assert open_hours_words(minutes(26 * 60 + 30)) == "26 h 30 min"
    assert open_hours_words(minutes(106997)) == "1783 h 17 min"


def test_a_negative_duration_is_written_as_its_size():
    assert wall_time_words(-minutes(125)) == "2 h 5 min"
    assert whole_minutes(-minutes(125.5)) == 125


def test_a_day_must_last():
    with pytest.raises(ValueError, match="day"):
        duration_words(minutes(5), day=timedelta())


def test_a_business_day_is_the_open_time_most_open_weekdays_have():
    assert business_day(VENDOR) == timedelta(hours=8)
    assert business_day(CALENDARS["split"]) == timedelta(hours=8)  # 08:00-12:00, 13:00-17:00
    assert business_day(CALENDARS["night"]) == timedelta(hours=8)  # 00:00-06:00, 22:00-24:00
    assert business_day(CALENDARS["new_york"]) == timedelta(hours=10)  # not its short Sunday
    assert business_day(TWENTY_FOUR_SEVEN) == timedelta(hours=24)
    short_friday = Calendar(
        timezone="Europe/Budapest",
        hours={**dict.fromkeys(range(4), ((time(8), time(17)),)), 4: ((time(8), time(13)),)},
    )
    assert business_day(short_friday) == timedelta(hours=9)
    assert open_time_words(short_friday, minutes(10 * 60)) == "1 business day 1 h"


def test_a_calendar_open_around_the_clock_counts_plain_days():
    every_hour = Calendar(
        timezone="Europe/Budapest", hours=dict.fromkeys(range(7), ((time(0), END_OF_DAY),))
    )
    assert open_time_words(every_hour, minutes(3 * 1440 + 240)) == "3 days 4 h"


# --- Properties ------------------------------------------------------------------------

UNIT = {"min": timedelta(minutes=1), "h": timedelta(hours=1)}
PART = re.compile(r"(\d+) (business days?|days?|h|min)")
SHAPE = re.compile(
    r"under a minute|\d+ (business )?days?( \d+ h)?|\d+ h( \d+ min)?|\d+ min",
)

durations = st.timedeltas(min_value=timedelta(), max_value=timedelta(days=400))
calendars = st.sampled_from(sorted(CALENDARS))


def read_back(words: str, day: timedelta) -> timedelta:
    """What the words say."""
    return sum(
        (
            int(amount) * (day if "day" in unit else UNIT[unit])
            for amount, unit in PART.findall(words)
        ),
        timedelta(),
    )


@given(duration=durations, name=calendars)
def test_words_have_at_most_two_units_the_largest_first(duration, name):
    words = open_time_words(CALENDARS[name], duration)
    assert SHAPE.fullmatch(words), words
    assert " 0 " not in f" {words} "  # a zero unit is left out


@given(duration=durations, name=calendars)
def test_words_never_overstate_and_round_down_to_their_smallest_unit(duration, name):
    cal = CALENDARS[name]
    day = business_day(cal)
    words = open_time_words(cal, duration)
    said = read_back(words, day)
    assert said <= duration
    assert said <= whole_minutes(duration) * timedelta(minutes=1)  # the CSV's minutes
    # Off by less than the first unit left out: the minutes after days (and hours), the
    # hours after days standing alone (10 and more), the seconds after hours or minutes.
    with_days = "day" in words
    days_alone = with_days and " h" not in words and said >= 10 * day
    step = day if days_alone else (timedelta(hours=1) if with_days else timedelta(minutes=1))
    assert duration - said < step


@given(first=durations, second=durations, name=calendars)
def test_a_longer_duration_never_reads_shorter(first, second, name):
    cal = CALENDARS[name]
    shorter, longer = sorted([first, second])
    day = business_day(cal)
    said_shorter = read_back(open_time_words(cal, shorter), day)
    assert said_shorter <= read_back(open_time_words(cal, longer), day)
