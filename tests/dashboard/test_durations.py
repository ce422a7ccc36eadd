"""First-response and resolution times from the daily histograms
(dashboard.models.ResponseTimeDay, ResolutionTimeDay): the same count, median and 90th
percentile as percentile_cont over the clocks and resolution times themselves, on varied
data (ties, zeros, long waits, every severity, either side of the vendor's midnight),
this period and the previous one; and still so after a reopened ticket is resolved again."""

import datetime as dt
import importlib
import random
from collections import Counter

import pytest
from django.apps import apps
from django_scopes import scopes_disabled

from dashboard import durations
from dashboard import services as dashboard_services
from dashboard.models import ResolutionTime, ResolutionTimeDay, ResponseTimeDay, SummaryDay
from dashboard.tables import Period
from sla.models import ClockState, SLAClock
from tests.dashboard.conftest import WEEK, local
from tickets.models import Ticket

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


def _resolutions(history, count: int, seed: int) -> None:
    """``count`` tickets resolved between 2 and 23 November as the refresh measures them
    (their resolution times stored directly; the tickets themselves left open, so that
    no refresh measures them again), some a minute either side of midnight in Budapest."""
    rnd = random.Random(seed)
    model = history.tickets["O1"]
    with scopes_disabled():
        tickets = Ticket.objects.bulk_create(
            Ticket(
                organization_id=model.organization_id,
                number=1000 + n,
                reference=f"{model.reference}-R{n}",
                title="Resolved",
                description="",
                severity=model.severity,
                requester_id=model.requester_id,
                contract_id=model.contract_id,
                created_at=model.created_at,
            )
            for n in range(count)
        )
        measured = []
        for ticket in tickets:
            day = rnd.randrange(2, 24)
            if rnd.random() < 0.2:
                resolved = local(day, 0) + dt.timedelta(minutes=rnd.choice([-1, 0, 1]))
            else:
                resolved = local(day, rnd.randrange(24), rnd.randrange(60))
            measured.append(
                ResolutionTime(
                    ticket=ticket,
                    organization_id=ticket.organization_id,
                    severity=rnd.choice(["S1", "S2", "S3", "S3"]),
                    resolved_at=resolved,
                    open_minutes=rnd.randrange(8) if rnd.random() < 0.4 else rnd.randrange(9000),
                )
            )
        ResolutionTime.objects.bulk_create(measured)


def _complete(found: dict) -> dict:
    """Every key, a severity without any row as (0, None, None): how the page reads them
    (PostgreSQL's FILTERs name every severity, the histograms only those they hold)."""
    return {key: found.get(key, (0, None, None)) for key in ("", "S1", "S2", "S3")}


def _from_the_resolutions(period: Period) -> dict:
    with scopes_disabled():
        return _complete(
            durations._duration_figures(
                ResolutionTime.objects.all(),
                "open_minutes",
                when="resolved_at",
                period=period,
                previous=None,
            )
        )


def _summarised_resolutions(period: Period) -> dict:
    return _complete(durations._summarised_resolutions(period=period))


def _histograms() -> list:
    return sorted(
        ResolutionTimeDay.objects.values_list("day", "severity", "minutes", "resolutions")
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_resolutions_from_the_histograms_equal_percentile_cont_over_the_rows(history, seed):
    _resolutions(history, 400, seed)
    history.summarise()

    for period in (WEEK, WEEK.previous, Period(dt.date(2026, 11, 2), dt.date(2026, 11, 23))):
        assert _summarised_resolutions(period) == _from_the_resolutions(period)
    assert durations._summarised_resolutions(period=WEEK)[""][0] > 100
    table = durations.durations(period=WEEK)[0]
    assert [row[2] for row in table.rows[4:]] == [
        str(_from_the_resolutions(WEEK)[key][0]) for key in ("", "S1", "S2", "S3")
    ]


def test_a_resolution_moves_to_the_day_of_its_new_resolution(history):
    """T2, resolved on Thursday 19 November, is reopened and resolved again on Monday 23:
    refreshing Monday moves it from Thursday's histogram to Monday's, and Thursday's
    revision moves on with it (cached figures of a period ending that week are stale)."""
    t2 = history.tickets["T2"]
    thursday, monday = dt.date(2026, 11, 19), dt.date(2026, 11, 23)
    next_week = Period(monday, dt.date(2026, 11, 29))
    assert durations._summarised_resolutions(period=WEEK)[""][0] == 2
    revision = SummaryDay.objects.get(day=thursday).revision
    history.status(t2, "in_progress", local(20, 10))
    history.status(t2, "resolved", local(23, 11))
    with scopes_disabled():
        Ticket.objects.filter(pk=t2.pk).update(resolved_at=local(23, 11))
    dashboard_services.summary_refresh(day=monday)

    assert not ResolutionTimeDay.objects.filter(day=thursday).exists()
    assert list(
        ResolutionTimeDay.objects.filter(day=monday).values_list("minutes", "resolutions")
    ) == [(1500, 1)]
    assert SummaryDay.objects.get(day=thursday).revision == revision + 1
    for period in (WEEK, next_week):
        assert _summarised_resolutions(period) == _from_the_resolutions(period)
    assert durations._summarised_resolutions(period=WEEK)[""][0] == 1
    dashboard_services.summary_refresh(day=monday)  # safe to run twice
    dashboard_services.summary_refresh(day=thursday)
    assert _summarised_resolutions(next_week) == _from_the_resolutions(next_week)
    assert _summarised_resolutions(WEEK) == _from_the_resolutions(WEEK)


def test_the_resolution_migration_fills_the_days_already_summarised(history):
    _resolutions(history, 200, 6)
    history.summarise()
    stored = _histograms()
    ResolutionTimeDay.objects.all().delete()

    migration = importlib.import_module("dashboard.migrations.0004_resolution_time_days")
    with scopes_disabled():
        migration.fill_summarised_days(apps, None)

    assert len(stored) > 100
    assert _histograms() == stored
