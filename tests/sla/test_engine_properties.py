"""Property tests for sla.engine: invariants that must hold for any start, amount and pause."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sla.engine import (
    END_OF_DAY,
    Calendar,
    Unit,
    add_open_time,
    deadline,
    holiday_dates,
    late_by,
    moved_working_days,
    open_time_between,
    opening_intervals,
    warn_at,
)

HU_HOLIDAYS = holiday_dates("HU", None, range(2025, 2030))
US_HOLIDAYS = holiday_dates("US", "NY", range(2025, 2030))
WEEKDAYS = range(5)

CALENDARS = {
    "vendor": Calendar(
        timezone="Europe/Budapest",
        hours=dict.fromkeys(WEEKDAYS, ((time(9), time(17)),)),
        holidays=HU_HOLIDAYS,
    ),
    # The vendor's, open on Hungary's working Saturdays (sla.calendars, working_days).
    "working_saturdays": Calendar(
        timezone="Europe/Budapest",
        hours=dict.fromkeys(WEEKDAYS, ((time(9), time(17)),)),
        holidays=HU_HOLIDAYS,
        working_days=moved_working_days("HU", None, range(2025, 2030)),
    ),
    "split": Calendar(
        timezone="Europe/Budapest",
        hours=dict.fromkeys(WEEKDAYS, ((time(8), time(12)), (time(13), time(17)))),
        holidays=HU_HOLIDAYS,
    ),
    "night": Calendar(
        timezone="Europe/Budapest",
        hours=dict.fromkeys(range(7), ((time(0), time(6)), (time(22), END_OF_DAY))),
    ),
    # A range inside the spring-forward gap (02:00-03:00 Sunday) and one around it.
    "new_york": Calendar(
        timezone="America/New_York",
        hours={
            **dict.fromkeys(WEEKDAYS, ((time(8), time(18)),)),
            6: ((time(1, 30), time(2, 15)), (time(2, 30), time(4))),
        },
        holidays=US_HOLIDAYS,
    ),
    "24x7": Calendar.twenty_four_seven("Europe/Budapest"),
}
OPEN_TIME_UNITS: list[Unit] = ["minutes", "hours"]
ALL_UNITS: list[Unit] = ["minutes", "hours", "business_days", "weeks", "months"]
MAX_AMOUNT = {"minutes": 6000, "hours": 400, "business_days": 40, "weeks": 12, "months": 14}
MICROSECOND = timedelta(microseconds=1)

# Drawn by name so that a failure report shows "vendor", not the whole holiday set.
calendars = st.sampled_from(sorted(CALENDARS))
# Daylight-saving changes of the calendars' zones, as UTC instants.
DST_CHANGES = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York springs forward
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # Budapest springs forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # Budapest falls back
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York falls back
    datetime(2027, 3, 28, 1, tzinfo=UTC),
    datetime(2027, 10, 31, 1, tzinfo=UTC),
]
# Instants over three years, plus many within a few days of a DST change, where the
# arithmetic is hardest and which uniform sampling would rarely hit.
instants = st.one_of(
    st.datetimes(
        min_value=datetime(2025, 12, 1),  # noqa: DTZ001 - strategy bounds, made aware by timezones
        max_value=datetime(2028, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.builds(
        lambda change, delta: change + delta,
        st.sampled_from(DST_CHANGES),
        st.timedeltas(min_value=-timedelta(days=3), max_value=timedelta(days=1)),
    ),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=600))
modest = settings(max_examples=200, deadline=None)


@st.composite
def unit_and_amount(draw: st.DrawFn, units: list[Unit] = ALL_UNITS) -> tuple[Unit, int]:
    unit = draw(st.sampled_from(units))
    low = 0 if unit in OPEN_TIME_UNITS else 1
    return unit, draw(st.integers(min_value=low, max_value=MAX_AMOUNT[unit]))


@st.composite
def pause_lists(draw: st.DrawFn, start: datetime) -> list[tuple[datetime, datetime]]:
    pauses = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        begin = start + draw(
            st.timedeltas(min_value=-timedelta(days=2), max_value=timedelta(days=40))
        )
        length = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)))
        pauses.append((begin, begin + length))
    return pauses


def amount_as_timedelta(unit: Unit, amount: int) -> timedelta:
    return timedelta(minutes=amount) if unit == "minutes" else timedelta(hours=amount)


def reference_open_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """Slow reference: clip every local day's ranges, no week or plain-day shortcuts."""
    if end <= start:
        return timedelta(0)
    if cal.always_open:
        return end - start
    total = timedelta(0)
    zone = ZoneInfo(cal.timezone)
    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date() + timedelta(days=1):
        for open_at, close_at in opening_intervals(cal, day):
            clipped = min(close_at, end) - max(open_at, start)
            if clipped > timedelta(0):
                total += clipped
        day += timedelta(days=1)
    return total


@modest
@given(cal_name=calendars, start=instants, unit_amount=unit_and_amount())
def test_deadline_is_never_before_the_start(cal_name, start, unit_amount):
    cal = CALENDARS[cal_name]
    unit, amount = unit_amount
    assert deadline(cal, start, amount, unit) >= start


