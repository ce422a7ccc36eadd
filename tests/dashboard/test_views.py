"""The dashboard pages: who may open them, their CSV twins, the period filter, the htmx
refresh, the monthly report, and a query budget that does not grow with the data."""

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import StaffRole
from dashboard import period
from dashboard import services as dashboard_services
from dashboard import views as dashboard_views
from sla.models import BusinessCalendar, ClockState
from tests import factories
from tests.dashboard.conftest import History, local
from tickets.models import EscalationRequest, Status, Ticket

pytestmark = pytest.mark.django_db

WEEK_QUERY = "?period=custom&start=2026-11-16&end=2026-11-22"
DASHBOARD_TABLES = [
    "open_by_severity",
    "at_risk",
    "unassigned_s1",
    "escalation_requests",
    "escalated_tickets",
    "compliance",
    "by_tier",
    "by_severity",
    "by_organisation",
    "by_agent",
    "durations",
    "breaches",
    "satisfaction_by_organisation",
    "satisfaction_by_agent",
    "satisfaction_by_severity",
    "satisfaction_by_tier",
    "trend",  # last: the filter's check below reads its CSV
]
ORGANIZATION_TABLES = [
    "open_by_severity",
    "open_tickets",
    "escalation_requests",
    "escalated_tickets",
    "compliance",
    "by_severity",
    "by_agent",
    "durations",
    "breaches",
    "trend",
    "satisfaction_by_severity",
    "satisfaction_by_agent",
]


def urls() -> list[str]:
    return [
        reverse("dashboard"),
        reverse("dashboard_now"),
        reverse("dashboard_export", kwargs={"table": "compliance"}),
        reverse("dashboard_organization", kwargs={"code": "GLBX"}),
        reverse("dashboard_organization_export", kwargs={"code": "GLBX", "table": "breaches"}),
        reverse("dashboard_report", kwargs={"code": "GLBX", "year": 2026, "month": 11}),
        reverse("dashboard_report_csv", kwargs={"code": "GLBX", "year": 2026, "month": 11}),
    ]


# --- Who gets in -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_managers_and_administrators_open_every_dashboard_page(history, client, role):
    client.force_login(getattr(history.personas, role))
    for url in urls():
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["agent", "admin_a", "user_a"])
def test_agents_and_customers_are_refused(history, client, role):
    client.force_login(getattr(history.personas, role))
    for url in urls():
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(history, client):
    for url in urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_a_cem_who_is_no_manager_sees_only_their_own_organisations(history, client):
    cem = factories.StaffFactory(full_name="Cora CEM", staff_role=StaffRole.AGENT)
    history.personas.org_b.cem = cem
    history.personas.org_b.save()
    client.force_login(cem)
    assert client.get(reverse("dashboard")).status_code == 403
    assert client.get(reverse("dashboard_organization", kwargs={"code": "GLBX"})).status_code == 200
    own_report = reverse("dashboard_report", kwargs={"code": "GLBX", "year": 2026, "month": 11})
    assert client.get(own_report).status_code == 200
    for name, kwargs in [
        ("dashboard_organization", {"code": "ACME"}),
        ("dashboard_organization_export", {"code": "ACME", "table": "compliance"}),
        ("dashboard_report", {"code": "ACME", "year": 2026, "month": 11}),
        ("dashboard_report_csv", {"code": "ACME", "year": 2026, "month": 11}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 404, name


def test_unknown_organisation_table_or_future_month_is_not_found(history, client):
    client.force_login(history.personas.manager)
    assert client.get("/dashboard/organisations/NOPE/").status_code == 404
    assert client.get("/dashboard/export/tickets.csv").status_code == 404
    assert client.get("/dashboard/organisations/ACME/export/by_organisation.csv").status_code == 404
    assert client.get("/dashboard/organisations/ACME/report/2026-12/").status_code == 404
    assert client.get("/dashboard/organisations/ACME/report/2026-13/").status_code == 404


def test_the_navigation_offers_the_dashboard_to_managers_only(history, client):
    client.force_login(history.personas.manager)
    assert b'href="/dashboard/"' in client.get(reverse("ticket_list")).content
    client.force_login(history.personas.agent)
    assert b'href="/dashboard/"' not in client.get(reverse("ticket_list")).content


# --- Tables and their CSV --------------------------------------------------------------


# How the product writes an instant ("Fri 20 Nov, 14:41") or a day ("Mon 16 Nov"), with
# the year when it is not the current one.
PRODUCT_WHEN = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}( \d{4})?(, \d{2}:\d{2})?"
)


