"""Hand-computed cases for the SLA calendar arithmetic in sla.engine.

Budapest is CET (UTC+1) in winter and CEST (UTC+2) from 2026-03-29 02:00 (clocks jump to
03:00) to 2026-10-25 03:00 (clocks go back to 02:00). Hungarian public holidays used below,
checked against holidays.country_holidays("HU"): 2026-01-01, 2026-01-02 (bridge day),
2026-03-15 (Sun), 2026-04-03 (Good Friday), 2026-04-06 (Easter Monday), 2026-05-01,
2026-05-25, 2026-08-20, 2026-08-21, 2026-10-23 (Fri), 2026-11-01 (Sun), 2026-12-24,
2026-12-25, 2026-12-26, 2027-01-01 (Fri).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.engine import (
    END_OF_DAY,
    Calendar,
    add_open_time,
    close_of_business,
    deadline,
    holiday_dates,
    is_business_day,
    is_open,
    late_by,
    open_time_between,
    open_windows,
    opening_intervals,
    validate_calendar,
    warn_at,
)

BUDAPEST = ZoneInfo("Europe/Budapest")
HU_HOLIDAYS = holiday_dates("HU", None, range(2025, 2029))
WEEKDAYS = range(5)

# The vendor calendar: Europe/Budapest, Mon-Fri 09:00-17:00, Hungarian public holidays.
VENDOR = Calendar(
    timezone="Europe/Budapest",
    hours=dict.fromkeys(WEEKDAYS, ((time(9), time(17)),)),
    holidays=HU_HOLIDAYS,
)
# A split day with a lunch break: 08:00-12:00 and 13:00-17:00 (8 open hours).
SPLIT = Calendar(
    timezone="Europe/Budapest",
    hours=dict.fromkeys(WEEKDAYS, ((time(8), time(12)), (time(13), time(17)))),
    holidays=HU_HOLIDAYS,
)
# A night desk, every night 22:00-06:00, written as 00:00-06:00 and 22:00-24:00 each day.
NIGHT = Calendar(
    timezone="Europe/Budapest",
    hours=dict.fromkeys(range(7), ((time(0), time(6)), (time(22), END_OF_DAY))),
)
ALWAYS = Calendar.twenty_four_seven("Europe/Budapest")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Budapest wall time (not in a DST fold or gap)."""
    return datetime(year, month, day, hour, minute, tzinfo=BUDAPEST)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- holidays and business days ----------------------------------------------------------


def test_holiday_dates_wraps_the_holidays_package_for_hungary():
    days = holiday_dates("HU", None, 2026)
    assert {date(2026, 10, 23), date(2026, 4, 6), date(2026, 5, 1), date(2026, 12, 24)} <= days
    assert date(2026, 10, 22) not in days


def test_business_days_exclude_weekends_and_holidays():
    assert is_business_day(VENDOR, date(2026, 10, 22))  # Thursday
    assert not is_business_day(VENDOR, date(2026, 10, 23))  # Friday, National Day
    assert not is_business_day(VENDOR, date(2026, 10, 24))  # Saturday


def test_every_day_is_a_business_day_on_24x7_even_a_holiday():
    cal = Calendar.twenty_four_seven("Europe/Budapest")
    assert is_business_day(cal, date(2026, 10, 25))  # Sunday
    assert is_business_day(cal, date(2026, 12, 25))


def test_is_open_counts_the_opening_instant_but_not_the_close():
    assert is_open(VENDOR, local(2026, 3, 2, 9))
    assert is_open(VENDOR, local(2026, 3, 2, 16, 59))
    assert not is_open(VENDOR, local(2026, 3, 2, 17))
    assert not is_open(SPLIT, local(2026, 3, 2, 12, 30))  # lunch
    assert not is_open(VENDOR, local(2026, 10, 23, 10))  # holiday


# --- minutes and hours ------------------------------------------------------------------


def test_minutes_within_one_opening_range():
    # Mon 10:00 + 90 min = 11:30, well before the 17:00 close.
    assert deadline(VENDOR, local(2026, 3, 2, 10), 90, "minutes") == local(2026, 3, 2, 11, 30)


def test_results_are_in_utc():
    due = deadline(VENDOR, local(2026, 3, 2, 10), 90, "minutes")
    assert due.tzinfo is UTC
    assert due == utc(2026, 3, 2, 10, 30)  # 11:30 CET


def test_hours_carry_over_the_night_to_the_next_morning():
    # Mon 16:30: 30 min until 17:00, the other 90 min from Tue 09:00 -> Tue 10:30.
    assert deadline(VENDOR, local(2026, 3, 2, 16, 30), 2, "hours") == local(2026, 3, 3, 10, 30)


