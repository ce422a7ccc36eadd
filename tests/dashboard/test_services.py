"""What the dashboard stores: open time of met clocks (the clock service), the daily
summaries (dashboard.services), the beat task that keeps them current and the
command that fills older days."""

import datetime as dt
import importlib
import io
import time
from collections import Counter

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django_scopes import scopes_disabled

from dashboard import services as dashboard_services
from dashboard.models import (
    ComplianceDay,
    Grain,
    ResolutionTime,
    ResolutionTimeDay,
    SummaryDay,
    TicketDay,
    TicketTotalDay,
)
from dashboard.tasks import refresh_summaries
from sla import services as clocks
from sla.models import ClockState, SLAClock
from tests.dashboard.conftest import local
from tickets.models import Status

pytestmark = pytest.mark.django_db


def _running(history, **fields) -> SLAClock:
    ticket = history.tickets["T3"]
    return history.clock(
        "new", ticket, "workaround", "vendor", **{"due_at": local(30, 17), **fields}
    )


def test_meeting_a_clock_records_its_open_time_less_the_pauses(history):
    """Tuesday 09:00 to Wednesday 12:00 is 8 + 3 business hours; the pause from Tuesday
    10:00 to Wednesday 10:00 is 7 + 1 of them: 660 - 480 = 180 minutes."""
    clock = _running(
        history,
        state=ClockState.RUNNING,
        started_at=local(17, 9),
        pauses=[[local(17, 10).isoformat(), local(18, 10).isoformat()]],
    )
    clocks.clocks_meet(ticket=clock.ticket, kinds=["workaround"], at=local(18, 12))
    clock.refresh_from_db()
    assert (clock.state, clock.elapsed_open_minutes) == (ClockState.MET, 180)


def test_meeting_a_paused_clock_leaves_out_the_pause_still_running(history):
    """Monday 09:00 to Tuesday 10:00 is 9 business hours, 7 of them paused (from Monday 11:00)."""
    clock = _running(
        history, state=ClockState.PAUSED, started_at=local(16, 9), paused_at=local(16, 11)
    )
    clocks.clocks_meet(ticket=clock.ticket, kinds=["workaround"], at=local(17, 10))
    clock.refresh_from_db()
    assert clock.elapsed_open_minutes == 120


def test_a_breach_met_later_gets_its_lateness_and_open_time(history):
    """Due Monday 17:00, met Tuesday 11:00: 2 business hours late, 10 after the start."""
    clock = _running(
        history,
        state=ClockState.BREACHED,
        started_at=local(16, 9),
        due_at=local(16, 17),
        breached_at=local(16, 17),
    )
    clocks.clocks_meet(ticket=clock.ticket, kinds=["workaround"], at=local(17, 11))
    clock.refresh_from_db()
    assert (clock.state, clock.late_minutes, clock.elapsed_open_minutes) == (
        ClockState.BREACHED,
        120,
        600,
    )


def _snapshot():
    return (
        Counter(
            ComplianceDay.objects.values_list(
                "day", "grain", "organization", "kind", "tier", "severity", "agent", "settled"
            )
        ),
        Counter(TicketDay.objects.values_list("day", "organization", "intake", "backlog")),
        Counter(ResolutionTime.objects.values_list("ticket", "open_minutes")),
        Counter(ResolutionTimeDay.objects.values_list("day", "severity", "minutes", "resolutions")),
        Counter(TicketTotalDay.objects.values_list("day", "intake", "resolved", "backlog")),
    )


def test_refreshing_a_day_twice_changes_nothing(history):
    before = _snapshot()
    assert before[0] and before[1] and before[2] and before[3]
    dashboard_services.summary_refresh(day=dt.date(2026, 11, 19))
    dashboard_services.summary_refresh(day=dt.date(2026, 11, 19))
    assert _snapshot() == before
    assert SummaryDay.objects.filter(day__gte="2026-11-01", day__lte="2026-11-24").count() == 24


def test_each_grain_sums_the_same_clocks_as_the_detail_rows(history):
    totals = {
        grain: ComplianceDay.objects.filter(grain=grain).aggregate(
            settled=Sum("settled"), met=Sum("met"), breached=Sum("breached")
        )
        for grain in Grain
    }
    assert totals[Grain.DETAIL]["settled"] > 0
    assert all(figures == totals[Grain.DETAIL] for figures in totals.values())
    thursday = ComplianceDay.objects.filter(day="2026-11-19")
    assert set(thursday.filter(grain=Grain.ORGANIZATION).values_list("kind", "organization")) == {
        ("first_response", history.personas.org_a.pk)
    }
    assert set(thursday.filter(grain=Grain.AGENT).values_list("kind", "agent", "breached")) == {
        ("first_response", history.personas.agent.pk, 1)
    }