class _TableText(HTMLParser):
    """The text of each row of the first <table> in a fragment, cell by cell. A <time>
    reads as its datetime in the CSV's form ("2026-11-20 14:41"), so that a page and
    its CSV compare cell by cell; the words the page shows are kept in ``times``."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.done = False
        self.hidden = 0
        self.time: str | None = None
        self.times: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self.cell = []
        elif tag == "span" and ("class", "visually-hidden") in attrs:
            self.hidden += 1
        elif tag == "time" and self.cell is not None:
            value = dict(attrs)["datetime"]
            instant = dt.datetime.fromisoformat(value)
            self.time = f"{instant:%Y-%m-%d %H:%M}" if "T" in value else value
            self.cell.append(self.time)
            self.times.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "time":
            self.time = None
        elif tag == "table":
            self.done = True

    def handle_data(self, data):
        if self.time is not None:
            self.times[-1] += data
        elif self.cell is not None and not self.done:
            self.cell.append(data)


def page_table(html: str, name: str) -> list[list[str]]:
    start = html.index(f'id="table-{name}"')
    parser = _TableText()
    parser.feed(html[html.index("<table", start) :])
    for words in parser.times:
        assert PRODUCT_WHEN.fullmatch(words), f"{name}: {words!r}"
    return parser.rows


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.content.decode())))


# The figures only a CSV carries, after the page's columns: the minutes behind the
# durations a page writes in words.
CSV_ONLY = {
    "durations": ["median_minutes", "p90_minutes"],
    "breaches": ["late_minutes", "still_owed"],
}


def as_on_the_page(name: str, exported: list[list[str]]) -> list[list[str]]:
    """A table's CSV rows without its CSV-only columns, checked to come last."""
    extra = CSV_ONLY.get(name, [])
    if not extra:
        return exported
    assert exported[0][-len(extra) :] == extra, name
    return [row[: -len(extra)] for row in exported]


def test_every_table_on_the_dashboard_matches_its_csv(history, client):
    client.force_login(history.personas.manager)
    html = client.get(reverse("dashboard") + WEEK_QUERY).content.decode()
    for name in DASHBOARD_TABLES:
        link = f"/dashboard/export/{name}.csv{WEEK_QUERY}".replace("&", "&amp;")
        assert f'href="{link}"' in html, name
        exported = csv_rows(client.get(f"/dashboard/export/{name}.csv{WEEK_QUERY}"))
        assert page_table(html, name) == as_on_the_page(name, exported), name
    # The filter reached both: the week's compliance, not the last 30 days'.
    assert exported[1:3] == [["2026-11-16", "2", "1", "2"], ["2026-11-17", "1", "0", "3"]]


def test_every_table_of_an_organisation_matches_its_csv(history, client):
    client.force_login(history.personas.manager)
    html = client.get("/dashboard/organisations/ACME/" + WEEK_QUERY).content.decode()
    for name in ORGANIZATION_TABLES:
        exported = csv_rows(
            client.get(f"/dashboard/organisations/ACME/export/{name}.csv{WEEK_QUERY}")
        )
        assert page_table(html, name) == as_on_the_page(name, exported), name
    compliance = csv_rows(
        client.get(f"/dashboard/organisations/ACME/export/compliance.csv{WEEK_QUERY}")
    )
    assert compliance[-1] == ["All targets", "5", "3", "2", "60.0"]