def test_hours_started_on_friday_evening_count_from_monday_opening():
    # Fri 18:00 is after close; the weekend is closed; 4 h from Mon 09:00 -> Mon 13:00.
    assert deadline(VENDOR, local(2026, 3, 6, 18), 4, "hours") == local(2026, 3, 9, 13)


def test_minutes_started_on_saturday_count_from_monday_opening():
    # Sat 10:00 -> Mon 09:00 + 60 min -> Mon 10:00.
    assert deadline(VENDOR, local(2026, 3, 7, 10), 60, "minutes") == local(2026, 3, 9, 10)


def test_hours_started_exactly_at_opening_end_exactly_at_close_not_next_opening():
    # Mon 09:00 + 8 h = Mon 17:00, the close itself rather than Tue 09:00.
    assert deadline(VENDOR, local(2026, 3, 2, 9), 8, "hours") == local(2026, 3, 2, 17)


def test_hours_started_exactly_at_close_count_from_next_opening():
    # Mon 17:00 has no open time left; Tue 09:00 + 1 h -> Tue 10:00.
    assert deadline(VENDOR, local(2026, 3, 2, 17), 1, "hours") == local(2026, 3, 3, 10)


def test_zero_minutes_is_the_start_itself_even_after_close():
    assert deadline(VENDOR, local(2026, 3, 2, 19), 0, "minutes") == local(2026, 3, 2, 19)


def test_hours_skip_a_friday_holiday_and_the_dst_weekend():
    # Thu 2026-10-22 15:00: 2 h until 17:00; Fri 23 is National Day; Sat, Sun (DST ends);
    # Mon 26 09:00 CET + 2 h -> 11:00 CET = 10:00 UTC.
    due = deadline(VENDOR, local(2026, 10, 22, 15), 4, "hours")
    assert due == local(2026, 10, 26, 11)
    assert due == utc(2026, 10, 26, 10)


def test_hours_skip_good_friday_and_easter_monday():
    # Thu 2026-04-02 16:00: 1 h; Fri 3 Good Friday; Sat; Sun; Mon 6 Easter Monday;
    # Tue 7 09:00 + 2 h -> 11:00.
    assert deadline(VENDOR, local(2026, 4, 2, 16), 3, "hours") == local(2026, 4, 7, 11)


def test_hours_across_christmas():
    # Wed 2026-12-23 16:00: 1 h; Thu 24, Fri 25 holidays; Sat 26; Sun 27;
    # Mon 28: 8 h (9 h so far); Tue 29 09:00 + 1 h -> 10:00.
    assert deadline(VENDOR, local(2026, 12, 23, 16), 10, "hours") == local(2026, 12, 29, 10)


def test_hours_across_year_end_and_new_year_holiday():
    # Thu 2026-12-31 15:00: 2 h; Fri 2027-01-01 holiday; Sat; Sun; Mon 4 09:00 + 2 h -> 11:00.
    assert deadline(VENDOR, local(2026, 12, 31, 15), 4, "hours") == local(2027, 1, 4, 11)


def test_hours_across_the_spring_dst_weekend_use_wall_clock_opening_hours():
    # Fri 2026-03-27 16:00 CET: 1 h; clocks spring forward on Sunday;
    # Mon 30 09:00 CEST + 1 h -> 10:00 CEST = 08:00 UTC.
    due = deadline(VENDOR, local(2026, 3, 27, 16), 2, "hours")
    assert due == utc(2026, 3, 30, 8)


def test_split_day_skips_the_lunch_break():
    # Mon 11:00: 1 h until 12:00; lunch; 13:00 + 1 h -> 14:00.
    assert deadline(SPLIT, local(2026, 3, 2, 11), 2, "hours") == local(2026, 3, 2, 14)


def test_split_day_ending_at_the_lunch_break_ends_at_noon():
    # Mon 11:00 + 1 h = 12:00, the close of the morning range, not 13:00.
    assert deadline(SPLIT, local(2026, 3, 2, 11), 1, "hours") == local(2026, 3, 2, 12)


def test_split_day_started_during_lunch_counts_from_the_afternoon_opening():
    # Mon 12:30 -> 13:00 + 30 min -> 13:30.
    assert deadline(SPLIT, local(2026, 3, 2, 12, 30), 30, "minutes") == local(2026, 3, 2, 13, 30)


