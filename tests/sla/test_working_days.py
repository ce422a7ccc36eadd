"""Moved working days (Hungary's working Saturdays) as open days of a calendar.

In 2026 Hungary works Saturday 10 January (for the bridging day off Friday 2 January) and
Saturday 8 August (for Friday 21 August), as holidays.country_holidays("HU") lists them
(`weekend_workdays`). A calendar that opens on them gives such a Saturday its usual
weekday hours (the ranges most of its open weekdays have); a calendar that does not is
exactly what it was before. Budapest is CEST (UTC+2) in August.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from sla.engine import (
    Calendar,
    add_open_time,
    close_of_business,
    deadline,
    holiday_dates,
    is_business_day,
    is_open,
    moved_working_days,
    open_time_between,
    opening_intervals,
)
from sla.models import BusinessCalendar, OpeningHours

BUDAPEST = ZoneInfo("Europe/Budapest")
YEARS = range(2025, 2029)
HU_HOLIDAYS = holiday_dates("HU", None, YEARS)
HU_WORKING = moved_working_days("HU", None, YEARS)
NINE_TO_FIVE = ((time(9), time(17)),)

# The vendor calendar (Mon-Fri 09:00-17:00, Hungarian holidays), without and with them.
VENDOR = Calendar(
    timezone="Europe/Budapest",
    hours=dict.fromkeys(range(5), NINE_TO_FIVE),
    holidays=HU_HOLIDAYS,
)
WORKING = Calendar(
    timezone="Europe/Budapest",
    hours=dict.fromkeys(range(5), NINE_TO_FIVE),
    holidays=HU_HOLIDAYS,
    working_days=HU_WORKING,
)
WORKING_SATURDAY = date(2026, 8, 8)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BUDAPEST)


def test_the_holidays_package_lists_hungarys_working_saturdays():
    assert moved_working_days("HU", None, 2026) == {date(2026, 1, 10), date(2026, 8, 8)}
    assert moved_working_days("HU", None, 2025) == {
        date(2025, 5, 17),
        date(2025, 10, 18),
        date(2025, 12, 13),
    }
    # The days off they pay for are holidays.
    assert {date(2026, 1, 2), date(2026, 8, 21), date(2025, 12, 24)} <= HU_HOLIDAYS


def test_a_country_without_moved_working_days_has_none():
    assert moved_working_days("AT", None, 2026) == frozenset()


def test_a_working_saturday_is_a_business_day_with_the_usual_weekday_hours():
    assert is_business_day(WORKING, WORKING_SATURDAY)
    assert not is_business_day(VENDOR, WORKING_SATURDAY)
    assert opening_intervals(WORKING, WORKING_SATURDAY) == (
        (local(2026, 8, 8, 9), local(2026, 8, 8, 17)),
    )
    assert close_of_business(WORKING, WORKING_SATURDAY) == local(2026, 8, 8, 17)
    assert is_open(WORKING, local(2026, 8, 8, 12))
    assert not is_open(WORKING, local(2026, 8, 8, 17))
    # The Saturday after it is an ordinary one.
    assert not is_business_day(WORKING, date(2026, 8, 15))


def test_a_friday_evening_s2_ticket_is_due_on_the_working_saturday_next_business_day():
    # Privilege S2 first response: next business day. Logged Fri 2026-08-07 18:00.
    logged = local(2026, 8, 7, 18)

    assert deadline(WORKING, logged, 1, "business_days") == local(2026, 8, 8, 17)
    assert deadline(VENDOR, logged, 1, "business_days") == local(2026, 8, 10, 17)


def test_a_friday_evening_s2_ticket_with_two_business_days_counts_the_saturday():
    # Base S2 first response: 2 business days: Sat 8 and Mon 10, not Mon 10 and Tue 11.
    logged = local(2026, 8, 7, 18)

    assert deadline(WORKING, logged, 2, "business_days") == local(2026, 8, 10, 17)
    assert deadline(VENDOR, logged, 2, "business_days") == local(2026, 8, 11, 17)


def test_hours_run_on_through_the_working_saturday():
    # Fri 16:00 + 4 h: 1 h on Friday, 3 h on Saturday from 09:00.
    assert add_open_time(WORKING, local(2026, 8, 7, 16), timedelta(hours=4)) == local(
        2026, 8, 8, 12
    )
    assert add_open_time(VENDOR, local(2026, 8, 7, 16), timedelta(hours=4)) == local(
        2026, 8, 10, 12
    )


def test_a_week_of_hours_is_not_counted_as_a_plain_week_over_a_working_saturday():
    # 48 h from Mon 2026-08-03 09:00: five days of 8 h, then the Saturday's 8 h.
    start = local(2026, 8, 3, 9)

    assert add_open_time(WORKING, start, timedelta(hours=48)) == local(2026, 8, 8, 17)
    assert add_open_time(VENDOR, start, timedelta(hours=48)) == local(2026, 8, 10, 17)


def test_ten_business_days_over_a_working_saturday_end_a_day_sooner():
    # From Fri 2026-07-31: Aug 3-7 (5), Sat 8 (6), Aug 10-13 (10).
    start = local(2026, 7, 31, 10)

    assert deadline(WORKING, start, 10, "business_days") == local(2026, 8, 13, 17)
    assert deadline(VENDOR, start, 10, "business_days") == local(2026, 8, 14, 17)


def test_a_week_that_ends_on_a_working_saturday_ends_there():
    # 1 week from Sat 2026-08-01 ends on Sat 8, a business day only where it is worked.
    start = local(2026, 8, 1, 11)

    assert deadline(WORKING, start, 1, "weeks") == local(2026, 8, 8, 17)
    assert deadline(VENDOR, start, 1, "weeks") == local(2026, 8, 10, 17)


def test_open_time_counts_the_working_saturday_over_short_and_long_spans():
    assert open_time_between(WORKING, local(2026, 8, 7, 17), local(2026, 8, 10, 9)) == (
        timedelta(hours=8)
    )
    assert open_time_between(VENDOR, local(2026, 8, 7, 17), local(2026, 8, 10, 9)) == (timedelta(0))
    # A whole year (the long-span running totals): 2026 works two Saturdays.
    year = (local(2026, 1, 1), local(2027, 1, 1))
    assert open_time_between(WORKING, *year) - open_time_between(VENDOR, *year) == (
        timedelta(hours=16)
    )


def test_a_working_saturday_keeps_the_hours_most_weekdays_have_not_a_short_fridays():
    # Mon-Thu 08:00-16:30, Fri 08:00-14:00: the Saturday works Monday-to-Thursday hours.
    long_day, friday = ((time(8), time(16, 30)),), ((time(8), time(14)),)
    cal = Calendar(
        timezone="Europe/Budapest",
        hours={**dict.fromkeys(range(4), long_day), 4: friday},
        holidays=HU_HOLIDAYS,
        working_days=HU_WORKING,
    )

    assert close_of_business(cal, WORKING_SATURDAY) == local(2026, 8, 8, 16, 30)


def test_a_weekday_open_anyway_keeps_its_own_hours_and_a_holiday_wins():
    saturday_morning = ((time(9), time(12)),)
    cal = Calendar(
        timezone="Europe/Budapest",
        hours={**dict.fromkeys(range(5), NINE_TO_FIVE), 5: saturday_morning},
        holidays=HU_HOLIDAYS | {date(2026, 1, 10)},  # closed by hand
        working_days=HU_WORKING,
    )

    assert close_of_business(cal, WORKING_SATURDAY) == local(2026, 8, 8, 12)
    assert not is_business_day(cal, date(2026, 1, 10))


def test_24x7_ignores_working_days():
    always = Calendar.twenty_four_seven("Europe/Budapest")
    assert (
        Calendar(
            timezone="Europe/Budapest",
            hours=always.hours,
            always_open=True,
            working_days=HU_WORKING,
        ).working_days
        == frozenset()
    )


# --- the stored calendar --------------------------------------------------------------


def _hungarian_calendar(*, open_on_moved_working_days: bool) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(
        name=f"Budapest office {open_on_moved_working_days}",
        timezone="Europe/Budapest",
        holiday_country="HU",
        open_on_moved_working_days=open_on_moved_working_days,
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, weekday=weekday, opens=time(9), closes=time(17))
        for weekday in range(5)
    )
    return calendar


@pytest.mark.django_db
def test_a_stored_calendar_opens_on_working_saturdays_only_when_marked():
    marked = _hungarian_calendar(open_on_moved_working_days=True).to_engine(YEARS)
    unmarked = _hungarian_calendar(open_on_moved_working_days=False).to_engine(YEARS)

    assert marked == WORKING
    # Switched off: the very calendar it was before the switch existed.
    assert unmarked == VENDOR
    assert unmarked.working_days == frozenset()
    logged = local(2026, 8, 7, 18)
    assert deadline(marked, logged, 1, "business_days") == local(2026, 8, 8, 17)
    assert deadline(unmarked, logged, 1, "business_days") == local(2026, 8, 10, 17)


@pytest.mark.django_db
def test_a_date_closed_by_hand_stays_closed_on_a_working_saturday():
    calendar = _hungarian_calendar(open_on_moved_working_days=True)
    calendar.dates.create(date=WORKING_SATURDAY, closed=True, note="Office move")

    assert not is_business_day(calendar.to_engine(YEARS), WORKING_SATURDAY)


@pytest.mark.django_db
def test_working_saturdays_need_a_holiday_country():
    calendar = BusinessCalendar(
        name="No country", timezone="Europe/Budapest", open_on_moved_working_days=True
    )

    with pytest.raises(ValidationError) as refused:
        calendar.full_clean()
    assert "open_on_moved_working_days" in refused.value.message_dict
