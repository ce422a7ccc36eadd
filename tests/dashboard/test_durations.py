"""First-response times from the daily histograms (dashboard.models.ResponseTimeDay):
the same count, median and 90th percentile as percentile_cont over the clocks themselves,
on varied data (ties, zeros, long waits, every severity, responses either side of the
vendor's midnight), this period and the previous one."""

import datetime as dt
import importlib
import random
from collections import Counter

import pytest
from django.apps import apps
from django_scopes import scopes_disabled

from dashboard import durations
from dashboard import services as dashboard_services
from dashboard.models import ResponseTimeDay
from dashboard.tables import Period
from sla.models import ClockState, SLAClock
from tests.dashboard.conftest import WEEK, local

pytestmark = pytest.mark.django_db


def test_histogram_percentiles_are_those_of_the_values_one_by_one():
    rnd = random.Random(20)
    cases = [[7], [0, 0], [1, 2], [5, 5, 5, 9]]
    for _ in range(300):
        spread = rnd.choice([3, 60, 5000])
        cases.append([rnd.randrange(spread) for _ in range(rnd.randrange(1, 60))])
    for values in cases:
        counts = sorted(Counter(values).items())
        for fraction in (0.0, 0.1, 0.5, 0.9, 1.0):
            assert durations._histogram_percentile(counts, fraction) == durations._percentile(
                values, fraction
            ), (values, fraction)
    assert durations._histogram_percentile([], 0.5) is None


def _responses(history, count: int, seed: int) -> None:
    """``count`` first responses met between 2 and 23 November, some a minute either
    side of midnight in Budapest, with minutes from a narrow range (many ties) or a wide one."""
    rnd = random.Random(seed)
    tickets = list(history.tickets.values())
    clocks = []
    for _ in range(count):
        ticket = rnd.choice(tickets)
        day = rnd.randrange(2, 24)
        if rnd.random() < 0.2:
            met = local(day, 0) + dt.timedelta(minutes=rnd.choice([-1, 0, 1]))
        else:
            met = local(day, rnd.randrange(24), rnd.randrange(60))
        minutes = rnd.randrange(8) if rnd.random() < 0.4 else rnd.randrange(6000)
        clocks.append(
            SLAClock(
                ticket=ticket,
                organization_id=ticket.organization_id,
                kind="first_response",
                calendar=history.calendars["vendor"],
                amount=1,
                unit="business_days",
                severity=rnd.choice(["S1", "S2", "S3", "S3"]),
                state=ClockState.MET,
                started_at=met - dt.timedelta(minutes=minutes),
                met_at=met,
                elapsed_open_minutes=minutes,
            )
        )
    with scopes_disabled():
        SLAClock.objects.bulk_create(clocks)


def _from_the_clocks(period: Period, previous: Period | None) -> dict:
    with scopes_disabled():
        return durations._duration_figures(
            SLAClock.objects.first_responses_measured(),
            "elapsed_open_minutes",
            when="met_at",
            period=period,
            previous=previous,
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_first_responses_from_the_histograms_equal_percentile_cont_over_the_clocks(history, seed):
    _responses(history, 400, seed)
    history.summarise()

    for period in (WEEK, Period(dt.date(2026, 11, 2), dt.date(2026, 11, 23))):
        for previous in (period.previous, None):
            summarised = durations._summarised_first_responses(period=period, previous=previous)
            assert summarised == _from_the_clocks(period, previous)
    assert durations._summarised_first_responses(period=WEEK, previous=WEEK.previous)[""][0] > 100


def test_a_response_counts_once_its_day_is_refreshed(history):
    before = durations.durations(period=WEEK)[1][0]
    _responses(history, 1, 4)
    with scopes_disabled():
        clock = SLAClock.objects.latest("pk")
        clock.met_at, clock.elapsed_open_minutes = local(18, 11), 5
        clock.save()
    # Figures are as fresh as the summaries (the page says when they were computed).
    assert durations.durations(period=WEEK)[1][0] == before
    dashboard_services.summary_refresh(day=dt.date(2026, 11, 18))
    dashboard_services.summary_refresh(day=dt.date(2026, 11, 18))  # safe to run twice
    assert durations.durations(period=WEEK)[1][0][0] == before[0] + 1
    assert durations.durations(period=WEEK)[1][0] == _from_the_clocks(WEEK, None)[""]


def test_the_migration_fills_the_days_already_summarised(history):
    _responses(history, 200, 5)
    history.summarise()
    stored = sorted(ResponseTimeDay.objects.values_list("day", "severity", "minutes", "responses"))
    ResponseTimeDay.objects.all().delete()

    migration = importlib.import_module("dashboard.migrations.0003_response_time_days")
    with scopes_disabled():
        migration.fill_summarised_days(apps, None)

    assert stored
    assert (
        sorted(ResponseTimeDay.objects.values_list("day", "severity", "minutes", "responses"))
        == stored
    )