def test_many_hours_skip_whole_weeks_and_still_land_exactly():
    # A calendar without holidays: 40 open hours a week. Mon 2026-01-05 09:00 + 2000 h
    # = 50 weeks exactly, ending at the close of the 50th Friday: 2026-01-05 + 49 weeks
    # + 4 days = Fri 2026-12-18 17:00, across both DST changes.
    cal = Calendar(timezone="Europe/Budapest", hours=VENDOR.hours)
    assert deadline(cal, local(2026, 1, 5, 9), 2000, "hours") == local(2026, 12, 18, 17)


def test_many_hours_across_holidays_match_open_time():
    start = local(2026, 2, 2, 9, 17)
    due = deadline(VENDOR, start, 1500, "hours")
    assert open_time_between(VENDOR, start, due) == timedelta(hours=1500)


# --- daylight saving time ---------------------------------------------------------------


def test_24x7_two_hours_across_spring_forward_is_absolute_time():
    # Sun 2026-03-29 01:30 CET (00:30 UTC) + 2 h = 02:30 UTC = 04:30 CEST (3 wall hours).
    due = deadline(ALWAYS, local(2026, 3, 29, 1, 30), 2, "hours")
    assert due == utc(2026, 3, 29, 2, 30)
    assert due.astimezone(BUDAPEST).hour == 4


def test_24x7_two_hours_across_fall_back_is_absolute_time():
    # Sun 2026-10-25 01:30 CEST (Sat 23:30 UTC) + 2 h = 01:30 UTC, the second 02:30 (CET).
    due = deadline(ALWAYS, local(2026, 10, 25, 1, 30), 2, "hours")
    assert due == utc(2026, 10, 25, 1, 30)
    wall = due.astimezone(BUDAPEST)
    assert (wall.hour, wall.minute, wall.fold) == (2, 30, 1)


def test_night_range_on_spring_forward_night_lasts_five_hours():
    # 00:00 CET (Sat 23:00 UTC) to 06:00 CEST (04:00 UTC): the hour 02:00-03:00 never happens.
    night = open_time_between(NIGHT, local(2026, 3, 29), local(2026, 3, 29, 12))
    assert night == timedelta(hours=5)


def test_night_range_on_fall_back_night_lasts_seven_hours():
    # 00:00 CEST (Sat 22:00 UTC) to 06:00 CET (05:00 UTC): 02:00-03:00 happens twice.
    night = open_time_between(NIGHT, local(2026, 10, 25), local(2026, 10, 25, 12))
    assert night == timedelta(hours=7)


def test_night_desk_hours_across_spring_forward_end_at_the_shorter_close():
    # Sat 22:00 CET: 2 h to midnight, then 5 real hours until 06:00 CEST -> exactly the close.
    due = deadline(NIGHT, local(2026, 3, 28, 22), 7, "hours")
    assert due == local(2026, 3, 29, 6)
    assert due == utc(2026, 3, 29, 4)


def test_night_desk_ranges_join_across_midnight():
    # 23:00 + 3 h: 1 h to 24:00, then 00:00-02:00 of the next day.
    assert deadline(NIGHT, local(2026, 3, 3, 23), 3, "hours") == local(2026, 3, 4, 2)


def test_office_day_on_dst_monday_is_still_eight_hours():
    day = local(2026, 3, 30)
    assert open_time_between(VENDOR, day, day + timedelta(days=1)) == timedelta(hours=8)


def test_office_week_spanning_spring_forward_is_forty_hours():
    assert open_time_between(VENDOR, local(2026, 3, 23), local(2026, 3, 30)) == timedelta(hours=40)


def test_range_starting_in_the_dst_gap_opens_when_the_clocks_jump():
    # 02:30 does not exist on 2026-03-29: the range opens at 03:00 CEST (01:00 UTC).
    cal = Calendar(timezone="Europe/Budapest", hours={6: ((time(2, 30), time(5)),)})
    assert opening_intervals(cal, date(2026, 3, 29)) == (
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 3)),
    )


def test_range_starting_at_an_ambiguous_time_uses_its_first_occurrence():
    # 02:30 happens twice on 2026-10-25; the first is 02:30 CEST = 00:30 UTC.
    cal = Calendar(timezone="Europe/Budapest", hours={6: ((time(2, 30), time(5)),)})
    assert opening_intervals(cal, date(2026, 10, 25)) == (
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 4)),
    )


# --- business days ----------------------------------------------------------------------


def test_business_days_start_on_friday_evening_ends_tuesday_close():
    # Start Fri 2026-03-06 19:00: 1 = Mon 9, 2 = Tue 10, close 17:00.
    assert deadline(VENDOR, local(2026, 3, 6, 19), 2, "business_days") == local(2026, 3, 10, 17)