@modest
@given(
    cal_name=calendars,
    start=instants,
    later_by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    unit_amount=unit_and_amount(),
)
def test_a_later_start_never_gives_an_earlier_deadline(cal_name, start, later_by, unit_amount):
    cal = CALENDARS[cal_name]
    unit, amount = unit_amount
    assert deadline(cal, start + later_by, amount, unit) >= deadline(cal, start, amount, unit)


@modest
@given(cal_name=calendars, start=instants, unit_amount=unit_and_amount(), data=st.data())
def test_a_pause_never_brings_a_deadline_forward(cal_name, start, unit_amount, data):
    cal = CALENDARS[cal_name]
    unit, amount = unit_amount
    pauses = data.draw(pause_lists(start))
    assert deadline(cal, start, amount, unit, pauses) >= deadline(cal, start, amount, unit)


@modest
@given(cal_name=calendars, start=instants, unit_amount=unit_and_amount(OPEN_TIME_UNITS))
def test_open_time_until_an_hours_or_minutes_deadline_equals_the_amount(
    cal_name, start, unit_amount
):
    cal = CALENDARS[cal_name]
    unit, amount = unit_amount
    due = deadline(cal, start, amount, unit)
    assert open_time_between(cal, start, due) == amount_as_timedelta(unit, amount)


@modest
@given(cal_name=calendars, start=instants, unit_amount=unit_and_amount(OPEN_TIME_UNITS))
def test_open_time_deadline_is_inside_opening_hours_or_exactly_at_a_close(
    cal_name, start, unit_amount
):
    cal = CALENDARS[cal_name]
    unit, amount = unit_amount
    due = deadline(cal, start, max(amount, 1), unit)
    # The clock was running in the last microsecond before the deadline: the deadline is
    # inside a range or at its close, never at an opening nor in closed time.
    assert open_time_between(cal, due - MICROSECOND, due) == MICROSECOND


@modest
@given(
    cal_name=calendars, start=instants, unit_amount=unit_and_amount(OPEN_TIME_UNITS), data=st.data()
)
def test_paused_open_time_deadline_leaves_exactly_the_amount_of_unpaused_open_time(
    cal_name, start, unit_amount, data
):
    cal = CALENDARS[cal_name]
    unit, amount = unit_amount
    pauses = data.draw(pause_lists(start))
    due = deadline(cal, start, amount, unit, pauses)
    # Open time outside the (merged) pauses up to the deadline is the amount, unless a pause
    # began only after the clock had run out.
    paused = sorted((max(begin, start), end) for begin, end in pauses if end > start)
    merged: list[tuple[datetime, datetime]] = []
    for begin, end in paused:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > begin:
            merged.append((begin, end))
    paused_before_due = sum(
        (open_time_between(cal, begin, min(end, due)) for begin, end in merged), timedelta(0)
    )
    running = open_time_between(cal, start, due) - paused_before_due
    assert running == amount_as_timedelta(unit, amount)


@modest
@given(cal_name=calendars, start=instants, duration=durations)
def test_add_open_time_then_open_time_between_round_trips(cal_name, start, duration):
    cal = CALENDARS[cal_name]
    end = add_open_time(cal, start, duration)
    assert open_time_between(cal, start, end) == duration


@modest
@given(cal_name=calendars, start=instants, span=durations)
def test_open_time_between_then_add_open_time_never_overshoots(cal_name, start, span):
    cal = CALENDARS[cal_name]
    end = start + span
    back = add_open_time(cal, start, open_time_between(cal, start, end))
    assert back <= end
    assert open_time_between(cal, back, end) == timedelta(0)


@modest
@given(
    cal_name=calendars,
    start=instants,
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=120)),
)
def test_open_time_between_matches_a_day_by_day_reference(cal_name, start, span):
    cal = CALENDARS[cal_name]
    end = start + span
    assert open_time_between(cal, start, end) == reference_open_time_between(cal, start, end)


@settings(max_examples=60, deadline=None)
@given(
    cal_name=calendars,
    start=instants,
    span=st.timedeltas(min_value=timedelta(days=55), max_value=timedelta(days=3 * 366)),
)
def test_open_time_over_months_and_years_matches_the_day_by_day_reference(cal_name, start, span):
    # Spans past LONG_SPAN_DAYS add up whole days from per-year running totals (how
    # late a target missed long ago is, at every queue view).
    cal = CALENDARS[cal_name]
    end = start + span
    assert open_time_between(cal, start, end) == reference_open_time_between(cal, start, end)


@modest
@given(
    cal_name=calendars,
    start=instants,
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
    share=st.floats(min_value=0, max_value=1),
)
def test_warn_at_lies_between_start_and_due(cal_name, start, span, share):
    cal = CALENDARS[cal_name]
    due = start + span
    warning = warn_at(cal, start, due, share)
    assert start <= warning <= due


@modest
@given(cal_name=calendars, due=instants, later_by=durations)
def test_late_by_is_never_more_than_wall_clock_lateness(cal_name, due, later_by):
    cal = CALENDARS[cal_name]
    assert timedelta(0) <= late_by(cal, due, due + later_by) <= later_by