def test_the_breach_csv_holds_every_breach_of_the_period(history, client, monkeypatch):

    monkeypatch.setattr(period, "BREACH_ROWS", 1)
    client.force_login(history.personas.manager)
    html = client.get(reverse("dashboard") + WEEK_QUERY).content.decode()
    assert len(page_table(html, "breaches")) == 2  # heading and one row
    assert "The latest 1 of 3 breaches; the CSV has them all." in html
    assert len(csv_rows(client.get(f"/dashboard/export/breaches.csv{WEEK_QUERY}"))) == 4


def test_pages_write_dates_the_products_way_while_csvs_keep_iso_text(history, client):
    client.force_login(history.personas.manager)
    html = client.get(reverse("dashboard") + WEEK_QUERY).content.decode()
    # c5's update deadline, Friday 17:00 in Budapest: words on the page, ISO in the CSV.
    assert '<time datetime="2026-11-20T17:00:00+01:00">Fri 20 Nov, 17:00</time>' in html
    assert '<time datetime="2026-11-16">Mon 16 Nov</time>' in html
    assert "2026-11-20 17:00" not in html
    breaches = csv_rows(client.get(f"/dashboard/export/breaches.csv{WEEK_QUERY}"))
    assert breaches[1][:6] == ["GLBX-1", "GLBX", "Update", "S2", "2026-11-20 17:00", "not yet"]
    trend = csv_rows(client.get(f"/dashboard/export/trend.csv{WEEK_QUERY}"))
    assert trend[1][0] == "2026-11-16"
    # "ACME-44" is one word in a table: never "ACME-" above "44".
    assert '<a href="/tickets/GLBX-1/" class="text-nowrap">GLBX-1</a>' in html


def test_monthly_report_matches_its_csv_section_by_section(history, client):
    client.force_login(history.personas.manager)
    response = client.get("/dashboard/organisations/ACME/report/2026-11/")
    html = response.content.decode()
    assert "Acme Manufacturing — November 2026" in html
    exported = csv_rows(client.get("/dashboard/organisations/ACME/report/2026-11.csv"))
    sections: dict[str, list[list[str]]] = {}
    title = None
    for row in exported:
        if len(row) == 1:
            title, sections[row[0]] = row[0], []
        elif row:
            sections[title].append(row)
    names = {
        "Summary": "summary",
        "Targets met on time": "compliance",
        "By severity": "by_severity",
        "Response and resolution times, in open time": "durations",
        "Breaches, the latest first": "breaches",
        "Escalation requests": "escalations",
        "Customer satisfaction": "satisfaction",
        "Tickets logged": "tickets",
        "Intake and backlog per day": "trend",
    }
    assert list(sections) == list(names)
    for title, name in names.items():
        assert page_table(html, name) == as_on_the_page(name, sections[title]), title
    # ACME in November: O1 and T1-T5 logged, T1 and T2 resolved, four open today.
    assert sections["Summary"][1:4] == [
        ["Tickets logged", "6"],
        ["Tickets resolved", "2"],
        ["Open at the end of the period", "4"],
    ]
    assert [row[0] for row in sections["Tickets logged"][1:]] == [
        "ACME-1",
        "ACME-2",
        "ACME-3",
        "ACME-4",
        "ACME-5",
        "ACME-6",
    ]


def test_report_prints_without_the_site_chrome(history, client):
    client.force_login(history.personas.manager)
    html = client.get("/dashboard/organisations/ACME/report/2026-11/").content.decode()
    assert "data-print" in html and 'class="d-flex gap-2 no-print"' in html
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert "@media print" in css and ".no-print" in css


# --- Filters and refresh ---------------------------------------------------------------