def test_next_business_day_ends_at_close_of_the_following_day():
    # Mon 10:00 -> next business day Tue, 17:00.
    assert deadline(VENDOR, local(2026, 3, 2, 10), 1, "business_days") == local(2026, 3, 3, 17)


def test_next_business_day_from_saturday_is_monday():
    assert deadline(VENDOR, local(2026, 3, 7, 11), 1, "business_days") == local(2026, 3, 9, 17)


def test_next_business_day_before_opening_still_counts_from_the_calendar_day():
    # Tue 06:00 (before opening) -> next business day is Wed, not Tue.
    assert deadline(VENDOR, local(2026, 3, 3, 6), 1, "business_days") == local(2026, 3, 4, 17)


def test_next_business_day_skips_a_friday_holiday_and_lands_after_dst_change():
    # Thu 2026-10-22 -> Fri 23 holiday, Sat, Sun -> Mon 26 17:00 CET = 16:00 UTC.
    due = deadline(VENDOR, local(2026, 10, 22, 10), 1, "business_days")
    assert due == utc(2026, 10, 26, 16)


def test_business_days_across_christmas():
    # Wed 2026-12-23: Thu 24, Fri 25 holidays, weekend; 1 = Mon 28, 2 = Tue 29.
    assert deadline(VENDOR, local(2026, 12, 23, 9), 2, "business_days") == local(2026, 12, 29, 17)


def test_next_business_day_across_year_end():
    # Thu 2026-12-31 -> Fri 2027-01-01 holiday, weekend -> Mon 2027-01-04 17:00.
    assert deadline(VENDOR, local(2026, 12, 31, 10), 1, "business_days") == local(2027, 1, 4, 17)


def test_many_business_days_skip_whole_weeks():
    # Mon 2026-03-02 + 20 business days: no holiday in March after the 15th (a Sunday)
    # -> 4 weeks -> Mon 2026-03-30 17:00 CEST.
    assert deadline(VENDOR, local(2026, 3, 2, 10), 20, "business_days") == local(2026, 3, 30, 17)


def test_many_business_days_count_holidays_inside_skipped_range():
    # Mon 2026-03-30 + 10 business days: Mar 31, Apr 1, 2 (3), Good Friday 3 and Easter
    # Monday 6 skipped, Apr 7-10 (7), Apr 13, 14, 15 (10) -> Wed 2026-04-15 17:00.
    assert deadline(VENDOR, local(2026, 3, 30, 10), 10, "business_days") == local(2026, 4, 15, 17)


def test_business_day_close_on_split_calendar_is_end_of_afternoon():
    assert deadline(SPLIT, local(2026, 3, 2, 10), 1, "business_days") == local(2026, 3, 3, 17)


def test_business_day_close_on_night_desk_is_midnight():
    # Mon 2026-03-02 -> Tue 03, whose last range ends 24:00 = Wed 00:00.
    assert deadline(NIGHT, local(2026, 3, 2, 10), 1, "business_days") == local(2026, 3, 4)


def test_business_day_on_24x7_ends_at_midnight_and_ignores_holidays():
    # Thu 2026-12-24 10:00 -> Fri 25 (a holiday, but 24x7) ends at Sat 26 00:00 CET.
    cal = Calendar.twenty_four_seven("Europe/Budapest")
    due = deadline(cal, local(2026, 12, 24, 10), 1, "business_days")
    assert due == local(2026, 12, 26)
    assert due == utc(2026, 12, 25, 23)


def test_close_of_business_rejects_a_holiday():
    assert close_of_business(VENDOR, date(2026, 10, 22)) == local(2026, 10, 22, 17)
    with pytest.raises(ValueError, match="not a business day"):
        close_of_business(VENDOR, date(2026, 10, 23))


# --- weeks and months -------------------------------------------------------------------


def test_one_week_ends_at_close_on_the_same_weekday():
    # Wed 2026-03-04 10:00 + 7 days = Wed 03-11, 17:00.
    assert deadline(VENDOR, local(2026, 3, 4, 10), 1, "weeks") == local(2026, 3, 11, 17)


def test_week_landing_on_a_holiday_rolls_to_next_business_day():
    # Fri 2026-10-16 + 7 days = Fri 10-23 (National Day) -> Mon 10-26 17:00 CET.
    assert deadline(VENDOR, local(2026, 10, 16, 12), 1, "weeks") == local(2026, 10, 26, 17)


