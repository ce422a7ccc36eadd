"""Every figure of the dashboard against the week of tests/dashboard/conftest.py, worked
out by hand.

Clocks settled in the week (the day each was met on time, or its deadline passed):

    clock  org   tier       sev  agent      kind            outcome
    c1     ACME  Privilege  S1   Agnes      first response  met on time (60 open min)
    c2     ACME  Privilege  S2   Agnes      first response  met on time (120)
    c3     ACME  Privilege  S2   Agnes      first response  met on time after a pause (180)
    c14    ACME  Privilege  S2   Agnes      first response  breached Thu 17:00, met Fri 11:00
                                                            (120 late, 1080 elapsed)
    c4     ACME  Privilege  S1   nobody     triage          breached 02:15, met 02:45 (30 late)
    c5     GLBX  Standard   S2   nobody     update          breached Fri 17:00, still owed
    c6     GLBX  Standard   S3   nobody     first response  met on time (30)
    c12    GLBX  Standard   S3   nobody     first response  met on time Sunday 23:30 (50)

c13 (met at 00:30 on Monday 23 in Budapest, still Sunday in UTC), the cancelled c7 and
the running c8 do not count.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard import current, durations, period
from dashboard.tables import Period
from tests.dashboard.conftest import NOW, WEEK

pytestmark = pytest.mark.django_db


def rows(table) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in table.rows]


def test_share_met_on_time_per_target_kind(history):
    table, chart, _totals = period.compliance_by_kind(period=WEEK)
    assert rows(table) == [
        ["Triage", "1", "0", "1", "0.0"],
        ["First response", "6", "5", "1", "83.3"],
        ["Update", "1", "0", "1", "0.0"],
        ["Workaround", "0", "0", "0", "—"],
        ["Resolution", "0", "0", "0", "—"],
        ["All targets", "8", "5", "3", "62.5"],
    ]
    assert chart["datasets"][0]["data"] == [0.0, 83.3, 0.0, None, None]


def test_compliance_by_tier(history):
    table, _chart = period.compliance_breakdown("by_tier", period=WEEK)
    assert table.columns[:4] == ["Tier", "Settled", "Breached", "% on time"]
    assert rows(table) == [
        # tier, settled, breached, %, triage, first response, update, workaround, resolution
        ["Standard", "3", "1", "66.7", "—", "100.0", "0.0", "—", "—"],
        ["Privilege", "5", "2", "60.0", "0.0", "75.0", "—", "—", "—"],
    ]


def test_compliance_by_severity(history):
    table, chart = period.compliance_breakdown("by_severity", period=WEEK)
    assert rows(table) == [
        ["S1 critical", "2", "1", "50.0", "0.0", "100.0", "—", "—", "—"],
        ["S2 major", "4", "2", "50.0", "—", "66.7", "0.0", "—", "—"],
        ["S3 minor", "2", "0", "100.0", "—", "100.0", "—", "—", "—"],
    ]
    # Grouped bars: one dataset per kind that has figures, one bar per severity.
    assert chart["labels"] == ["S1 critical", "S2 major", "S3 minor"]
    assert {d["label"]: d["data"] for d in chart["datasets"]} == {
        "Triage": [0.0, None, None],
        "First response": [100.0, 66.7, 100.0],
        "Update": [None, 0.0, None],
    }


def test_compliance_by_organisation_links_to_its_page(history):
    table, _chart = period.compliance_breakdown("by_organisation", period=WEEK)
    assert rows(table) == [
        ["Acme Manufacturing (ACME)", "5", "2", "60.0", "0.0", "75.0", "—", "—", "—"],
        ["Globex Logistics (GLBX)", "3", "1", "66.7", "—", "100.0", "0.0", "—", "—"],
    ]
    assert table.rows[0][0].url == (
        "/dashboard/organisations/ACME/?period=custom&start=2026-11-16&end=2026-11-22"
    )


def test_compliance_by_agent_worst_first_counts_unassigned_tickets_apart(history):
    table, _chart = period.compliance_breakdown("by_agent", period=WEEK)
    assert rows(table) == [
        ["Unassigned", "4", "2", "50.0", "0.0", "100.0", "0.0", "—", "—"],
        ["Agnes Agent", "4", "1", "75.0", "—", "75.0", "—", "—", "—"],
    ]


def test_a_page_shows_the_worst_organisations_the_csv_all(history, monkeypatch):
    monkeypatch.setattr(period, "BREAKDOWN_ROWS", 1)
    table, chart = period.compliance_breakdown("by_organisation", period=WEEK)
    assert [str(row[0]) for row in table.rows] == ["Acme Manufacturing (ACME)"]
    assert table.note == "The 1 with the lowest share met on time, of 2; the CSV has them all."
    assert chart["labels"] == ["Acme Manufacturing (ACME)"]
    every, _chart = period.compliance_breakdown("by_organisation", period=WEEK, every=True)
    assert len(every.rows) == 2 and not every.note


def test_compliance_of_one_organisation(history):
    table, _chart, _totals = period.compliance_by_kind(
        period=WEEK, organization=history.personas.org_b
    )
    assert rows(table)[1] == ["First response", "2", "2", "0", "100.0"]
    assert rows(table)[-1] == ["All targets", "3", "2", "1", "66.7"]


def test_a_day_counts_in_the_vendors_timezone(history):
    """c12 settled at 23:30 on Sunday in Budapest; c13 at 00:30 on Monday (UTC Sunday)."""
    sunday = Period(dt.date(2026, 11, 22), dt.date(2026, 11, 22))
    monday = Period(dt.date(2026, 11, 23), dt.date(2026, 11, 23))
    assert rows(period.compliance_by_kind(period=sunday)[0])[1][1] == "1"
    assert rows(period.compliance_by_kind(period=monday)[0])[1][1] == "1"


def test_median_and_90th_percentile_in_open_time(history):
    """First responses met in the week: 30, 50, 60, 120, 180, 1080 open minutes.
    Median (60 + 120) / 2 = 90; 90th percentile at rank 0.9 x 5 = 4.5: 180 + 0.5 x 900 = 630.
    Per severity: S1 60; S2 120, 180, 1080 (median 180, p90 180 + 0.8 x 900 = 900); S3 30,
    50 (median 40, p90 30 + 0.9 x 20 = 48).

    Resolutions: T1 in 4 h around the clock (240); T2 logged Monday 16:00, resolved Thursday
    15:00: 1 + 8 + 8 + 6 = 23 business hours, less 7 waiting on the customer (Tuesday
    12:00-17:00 and Wednesday 09:00-11:00) = 960. Median 600; p90 240 + 0.9 x 720 = 888.
    """
    table = durations.durations(period=WEEK)[0]
    # In open hours on the page (the calendars' days differ); in minutes in the CSV.
    assert table.csv_columns == ["median_minutes", "p90_minutes"]
    assert rows(table) == [
        ["First response", "All", "6", "1 h 30 min", "10 h 30 min", "90", "630"],
        ["First response", "S1", "1", "1 h", "1 h", "60", "60"],
        ["First response", "S2", "3", "3 h", "15 h", "180", "900"],
        ["First response", "S3", "2", "40 min", "48 min", "40", "48"],
        ["Resolution", "All", "2", "10 h", "14 h 48 min", "600", "888"],
        ["Resolution", "S1", "1", "4 h", "4 h", "240", "240"],
        ["Resolution", "S2", "1", "16 h", "16 h", "960", "960"],
        ["Resolution", "S3", "0", "—", "—", "", ""],
    ]


def test_percentiles_match_the_python_fallback_used_on_sqlite():
    assert durations._percentile([30, 50, 60, 120, 180, 1080], 0.5) == 90
    assert durations._percentile([30, 50, 60, 120, 180, 1080], 0.9) == 630
    assert durations._percentile([7], 0.9) == 7
    assert durations._percentile([], 0.5) is None


def test_breaches_with_how_late_latest_first(history):
    """c5 is still owed: Friday 17:00 to Tuesday 12:00 is 8 + 3 = 11 business hours, one
    business day of 8 hours and 3 hours; its minutes grow until it is met."""
    table = period.breaches(period=WEEK, now=NOW)
    assert [row[:4] for row in rows(table)] == [
        ["GLBX-1", "GLBX", "Update", "S2"],
        ["ACME-6", "ACME", "First response", "S2"],
        ["ACME-5", "ACME", "Triage", "S1"],
    ]
    assert [row[4:7] for row in rows(table)] == [
        ["2026-11-20 17:00", "not yet", "1 business day 3 h, still owed"],
        ["2026-11-19 17:00", "2026-11-20 11:00", "2 h"],
        ["2026-11-18 02:15", "2026-11-18 02:45", "30 min"],
    ]
    assert [row[7] for row in rows(table)] == ["Unassigned", "Agnes Agent", "Unassigned"]
    assert table.csv_columns == ["late_minutes", "still_owed"]
    assert [row[8:] for row in rows(table)] == [["660", "yes"], ["120", "no"], ["30", "no"]]
    assert table.rows[0][0].url == "/tickets/GLBX-1/"


def test_breach_list_says_when_it_shows_only_the_latest(history, monkeypatch):
    monkeypatch.setattr(period, "BREACH_ROWS", 2)
    table = period.breaches(period=WEEK, now=NOW, total=3)
    assert len(table.rows) == 2
    assert table.note == "The latest 2 of 3 breaches; the CSV has them all."


@pytest.mark.parametrize("one_organization", [False, True])
def test_the_breach_list_reads_the_latest_from_its_index_unsorted(
    history, personas, one_organization
):
    """Deadlines fall together (a calendar's opening hour), so the list's order is the
    time and then the id, both in the index: the first hundred are read and joined, not
    every breach of the period sorted. Sorts are priced out, as on a big table."""
    organization = personas.org_a if one_organization else None
    with CaptureQueriesContext(connection) as captured:
        period.breaches(period=WEEK, now=NOW, organization=organization)
    [sql] = [q["sql"] for q in captured.captured_queries if "sla_slaclock" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    index = "clock_org_breach_idx" if one_organization else "clock_breach_idx"
    assert f"Index Scan Backward using {index} on sla_slaclock" in plan
    assert "Sort" not in plan


def test_intake_resolved_and_backlog_per_day(history):
    """O1 is open from before the week. Logged: Mon T1 T2, Tue T3, Wed T4 T5, Thu G1, Fri G2,
    Sun G3 (G4 came at 00:10 on Monday 23). Resolved: T1 on Monday, T2 on Thursday."""
    table, chart = period.trend(period=WEEK)
    assert rows(table) == [
        ["2026-11-16", "2", "1", "2"],
        ["2026-11-17", "1", "0", "3"],
        ["2026-11-18", "2", "0", "5"],
        ["2026-11-19", "1", "1", "5"],
        ["2026-11-20", "1", "0", "6"],
        ["2026-11-21", "0", "0", "6"],
        ["2026-11-22", "1", "0", "7"],
    ]
    assert chart["labels"][0] == "Mon 16 Nov"  # as the table beside it writes the day
    assert chart["datasets"][2]["data"] == [2, 3, 5, 5, 6, 6, 7]


def test_days_not_summarised_yet_show_no_figures(history):
    later = Period(dt.date(2026, 11, 24), dt.date(2026, 11, 26))
    table, chart = period.trend(period=later)
    assert rows(table)[0][1:] == ["0", "0", "8"]  # today: nothing logged, all eight open
    assert rows(table)[1] == ["2026-11-25", "—", "—", "—"]
    assert chart["datasets"][0]["data"][1:] == [None, None]
    fresh = period.freshness(period=WEEK)
    assert (fresh.days, fresh.missing, fresh.as_of) == (7, 0, NOW)


def test_open_tickets_by_severity_and_sla_state(history):
    table = current.open_by_severity(now=NOW)
    assert rows(table) == [
        # severity, on track, warning, breached, no running clock, total
        ["S1 critical", "0", "0", "1", "0", "1"],
        ["S2 major", "1", "1", "1", "0", "3"],
        ["S3 minor", "1", "1", "0", "2", "4"],
        ["No severity", "0", "0", "0", "0", "0"],
        ["All open tickets", "2", "2", "2", "2", "8"],
    ]


def test_at_risk_list_soonest_deadline_first(history):
    table = current.at_risk(now=NOW)
    assert [row[0] for row in rows(table)] == ["GLBX-4", "ACME-4"]
    assert rows(table)[0][4] == "2026-11-24 12:30"


def test_escalations_and_unassigned_critical_tickets(history):
    assert [row[:2] for row in rows(current.escalation_requests())] == [["ACME-5", "ACME"]]
    escalated = rows(current.escalated_tickets())
    assert [(row[0], row[3]) for row in escalated] == [("ACME-6", "2")]
    assert [row[0] for row in rows(current.unassigned_critical(now=NOW))] == ["ACME-5"]


def test_now_lists_say_how_many_they_leave_out(history, monkeypatch):
    monkeypatch.setattr(current, "NOW_ROWS", 1)
    table = current.at_risk(now=NOW)
    assert len(table.rows) == 1
    assert table.note == "The first 1 of 2 tickets at risk."
