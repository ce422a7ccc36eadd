"""The headline figures that the dashboard, an organisation's page and the reports open
with, on the week of tests/dashboard/conftest.py (16-22 November 2026) compared with the
week before (9-15 November), worked out by hand:

- targets met on time: 5 of 8 settled, 62.5 %; breaches: 3 (test_compliance.py);
- median first response: 30, 50, 60, 120, 180, 1080 open minutes: 90, "1 h 30 min";
- open S1 tickets now: T4 (new) alone; T1 is closed;
- satisfaction: 2 good, 1 bad: 66.7 %; the week before, O1's one bad answer: 0.0 %.
"""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from dashboard import headline
from dashboard import views as dashboard_views
from dashboard.tables import Period
from sla.models import ClockState
from tests.dashboard.conftest import NOW, WEEK, local
from tests.dashboard.test_views import WEEK_QUERY
from tickets.models import Status

pytestmark = pytest.mark.django_db

NAMES = ["targets_met", "breaches", "first_response", "open_s1", "satisfaction"]


def _figures(period: Period = WEEK, organization=None) -> dict[str, headline.Figure]:
    f = dashboard_views.Filters(period, NOW, organization)
    raw = dashboard_views._period_figures(f, [])[2]
    table = dashboard_views.TABLES["open_by_severity"](f)
    found = headline.figures(
        raw,
        period=period,
        open_s1=headline.open_critical(table),
        open_s1_covers=headline.now_words(NOW),
    )
    assert [figure.name for figure in found] == NAMES
    return {figure.name: figure for figure in found}


def test_the_previous_period_of_each_kind_of_period():
    assert WEEK.previous == Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert Period.month(2026, 1).previous == Period.month(2025, 12)
    assert Period.month(2026, 3).previous == Period.month(2026, 2)
    tuesday = dt.date(2026, 11, 24)
    week = Period.preset("week", tuesday)
    # Monday and Tuesday of this week, against the same two days of the week before.
    assert (week.previous.first, week.previous.last) == (WEEK.first, dt.date(2026, 11, 17))
    quarter = Period.preset("quarter", tuesday)  # 1 October to 24 November: 55 days
    assert (quarter.previous.first, quarter.previous.last) == (
        dt.date(2026, 7, 1),
        dt.date(2026, 8, 24),
    )
    thirty = Period.preset("30d", tuesday)
    assert thirty.previous.last == thirty.first - dt.timedelta(days=1)
    assert len(thirty.previous.days) == 30


def test_headline_figures_on_the_known_week(history):
    figures = _figures()

    met = figures["targets_met"]
    assert (met.label, met.value, met.covers) == ("Targets met on time", "62.5\xa0%", WEEK.label)
    assert met.detail == "5 of 8 settled targets"
    # Nothing was settled the week before: nothing to compare with, and no arrow.
    assert met.trend == "" and met.comparison.startswith("No figures for the previous period")
    assert (figures["breaches"].value, figures["breaches"].trend) == ("3", "")
    response = figures["first_response"]
    assert (response.value, response.detail) == ("1 h 30 min", "6 first responses, in open time")
    open_s1 = figures["open_s1"]
    assert (open_s1.value, open_s1.covers) == ("1", "Now, Tue 24 Nov, 12:00")
    score = figures["satisfaction"]
    assert score.value == "66.7\xa0%"
    assert score.detail == "2 good and 1 bad, of 3 answers"
    assert (score.trend, score.better, score.verdict) == ("up", True, "Better.")
    assert score.comparison == "Up 66.7 points from 0.0\xa0% in the previous period."


def test_headline_compares_with_the_week_before(history):
    """The week before gets two settled first responses, one met in 45 open minutes, one
    breached and still owed, and a good answer beside O1's bad one."""
    acme = history.personas.org_a
    ticket = history.ticket(
        "P1", acme, created_at=local(9, 10), severity="S2", status=Status.IN_PROGRESS
    )
    history.clock(
        "p1",
        ticket,
        "first_response",
        "vendor",
        state=ClockState.MET,
        started_at=local(9, 10),
        due_at=local(10, 17),
        met_at=local(10, 10),
        elapsed_open_minutes=45,
    )
    history.clock(
        "p2",
        ticket,
        "first_response",
        "vendor",
        state=ClockState.BREACHED,
        started_at=local(10, 10),
        due_at=local(11, 17),
        breached_at=local(11, 17),
    )
    from surveys.models import SatisfactionSurvey

    SatisfactionSurvey.objects.create(
        ticket=ticket,
        organization=acme,
        respondent=ticket.requester,
        rating="good",
        answered_at=local(12, 9),
        updated_at=local(12, 9),
    )
    history.summarise()

    figures = _figures()

    met = figures["targets_met"]
    assert (met.trend, met.better) == ("up", True)
    assert met.comparison == "Up 12.5 points from 50.0\xa0% in the previous period."
    breaches = figures["breaches"]
    assert (breaches.trend, breaches.better, breaches.verdict) == ("up", False, "Worse.")
    assert breaches.comparison == "Up 2 from 1 in the previous period."
    response = figures["first_response"]
    assert (response.trend, response.better) == ("up", False)
    assert response.comparison == "Longer than the 45 min of the previous period."
    score = figures["satisfaction"]
    assert (score.trend, score.better) == ("up", True)
    assert score.comparison == "Up 16.7 points from 50.0\xa0% in the previous period."
    # The open S1 tickets are now's: nothing to compare them with on the dashboard.
    assert figures["open_s1"].trend == ""