def test_week_landing_on_good_friday_rolls_past_easter_monday():
    # Fri 2026-03-27 + 7 days = Fri 04-03 Good Friday; Sat; Sun; Mon 6 Easter Monday
    # -> Tue 04-07 17:00 CEST.
    assert deadline(VENDOR, local(2026, 3, 27, 16), 1, "weeks") == local(2026, 4, 7, 17)


def test_week_from_saturday_rolls_to_monday():
    # Sat 2026-03-07 + 7 = Sat 03-14; Sun 15 (also a holiday) -> Mon 03-16 17:00.
    assert deadline(VENDOR, local(2026, 3, 7, 10), 1, "weeks") == local(2026, 3, 16, 17)


def test_two_weeks_from_friday_evening():
    # Fri 2026-03-06 (any time of day) + 14 days = Fri 03-20 17:00.
    assert deadline(VENDOR, local(2026, 3, 6, 23), 2, "weeks") == local(2026, 3, 20, 17)


def test_one_month_to_a_shorter_month_uses_its_last_day():
    # Tue 2026-03-31 + 1 month = Apr 31 does not exist -> Thu 2026-04-30 17:00 CEST.
    assert deadline(VENDOR, local(2026, 3, 31, 10), 1, "months") == local(2026, 4, 30, 17)


def test_one_month_from_january_31_to_a_weekend_february_28_rolls_to_monday():
    # Sat 2026-01-31 + 1 month = Feb 28 (Sat, 2026 is not a leap year) -> Mon 03-02 17:00.
    assert deadline(VENDOR, local(2026, 1, 31, 10), 1, "months") == local(2026, 3, 2, 17)


def test_one_month_from_january_31_in_a_leap_year_is_february_29():
    # Mon 2028-01-31 + 1 month = Tue 2028-02-29 17:00.
    assert deadline(VENDOR, local(2028, 1, 31, 10), 1, "months") == local(2028, 2, 29, 17)


def test_month_landing_on_christmas_eve_rolls_past_christmas():
    # Tue 2026-11-24 + 1 month = Thu 12-24 holiday; 25 holiday; 26 holiday (Sat); Sun
    # -> Mon 12-28 17:00.
    assert deadline(VENDOR, local(2026, 11, 24, 10), 1, "months") == local(2026, 12, 28, 17)


def test_month_across_year_end():
    # Fri 2026-12-04 + 1 month = Mon 2027-01-04 17:00.
    assert deadline(VENDOR, local(2026, 12, 4, 10), 1, "months") == local(2027, 1, 4, 17)


def test_month_across_spring_dst_change_closes_at_local_17():
    # Fri 2026-02-27 + 1 month = Fri 03-27 17:00 CET = 16:00 UTC; Mon 03-02 + 1 month =
    # Thu 04-02 17:00 CEST = 15:00 UTC.
    assert deadline(VENDOR, local(2026, 2, 27, 10), 1, "months") == utc(2026, 3, 27, 16)
    assert deadline(VENDOR, local(2026, 3, 2, 10), 1, "months") == utc(2026, 4, 2, 15)


def test_twelve_months_lands_on_same_date_next_year():
    # Wed 2026-06-10 + 12 months = Thu 2027-06-10 17:00.
    assert deadline(VENDOR, local(2026, 6, 10, 10), 12, "months") == local(2027, 6, 10, 17)


def test_months_on_24x7_end_at_midnight():
    # Sat 2026-01-31 + 1 month = Sat 02-28 (a business day on 24x7) -> 24:00 = 03-01 00:00.
    assert deadline(ALWAYS, local(2026, 1, 31, 10), 1, "months") == local(2026, 3, 1)


# --- pauses -----------------------------------------------------------------------------


def test_pause_over_the_night_shifts_hours_by_paused_open_time():
    # Mon 10:00 + 4 h -> 14:00 unpaused. Paused Mon 12:00 to Tue 10:00: paused open time
    # = Mon 12-17 (5 h) + Tue 09-10 (1 h) = 6 h -> 10 h from Mon 10:00 = Mon 7 h + Tue 3 h
    # -> Tue 12:00. (Clock view: ran 10-12, resumed Tue 10:00, 2 h more.)
    pauses = [(local(2026, 3, 2, 12), local(2026, 3, 3, 10))]
    assert deadline(VENDOR, local(2026, 3, 2, 10), 4, "hours", pauses) == local(2026, 3, 3, 12)