def test_presets_and_a_custom_period(history, client):
    client.force_login(history.personas.manager)
    html = client.get(reverse("dashboard") + "?period=week").content.decode()
    assert "Showing 23 Nov 2026 – 24 Nov 2026" in html
    html = client.get(reverse("dashboard") + "?period=quarter").content.decode()
    assert "Showing 1 Oct 2026 – 24 Nov 2026" in html
    html = client.get(reverse("dashboard")).content.decode()
    assert "Showing 26 Oct 2026 – 24 Nov 2026" in html
    html = client.get(reverse("dashboard") + WEEK_QUERY).content.decode()
    assert "Showing 16 Nov 2026 – 22 Nov 2026" in html


def test_a_custom_period_that_ends_before_it_starts_is_refused(history, client):
    client.force_login(history.personas.manager)
    response = client.get(reverse("dashboard") + "?period=custom&start=2026-11-20&end=2026-11-01")
    html = response.content.decode()
    assert "The period cannot end before it starts." in html
    assert "Showing 26 Oct 2026 – 24 Nov 2026" in html


def test_now_section_refreshes_itself_every_30_seconds(history, client):
    client.force_login(history.personas.manager)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'hx-get="/dashboard/now/" hx-trigger="every 30s" hx-swap="outerHTML"' in html
    response = client.get(reverse("dashboard_now"), headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="now"')
    assert "<html" not in fragment
    assert 'hx-trigger="every 30s"' in fragment
    assert page_table(fragment, "at_risk")[1][0] == "GLBX-4"


def test_now_section_is_shared_by_managers_until_a_ticket_changes(history, client, shared_cache):
    from tickets import services

    client.force_login(history.personas.manager)
    with CaptureQueriesContext(connection) as computed:
        first = client.get(reverse("dashboard_now")).content.decode()
    # Another manager polls: the same tables, from the cache, as of the first view.
    client.force_login(factories.ManagerFactory(full_name="Nora Night-shift"))
    with CaptureQueriesContext(connection) as shared:
        again = client.get(reverse("dashboard_now")).content.decode()
    assert len(computed) - len(shared) == len(dashboard_views.NOW_TABLES)
    assert page_table(again, "at_risk") == page_table(first, "at_risk")
    assert page_table(again, "unassigned_s1") == page_table(first, "unassigned_s1")
    # A change through the services: computed again at once.
    glbx_4 = Ticket.objects.get(reference="GLBX-4")
    newcomer = factories.StaffFactory(full_name="Nils Newcomer")
    services.ticket_assign(history.personas.agent, ticket=glbx_4, assignee=newcomer)
    with CaptureQueriesContext(connection) as changed:
        html = client.get(reverse("dashboard_now")).content.decode()
    assert len(changed) == len(computed)
    # Its deadline came from its clocks again: GLBX-4 is no longer at risk.
    assert page_table(first, "at_risk")[1][0] == "GLBX-4"
    assert "GLBX-4" not in {row[0] for row in page_table(html, "at_risk")}


def test_on_call_agent_is_named(history, client):
    from notifications.models import OnCallShift

    OnCallShift.objects.create(
        user=history.personas.agent,
        starts_at=local(24, 8),
        ends_at=local(24, 20),
    )
    client.force_login(history.personas.manager)
    assert "Agnes Agent" in client.get(reverse("dashboard_now")).content.decode()


def test_charts_get_their_data_as_json_script(history, client):
    client.force_login(history.personas.manager)
    html = client.get(reverse("dashboard") + WEEK_QUERY).content.decode()
    for chart in ("chart-compliance", "chart-by-severity", "chart-trend"):
        assert f'<canvas data-chart="{chart}" role="img"' in html
        assert f'<script id="{chart}" type="application/json">' in html
    assert "<details" in html and "Data table: intake and backlog per day" in html
    assert "<script>" not in html  # nothing inline: the CSP forbids it


# --- Query budget ----------------------------------------------------------------------


def _grow(history, count: int) -> None:
    """More of everything the pages list and count, then the summaries again."""
    acme, glbx, agent = history.personas.org_a, history.personas.org_b, history.personas.agent
    for n in range(count):
        organization = acme if n % 2 else glbx
        ticket = history.ticket(
            f"X{n}",
            organization,
            created_at=local(17 + n % 5, 10),
            severity=["S1", "S2", "S3"][n % 3],
            status=Status.IN_PROGRESS,
            assignee=agent if n % 3 else None,
            escalation_level=n % 2,
            sla_breached=n % 4 == 0,
            sla_due_at=local(24, 13),
            sla_warn_at=local(24, 11),
        )
        history.clock(
            f"x{n}",
            ticket,
            "first_response",
            "vendor",
            state=ClockState.BREACHED,
            started_at=local(17 + n % 5, 10),
            due_at=local(18 + n % 5, 9),
            breached_at=local(18 + n % 5, 9),
        )
        EscalationRequest.objects.create(
            ticket=ticket,
            organization=organization,
            requested_by=history.personas.admin_a,
            reason="Please hurry.",
        )
    dashboard_services.summaries_refresh(first=dt.date(2026, 11, 1), last=dt.date(2026, 11, 24))


PAGES = [
    reverse("dashboard") + WEEK_QUERY,
    reverse("dashboard_now"),
    reverse("dashboard_organization", kwargs={"code": "ACME"}) + WEEK_QUERY,
    reverse("dashboard_report", kwargs={"code": "ACME", "year": 2026, "month": 11}),
    reverse("dashboard_report_csv", kwargs={"code": "ACME", "year": 2026, "month": 11}),
    reverse("dashboard_export", kwargs={"table": "breaches"}) + WEEK_QUERY,
]
BUDGET = 30


@pytest.mark.parametrize("url", PAGES)
def test_pages_make_the_same_few_queries_whatever_the_rows(
    history, client, django_assert_num_queries, url
):
    client.force_login(history.personas.manager)
    client.get(url)  # warm the caches a first request fills (sessions, content types)
    cache.clear()  # the period's figures computed, not read from the cache
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    assert len(small) <= BUDGET
    _grow(history, 25)
    cache.clear()
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200


def test_period_figures_are_computed_once_per_summary_refresh(
    history, client, django_assert_num_queries, shared_cache
):
    client.force_login(history.personas.manager)
    url = reverse("dashboard") + WEEK_QUERY
    client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as computed:
        first = client.get(url)
    if shared_cache:  # in the shared Redis, where every web process finds them
        import redis

        assert redis.Redis.from_url(shared_cache).keys("*dashboard-period*")
    # Read again until the next refresh: the live "now" section and the freshness only.
    with CaptureQueriesContext(connection) as cached:
        again = client.get(url)
    assert len(cached) < len(computed) - 5
    assert _tables(again) == _tables(first)

    _grow(history, 25)  # more breaches, then the summaries refreshed

    grown = _tables(client.get(url))
    assert grown["compliance"] != _tables(first)["compliance"]
    assert len(grown["breaches"]) > len(_tables(first)["breaches"])


PERIOD_TABLES = ["compliance", "by_tier", "by_severity", "by_organisation", "by_agent"]
PERIOD_TABLES += ["durations", "breaches", "trend"]


def _tables(response) -> dict[str, list[list[str]]]:
    html = response.content.decode()
    return {name: page_table(html, name) for name in PERIOD_TABLES}


# --- Lateness of a target still owed ---------------------------------------------------

FRIDAY_CLOSE = local(4, 17, month=12)  # Friday 4 December 2026, 17:00 in Budapest
DECEMBER_WEEK = "?period=custom&start=2026-11-30&end=2026-12-06"


@pytest.fixture
def owed_since_friday(personas, contracts) -> History:
    """Two first responses due at 17:00 on Friday 4 December and still owed: GLBX-1's on
    the vendor's business hours (Monday to Friday 09:00-17:00), ACME-1's around the
    clock. Built as the sweep leaves them: the clock breached and not met, the ticket's
    deadline the one it still owes."""
    h = History(personas=personas, contracts=contracts)
    h.calendars = {
        "vendor": BusinessCalendar.objects.get(name="Vendor business hours"),
        "24x7": BusinessCalendar.objects.get(name="24x7"),
    }
    for name, organization, calendar in (
        ("G", personas.org_b, "vendor"),
        ("A", personas.org_a, "24x7"),
    ):
        ticket = h.ticket(
            name,
            organization,
            created_at=local(3, 10, month=12),
            severity="S2",
            status=Status.IN_PROGRESS,
            sla_due_at=FRIDAY_CLOSE,
            sla_breached=True,
        )
        h.clock(
            name,
            ticket,
            "first_response",
            calendar,
            state=ClockState.BREACHED,
            started_at=local(3, 10, month=12),
            due_at=FRIDAY_CLOSE,
            breached_at=FRIDAY_CLOSE,
        )
    return h


def _late_by(client) -> tuple[dict[str, str], dict[str, str]]:
    """The breach table's "Late by" on the page and late_minutes in its CSV, by ticket."""
    html = client.get(reverse("dashboard") + DECEMBER_WEEK).content.decode()
    page = {row[0]: row[6] for row in page_table(html, "breaches")[1:]}
    exported = csv_rows(client.get(f"/dashboard/export/breaches.csv{DECEMBER_WEEK}"))
    column = exported[0].index("late_minutes")
    return page, {row[0]: row[column] for row in exported[1:]}


def test_late_by_counts_the_open_time_since_the_deadline_while_still_owed(
    owed_since_friday, client, time_machine
):
    """On Monday at 11:30: 2 h 30 min of business hours since Friday's close; around
    the clock, 2 days 18 h 30 min (3,990 minutes)."""
    time_machine.move_to(local(7, 11, 30, month=12), tick=False)
    client.force_login(owed_since_friday.personas.manager)
    page, minutes = _late_by(client)
    assert page == {"GLBX-1": "2 h 30 min, still owed", "ACME-1": "2 days 18 h, still owed"}
    assert minutes == {"GLBX-1": "150", "ACME-1": "3990"}


def test_over_the_weekend_business_hours_lateness_waits_for_the_opening(
    owed_since_friday, client, time_machine
):
    """On Sunday at noon no business hour has passed since Friday's close: the page says
    so rather than "0 min"; around the clock it is 1 day 19 h (2,580 minutes)."""
    time_machine.move_to(local(6, 12, month=12), tick=False)
    client.force_login(owed_since_friday.personas.manager)
    page, minutes = _late_by(client)
    assert page == {
        "GLBX-1": "none yet in business hours, still owed",
        "ACME-1": "1 day 19 h, still owed",
    }
    assert minutes == {"GLBX-1": "0", "ACME-1": "2580"}


def test_the_ticket_page_says_how_late_in_words(owed_since_friday, client, time_machine):
    time_machine.move_to(local(7, 11, 30, month=12), tick=False)
    client.force_login(owed_since_friday.personas.manager)
    html = client.get(reverse("ticket_detail", kwargs={"reference": "GLBX-1"})).content.decode()
    assert "Breached by 2 h 30 min, still owed" in html
    assert "First response overdue since Fri 4 Dec, 17:00 CET</strong>, late by 2 h 30 min." in html
    # Once met, the final lateness as stored: 1 business day 2 h (600 open minutes).
    owed_since_friday.clocks["G"].met_at = local(8, 11, month=12)
    owed_since_friday.clocks["G"].late_minutes = 600
    owed_since_friday.clocks["G"].save()
    html = client.get(reverse("ticket_detail", kwargs={"reference": "GLBX-1"})).content.decode()
    assert "Breached by 1 business day 2 h</span>" in html
    assert "overdue since" not in html