def test_an_empty_period_has_dashes_and_says_why(history):
    october = Period(dt.date(2026, 10, 5), dt.date(2026, 10, 11))
    figures = _figures(october)

    for name in ("targets_met", "first_response", "satisfaction"):
        assert figures[name].value == "—", name
        assert figures[name].trend == "" and figures[name].comparison == "", name
    assert figures["targets_met"].detail == "No target settled in this period."
    assert figures["first_response"].detail == "No first response in this period."
    assert figures["satisfaction"].detail == "No survey answered in this period."
    assert figures["breaches"].value == "0"
    assert figures["open_s1"].value == "1"  # open now, whatever the period


def test_one_organisations_headline(history):
    figures = _figures(organization=history.personas.org_b)
    # GLBX: first responses c6 and c12 met, update c5 breached.
    assert figures["targets_met"].value == "66.7\xa0%"
    assert figures["breaches"].value == "1"
    assert figures["first_response"].value == "40 min"
    assert figures["open_s1"].value == "0"
    assert figures["satisfaction"].value == "100.0\xa0%"


def test_headline_in_hungarian(history):
    with translation.override("hu"):
        figures = _figures()
    assert figures["targets_met"].label == "Időben teljesített célok"
    assert figures["targets_met"].value == "62,5\xa0%"
    assert figures["open_s1"].covers == "Most, nov. 24. (kedd) 12:00"
    assert (
        figures["satisfaction"].comparison
        == "66,7 százalékponttal több, mint az előző időszakban (0,0\xa0%)."
    )


def _headline_html(response) -> str:
    html = response.content.decode()
    return html[html.index('id="headline"') : html.index("</section>", html.index('id="headline"'))]


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard") + WEEK_QUERY,
        reverse("dashboard_organization", kwargs={"code": "ACME"}) + WEEK_QUERY,
        reverse("dashboard_report", kwargs={"code": "ACME", "year": 2026, "month": 11}),
    ],
)
def test_every_page_opens_with_the_one_headline_partial(history, client, url):
    client.force_login(history.personas.manager)
    response = client.get(url)

    html = response.content.decode()
    assert "dashboard/headline.html" in [t.name for t in response.templates]
    assert html.count('id="headline"') == 1
    assert html.index('id="headline"') < html.index("<table")
    section = _headline_html(response)
    for name in NAMES:
        assert f'data-testid="headline-{name}"' in section, name
    assert "compared with the previous period" in section


def test_the_customers_report_opens_with_the_headline(history, client):
    client.force_login(history.personas.admin_a)
    response = client.get(reverse("customer_report", kwargs={"year": 2026, "month": 11}))

    section = _headline_html(response)
    assert 'data-testid="headline-open_s1"' in section
    # November is still running on the 24th: its open S1 tickets are now's, compared
    # with those open at the end of October (none).
    assert "Now, Tue 24 Nov, 12:00" in section
    assert "Up 1 from 0 in the previous period." in section
    assert re.search(r'bi-arrow-up" aria-hidden="true"></i> Up 1 from 0', section)


def test_the_headline_costs_the_dashboard_no_query(history, client, django_assert_num_queries):
    """The headline's figures come from the period's queries and the live table: the
    dashboard makes as many queries as it did before it had a headline, computed or
    read from the cache."""
    client.force_login(history.personas.manager)
    url = reverse("dashboard") + WEEK_QUERY
    client.get(url)  # warm the session and the content types
    cache.clear()
    with django_assert_num_queries(COMPUTED):
        client.get(url)
    with django_assert_num_queries(CACHED):
        client.get(url)


# The dashboard's queries with the period's figures computed, and read from the cache:
# the same as before the headline.
COMPUTED = 22  # 23 until the trend read its own totals, without the summary days
CACHED = 5


def test_the_previous_periods_median_is_the_same_from_summaries_clocks_and_sqlites_fallback(
    history, monkeypatch
):
    """A first response met in each week: the previous period's figures, and this one's
    left as they were, come from the daily histograms for every organisation, and agree
    between percentile_cont and the Python fallback over one organisation's clocks."""
    ticket = history.tickets["T2"]
    history.clock(
        "p1",
        ticket,
        "first_response",
        "vendor",
        state=ClockState.MET,
        started_at=local(9, 10),
        due_at=local(10, 17),
        met_at=local(10, 10),
        elapsed_open_minutes=45,
    )
    history.summarise()
    from django.db import connection

    from dashboard import durations

    summarised = durations.durations(period=WEEK, previous=WEEK.previous)
    assert summarised[1] == ((6, 90.0, 630.0), (1, 45.0, 45.0))
    assert durations.durations(period=WEEK)[1] == ((6, 90.0, 630.0), None)

    acme = history.personas.org_a
    on_postgresql = durations.durations(period=WEEK, organization=acme, previous=WEEK.previous)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    in_python = durations.durations(period=WEEK, organization=acme, previous=WEEK.previous)

    assert on_postgresql[1] == in_python[1]
    assert on_postgresql[1][1] == (1, 45.0, 45.0)
    assert on_postgresql[0].rows == in_python[0].rows
    # The histograms need no percentile_cont: the same figures on SQLite.
    assert durations.durations(period=WEEK, previous=WEEK.previous)[1] == summarised[1]