def test_pause_over_the_weekend_counts_only_open_time():
    # Fri 2026-03-06 15:00 + 4 h -> Mon 11:00 unpaused. Paused Fri 16:00 to Mon 09:30:
    # Fri 1 h + Mon 0.5 h = 1.5 h paused -> Fri 15-16 ran 1 h, Mon 09:30 + 3 h -> 12:30.
    pauses = [(local(2026, 3, 6, 16), local(2026, 3, 9, 9, 30))]
    due = deadline(VENDOR, local(2026, 3, 6, 15), 4, "hours", pauses)
    assert due == local(2026, 3, 9, 12, 30)


def test_pause_entirely_outside_opening_hours_does_not_move_the_deadline():
    # Fri 15:00 + 4 h -> Mon 11:00; a pause all of Saturday holds no open time.
    pauses = [(local(2026, 3, 7, 8), local(2026, 3, 7, 20))]
    assert deadline(VENDOR, local(2026, 3, 6, 15), 4, "hours", pauses) == local(2026, 3, 9, 11)


def test_pause_beginning_after_the_deadline_does_not_move_it():
    # Mon 10:00 + 1 h -> 11:00; the pause starts at 12:00, the clock had already run out.
    pauses = [(local(2026, 3, 2, 12), local(2026, 3, 2, 15))]
    assert deadline(VENDOR, local(2026, 3, 2, 10), 1, "hours", pauses) == local(2026, 3, 2, 11)


def test_pause_beginning_after_the_unshifted_deadline_counts_once_an_earlier_pause_moved_it():
    # Mon 10:00 + 2 h -> 12:00. Pause 11:00-13:00 (2 h) -> 14:00. Pause 13:30-14:30 starts
    # after 12:00 but before 14:00 -> 15:00. Clock view: ran 10-11, 13-13:30, 14:30-15:00.
    pauses = [
        (local(2026, 3, 2, 13, 30), local(2026, 3, 2, 14, 30)),
        (local(2026, 3, 2, 11), local(2026, 3, 2, 13)),
    ]
    assert deadline(VENDOR, local(2026, 3, 2, 10), 2, "hours", pauses) == local(2026, 3, 2, 15)


def test_overlapping_pauses_are_not_counted_twice():
    # Mon 10:00 + 2 h; pauses 10:30-11:30 and 11:00-12:00 merge into 10:30-12:00 (1.5 h)
    # -> 13:30.
    pauses = [
        (local(2026, 3, 2, 10, 30), local(2026, 3, 2, 11, 30)),
        (local(2026, 3, 2, 11), local(2026, 3, 2, 12)),
    ]
    assert deadline(VENDOR, local(2026, 3, 2, 10), 2, "hours", pauses) == local(2026, 3, 2, 13, 30)


def test_pause_before_the_start_is_clipped_to_the_start():
    # Paused Sun 20:00 to Mon 11:00, clock started Mon 10:00: only Mon 10-11 counts (1 h)
    # -> Mon 10:00 + 2 h + 1 h = 13:00.
    pauses = [(local(2026, 3, 1, 20), local(2026, 3, 2, 11))]
    assert deadline(VENDOR, local(2026, 3, 2, 10), 2, "hours", pauses) == local(2026, 3, 2, 13)


def test_pause_over_a_whole_business_day_moves_business_days_deadline_one_day():
    # Mon 2026-03-02 + 2 business days -> Wed 17:00. Paused Mon 17:00 to Wed 09:00 = all of
    # Tuesday, 8 open hours -> Wed 17:00 + 8 h = Thu 17:00.
    pauses = [(local(2026, 3, 2, 17), local(2026, 3, 4, 9))]
    due = deadline(VENDOR, local(2026, 3, 2, 10), 2, "business_days", pauses)
    assert due == local(2026, 3, 5, 17)


def test_short_pause_moves_business_days_deadline_into_the_next_morning():
    # Mon 10:00 + 1 business day -> Tue 17:00; paused Mon 14:00-16:00 (2 h) -> Wed 11:00.
    pauses = [(local(2026, 3, 2, 14), local(2026, 3, 2, 16))]
    due = deadline(VENDOR, local(2026, 3, 2, 10), 1, "business_days", pauses)
    assert due == local(2026, 3, 4, 11)


def test_pause_over_a_weekend_and_holiday_moves_weeks_deadline_by_open_time_only():
    # Fri 2026-10-09 + 1 week -> Fri 10-16 17:00. Paused Thu 10-15 12:00 to Mon 10-19 10:00:
    # Thu 5 h + Fri 8 h + Mon 1 h = 14 h -> Fri 17:00 + 14 h: Mon 19 8 h, Tue 20 6 h -> 15:00.
    pauses = [(local(2026, 10, 15, 12), local(2026, 10, 19, 10))]
    due = deadline(VENDOR, local(2026, 10, 9, 10), 1, "weeks", pauses)
    assert due == local(2026, 10, 20, 15)


