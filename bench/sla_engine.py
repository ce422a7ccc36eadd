"""Benchmark of sla.engine deadlines: `python bench/sla_engine.py [--n 100000] [--seed 2026]`.

Builds four calendars (the vendor's Budapest office hours, a split day, 24x7 and a New York
office), draws N random (calendar, start, amount, unit) combinations over three years with
a fixed seed, computes every deadline and prints the rate.
"""

import argparse
import random
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

# Run from anywhere: the repository root holds the `sla` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sla.engine import Calendar, Unit, deadline, holiday_dates  # noqa: E402

YEARS = range(2026, 2030)
WEEKDAYS = range(5)
# Amount ranges of the kind an SLA policy uses for each unit.
AMOUNTS: dict[Unit, tuple[int, int]] = {
    "minutes": (15, 480),
    "hours": (1, 72),
    "business_days": (1, 10),
    "weeks": (1, 4),
    "months": (1, 12),
}


def build_calendars() -> dict[str, Calendar]:
    hungary = holiday_dates("HU", None, YEARS)
    return {
        "vendor": Calendar(
            timezone="Europe/Budapest",
            hours=dict.fromkeys(WEEKDAYS, ((time(9), time(17)),)),
            holidays=hungary,
        ),
        "split": Calendar(
            timezone="Europe/Budapest",
            hours=dict.fromkeys(WEEKDAYS, ((time(8), time(12)), (time(13), time(17)))),
            holidays=hungary,
        ),
        "24x7": Calendar.twenty_four_seven("Europe/Budapest"),
        "new_york": Calendar(
            timezone="America/New_York",
            hours=dict.fromkeys(WEEKDAYS, ((time(8), time(18)),)),
            holidays=holiday_dates("US", "NY", YEARS),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of deadlines")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    calendars = list(build_calendars().values())
    units: list[Unit] = list(AMOUNTS)
    rng = random.Random(args.seed)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    span_seconds = int((datetime(2029, 1, 1, tzinfo=UTC) - first).total_seconds())
    cases = []
    for _ in range(args.n):
        unit = rng.choice(units)
        cases.append(
            (
                rng.choice(calendars),
                first + timedelta(seconds=rng.randrange(span_seconds)),
                rng.randint(*AMOUNTS[unit]),
                unit,
            )
        )

    per_unit = dict.fromkeys(units, 0.0)
    began = clock.perf_counter()
    for cal, start, amount, unit in cases:
        case_began = clock.perf_counter()
        deadline(cal, start, amount, unit)
        per_unit[unit] += clock.perf_counter() - case_began
    elapsed = clock.perf_counter() - began
    print(f"{args.n} deadlines in {elapsed:.3f} s: {args.n / elapsed:,.0f} deadlines/s")
    for unit in units:
        count = sum(1 for case in cases if case[3] == unit)
        if count:
            print(f"  {unit:<14} {count:>7} deadlines, {count / per_unit[unit]:>10,.0f}/s")


if __name__ == "__main__":
    main()