def test_refreshing_a_day_takes_in_what_changed(history):
    friday = dt.date(2026, 11, 20)
    history.clock(
        "late",
        history.tickets["G2"],
        "update",
        "vendor",
        state=ClockState.BREACHED,
        started_at=local(20, 9),
        due_at=local(20, 13),
        breached_at=local(20, 13),
    )
    dashboard_services.summary_refresh(day=friday)
    update = ComplianceDay.objects.get(day=friday, grain=Grain.DETAIL, kind="update", severity="S3")
    assert (update.settled, update.met, update.breached) == (1, 0, 1)


def test_resolution_time_leaves_out_waiting_and_spells_resolved_before_a_reopen(history):
    """T2 again, reopened on Friday 10:00 and resolved for good on Monday 23 at 11:00:
    960 minutes to the first resolution, nothing while resolved (Thursday 15:00 to
    Friday 10:00), then Friday 10:00-17:00 and Monday 09:00-11:00: 960 + 420 + 120."""
    t2 = history.tickets["T2"]
    history.status(t2, "in_progress", local(20, 10))
    history.status(t2, "resolved", local(23, 11))
    type(t2).objects.filter(pk=t2.pk).update(resolved_at=local(23, 11))
    dashboard_services.summary_refresh(day=dt.date(2026, 11, 23))
    assert ResolutionTime.objects.get(ticket=t2).open_minutes == 1500


def test_tickets_without_an_sla_get_no_resolution_time(history):
    o1 = history.tickets["O1"]  # no clocks at all
    type(o1).objects.filter(pk=o1.pk).update(resolved_at=local(19, 9), status="resolved")
    dashboard_services.summary_refresh(day=dt.date(2026, 11, 19))
    assert not ResolutionTime.objects.filter(ticket=o1).exists()


def test_the_summaries_are_refreshed_every_few_minutes_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-dashboard-summaries"]
    assert entry["task"] == "dashboard.tasks.refresh_summaries"
    assert entry["schedule"] <= 5 * 60


@pytest.mark.django_db(transaction=True)
def test_beat_task_refreshes_today_and_yesterday_in_a_real_worker(celery_worker):
    today = dashboard_services.vendor_today()
    refresh_summaries.delay()
    deadline = time.monotonic() + 20
    wanted = {today, today - dt.timedelta(days=1)}
    while (
        time.monotonic() < deadline
        and set(SummaryDay.objects.values_list("day", flat=True)) != wanted
    ):
        time.sleep(0.05)
    assert set(SummaryDay.objects.values_list("day", flat=True)) == wanted


def test_command_fills_the_days_since_a_date(history):
    out = io.StringIO()
    call_command("dashboard_summaries", since="2026-10-25", stdout=out)
    assert out.getvalue().strip() == "Summarised 31 days, 2026-10-25 to 2026-11-24."
    assert SummaryDay.objects.filter(day="2026-10-25").exists()
    with pytest.raises(CommandError, match="future"):
        call_command("dashboard_summaries", since="2026-12-01")
    with pytest.raises(CommandError, match="--since"):
        call_command("dashboard_summaries", since="last tuesday")


def _totals_of_the_organisations() -> dict:
    """Every summarised day's TicketDay rows summed, zeros for a day without any."""
    sums = {
        row["day"]: (row["intake"], row["resolved"], row["backlog"])
        for row in TicketDay.objects.values("day")
        .annotate(intake=Sum("intake"), resolved=Sum("resolved"), backlog=Sum("backlog"))
        .order_by()
    }
    return {
        day: sums.get(day, (0, 0, 0)) for day in SummaryDay.objects.values_list("day", flat=True)
    }


def _totals() -> dict:
    return {
        row[0]: row[1:]
        for row in TicketTotalDay.objects.values_list("day", "intake", "resolved", "backlog")
    }


def test_the_day_totals_sum_every_organisations_tickets_and_follow_a_change(history):
    totals = _totals()
    assert totals == _totals_of_the_organisations()
    assert totals[dt.date(2026, 11, 16)] == (2, 1, 2)
    # A ticket logged on Friday and resolved on Monday: Friday's refresh counts it in.
    history.ticket(
        "late",
        history.personas.org_b,
        created_at=local(20, 11),
        severity="S3",
        status=Status.RESOLVED,
        resolved_at=local(23, 10),
    )
    for day in (20, 21, 22, 23):
        dashboard_services.summary_refresh(day=dt.date(2026, 11, day))
    after = _totals()
    assert after == _totals_of_the_organisations()
    assert after[dt.date(2026, 11, 20)][0] == totals[dt.date(2026, 11, 20)][0] + 1
    assert after[dt.date(2026, 11, 23)][1] == totals[dt.date(2026, 11, 23)][1] + 1


def test_the_totals_migration_fills_the_days_already_summarised(history):
    stored = _totals()
    TicketTotalDay.objects.all().delete()
    migration = importlib.import_module("dashboard.migrations.0005_ticket_total_days")
    with scopes_disabled():
        migration.fill_summarised_days(apps, None)
    assert len(stored) == 24
    assert _totals() == stored