def test_pause_on_24x7_shifts_by_wall_clock_time():
    # 2 h from 10:00 -> 12:00; a 30 min pause at night-free 24x7 -> 12:30.
    pauses = [(local(2026, 3, 2, 10, 30), local(2026, 3, 2, 11))]
    assert deadline(ALWAYS, local(2026, 3, 2, 10), 2, "hours", pauses) == local(2026, 3, 2, 12, 30)


def test_pause_resuming_before_it_began_is_rejected():
    with pytest.raises(ValueError, match="before it began"):
        deadline(
            VENDOR,
            local(2026, 3, 2, 10),
            2,
            "hours",
            [(local(2026, 3, 2, 12), local(2026, 3, 2, 11))],
        )


# --- warn_at and late_by ----------------------------------------------------------------


def test_warn_at_three_quarters_of_a_business_day():
    # 09:00 to 17:00 is 8 h; 75 % = 6 h -> 15:00.
    assert warn_at(VENDOR, local(2026, 3, 2, 9), local(2026, 3, 2, 17)) == local(2026, 3, 2, 15)


def test_warn_at_counts_only_open_time_across_the_night():
    # Mon 15:00 to Tue 11:00 = 2 h + 2 h = 4 h; 75 % = 3 h -> Tue 10:00.
    assert warn_at(VENDOR, local(2026, 3, 2, 15), local(2026, 3, 3, 11)) == local(2026, 3, 3, 10)


def test_warn_at_on_24x7_across_spring_forward_uses_absolute_time():
    # 00:00 CET (23:00 UTC) to 04:00 CEST (02:00 UTC) is 3 h; half = 1.5 h -> 00:30 UTC.
    start, due = local(2026, 3, 29), local(2026, 3, 29, 4)
    assert warn_at(ALWAYS, start, due, share=0.5) == utc(2026, 3, 29, 0, 30)


def test_warn_at_rejects_a_share_outside_zero_to_one():
    with pytest.raises(ValueError, match="share"):
        warn_at(VENDOR, local(2026, 3, 2, 9), local(2026, 3, 2, 17), share=1.5)


def test_late_by_counts_open_time_after_the_deadline():
    # Due Fri 16:00, answered Mon 10:00: Fri 16-17 (1 h) + Mon 09-10 (1 h) = 2 h late.
    assert late_by(VENDOR, local(2026, 3, 6, 16), local(2026, 3, 9, 10)) == timedelta(hours=2)


def test_late_by_is_zero_when_on_time():
    assert late_by(VENDOR, local(2026, 3, 6, 16), local(2026, 3, 6, 15)) == timedelta(0)


def test_late_by_on_24x7_across_fall_back_is_absolute_time():
    # Due Sat 2026-10-24 22:00 CEST (20:00 UTC), at Sun 03:00 CET (02:00 UTC): 6 h, though
    # the wall clock moved only 5 h.
    assert late_by(ALWAYS, local(2026, 10, 24, 22), local(2026, 10, 25, 3)) == timedelta(hours=6)


# --- open time between ------------------------------------------------------------------


def test_open_time_between_is_zero_when_end_is_not_after_start():
    assert open_time_between(VENDOR, local(2026, 3, 2, 12), local(2026, 3, 2, 10)) == timedelta(0)


def test_open_time_between_over_a_holiday_week():
    # Mon 2026-12-21 00:00 to Mon 12-28 00:00: Mon-Wed 3 x 8 h; Thu 24, Fri 25 holidays.
    span = open_time_between(VENDOR, local(2026, 12, 21), local(2026, 12, 28))
    assert span == timedelta(hours=24)


# --- validation and bad input -----------------------------------------------------------


def test_validate_calendar_accepts_a_valid_calendar_with_a_24_00_end():
    hours = {0: ((time(9), time(17)),), 5: ((time(20), END_OF_DAY),)}
    assert validate_calendar(timezone="Europe/Budapest", hours=hours) == []


def test_validate_calendar_accepts_24x7_without_hours():
    assert validate_calendar(timezone="UTC", hours={}, always_open=True) == []


def test_validate_calendar_reports_overlapping_ranges():
    hours = {1: ((time(9), time(12)), (time(11), time(13)))}
    assert validate_calendar(timezone="UTC", hours=hours) == [
        "Tuesday: opening ranges 09:00-12:00 and 11:00-13:00 overlap."
    ]


def test_validate_calendar_accepts_touching_ranges():
    hours = {1: ((time(13), time(17)), (time(9), time(13)))}
    assert validate_calendar(timezone="UTC", hours=hours) == []


def test_validate_calendar_reports_a_range_ending_before_it_starts():
    errors = validate_calendar(
        timezone="UTC", hours={0: ((time(17), time(9)), (time(9), time(10)))}
    )
    assert errors == ["Monday: opening range 17:00-09:00 ends before it starts."]


def test_validate_calendar_reports_an_unknown_timezone():
    errors = validate_calendar(timezone="Europe/Atlantis", hours={0: ((time(9), time(17)),)})
    assert errors == ["Unknown timezone 'Europe/Atlantis'."]


def test_validate_calendar_reports_no_open_hours():
    errors = validate_calendar(timezone="UTC", hours={0: ()})
    assert errors == ["The calendar has no opening hours: add a range or make it 24x7."]


def test_validate_calendar_reports_an_unknown_weekday():
    errors = validate_calendar(timezone="UTC", hours={0: ((time(9), time(17)),), 7: ()})
    assert errors == ["Unknown weekday 7: use 0 (Monday) to 6 (Sunday)."]


def test_calendar_without_open_hours_cannot_be_built():
    with pytest.raises(ValueError, match="no opening hours"):
        Calendar(timezone="UTC", hours={})


def test_calendar_copies_hours_so_later_changes_do_not_leak_in():
    hours = {0: ((time(9), time(17)),)}
    cal = Calendar(timezone="UTC", hours=hours)
    hours[1] = ((time(9), time(17)),)
    assert not is_business_day(cal, date(2026, 3, 3))  # a Tuesday
    assert hash(cal) == hash(Calendar(timezone="UTC", hours={0: ((time(9), time(17)),)}))


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="aware"):
        add_open_time(VENDOR, datetime(2026, 3, 2, 10), timedelta(hours=1))  # noqa: DTZ001


def test_unknown_unit_is_rejected():
    with pytest.raises(ValueError, match="Unknown unit"):
        deadline(VENDOR, local(2026, 3, 2, 10), 1, "fortnights")  # type: ignore[arg-type]


def test_day_based_units_need_at_least_one():
    with pytest.raises(ValueError, match="at least 1"):
        deadline(VENDOR, local(2026, 3, 2, 10), 0, "business_days")


# --- open spans ahead (the queue's countdowns) ------------------------------------------


def test_open_windows_from_friday_afternoon_to_monday_morning():
    windows = open_windows(VENDOR, local(2026, 11, 27, 16, 30), local(2026, 11, 30, 10))
    assert windows == [
        (utc(2026, 11, 27, 15, 30), utc(2026, 11, 27, 16)),
        (utc(2026, 11, 30, 8), utc(2026, 11, 30, 9)),
    ]


def test_open_windows_skip_holidays_and_keep_the_lunch_break():
    # Thursday 24 Dec 2026 to Monday 28 Dec: three holidays, then a split Monday morning.
    windows = open_windows(SPLIT, local(2026, 12, 23, 11), local(2026, 12, 28, 12, 30))
    assert windows == [
        (utc(2026, 12, 23, 10), utc(2026, 12, 23, 11)),
        (utc(2026, 12, 23, 12), utc(2026, 12, 23, 16)),
        (utc(2026, 12, 28, 7), utc(2026, 12, 28, 11)),
    ]


def test_open_windows_merge_across_midnight_and_are_one_span_on_24x7():
    # 22:00-24:00 and 00:00-06:00 touch at midnight: one night, not two spans.
    assert open_windows(NIGHT, local(2026, 11, 24, 21), local(2026, 11, 25, 7)) == [
        (utc(2026, 11, 24, 21), utc(2026, 11, 25, 5))
    ]
    start, end = local(2026, 11, 24, 21), local(2026, 11, 28, 7)
    assert open_windows(ALWAYS, start, end) == [(start, end)]
    assert open_windows(VENDOR, end, start) == []


def test_open_windows_add_up_to_the_open_time_between():
    start, end = local(2026, 10, 20, 13, 17), local(2026, 11, 3, 10, 41)  # across DST and 23 Oct
    total = sum((close - open_ for open_, close in open_windows(VENDOR, start, end)), timedelta())
    assert total == open_time_between(VENDOR, start, end)


def test_holiday_dates_are_computed_once_for_the_same_country_and_years():
    first = holiday_dates("HU", None, range(2026, 2028))
    assert holiday_dates("HU", None, [2026, 2027]) is first
    assert holiday_dates("HU", None, 2026) == {d for d in first if d.year == 2026}
