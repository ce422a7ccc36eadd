"""A customer administrator's own monthly service report: the manager's figures for their
organisation, in the portal's words, printable and as CSV; nobody else's."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.dashboard.conftest import local
from tests.dashboard.test_views import _grow, csv_rows, page_table
from tickets.models import Status, Ticket
from tickets.wording import CUSTOMER_STATUS_NAMES

REPORT = "/dashboard/service-report/2026-11/"
REPORT_CSV = "/dashboard/service-report/2026-11.csv"


def _sections(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    title = ""
    for row in rows:
        if len(row) == 1:
            title, sections[row[0]] = row[0], []
        elif row:
            sections[title].append(row)
    return sections


def test_a_customer_administrator_reads_the_managers_figures_in_the_portals_words(history, client):
    client.force_login(history.personas.admin_a)
    response = client.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Manufacturing — November 2026" in html
    assert page_table(html, "summary") == [
        ["Figure", "Value"],
        ["Tickets logged", "6"],
        ["Tickets resolved", "2"],
        ["Open at the end of the period", "4"],
        ["Targets settled", "5"],
        ["Targets met on time, %", "60.0"],
        ["Breaches", "2"],
        ["Satisfaction answers", "3"],
        ["Satisfaction, good %", "33.3"],
    ]
    # Triage is internal: the customer reads the acknowledgement it leads to.
    compliance = page_table(html, "compliance")
    assert compliance[1] == ["Acknowledgement", "1", "0", "1", "0.0"]
    assert compliance[-1] == ["All targets", "5", "3", "2", "60.0"]
    assert page_table(html, "by_severity")[0][4] == "Acknowledgement %"
    # Statuses under the names the portal gives them.
    assert [row[3] for row in page_table(html, "tickets")[1:]] == [
        "In progress",
        "Closed",
        "Resolved: please confirm",
        "In progress",
        "Received",
        "In progress",
    ]
    assert [row[0] for row in page_table(html, "breaches")[1:]] == ["ACME-6", "ACME-5"]
    assert [row[3] for row in page_table(html, "satisfaction")[1:]] == ["Bad", "Good", "Bad"]
    # Another organisation's tickets are in no table.
    assert "GLBX" not in html and "Globex" not in html


def test_the_same_figures_as_the_managers_report_for_that_organisation(history, client):
    client.force_login(history.personas.manager)
    managers = client.get("/dashboard/organisations/ACME/report/2026-11/").content.decode()
    client.force_login(history.personas.admin_a)
    customers = client.get(REPORT).content.decode()
    for name in ("summary", "durations", "escalations", "satisfaction", "trend"):
        assert page_table(customers, name) == page_table(managers, name), name
    # The figures of each target, whatever its name.
    strip = lambda rows: [row[1:] for row in rows[1:]]  # noqa: E731
    assert strip(page_table(customers, "compliance")) == strip(page_table(managers, "compliance"))


def test_the_csv_has_each_section_of_the_page(history, client):
    client.force_login(history.personas.admin_a)
    response = client.get(REPORT_CSV)
    assert response["Content-Disposition"] == (
        'attachment; filename="service-report-ACME-2026-11.csv"'
    )
    sections = _sections(csv_rows(response))
    assert list(sections) == [
        "Summary",
        "Targets met on time",
        "By severity",
        "Response and resolution times, in open time",
        "Breaches, the latest first",
        "Escalation requests",
        "Customer satisfaction",
        "Tickets logged",
        "Intake and backlog per day",
    ]
    assert sections["Summary"][1:4] == [
        ["Tickets logged", "6"],
        ["Tickets resolved", "2"],
        ["Open at the end of the period", "4"],
    ]
    assert sections["Targets met on time"][1] == ["Acknowledgement", "1", "0", "1", "0.0"]
    assert sections["Breaches, the latest first"][1:] == [
        ["ACME-6", "ACME", "First response", "S2", "2026-11-19 17:00", "2026-11-20 11:00"]
        + ["2 h", "Agnes Agent", "120", "no"],
        ["ACME-5", "ACME", "Acknowledgement", "S1", "2026-11-18 02:15", "2026-11-18 02:45"]
        + ["30 min", "Unassigned", "30", "no"],
    ]
    assert sections["Tickets logged"][5] == [
        "ACME-5",
        "Ticket T4",
        "S1",
        "Received",
        "2026-11-18 02:00",
        "—",
        "—",
    ]
    assert sections["Customer satisfaction"][1] == [
        "ACME-1",
        "2026-11-13 09:00",
        "Alice Admin",
        "Bad",
        "Bad work on ACME-1.",
    ]


def test_each_administrator_reads_only_their_own_organisations_report(history, client):
    client.force_login(history.personas.admin_b)
    html = client.get(REPORT).content.decode()
    assert "Globex Logistics — November 2026" in html
    assert "ACME" not in html and "Acme" not in html
    assert "ACME" not in client.get(REPORT_CSV).content.decode()


@pytest.mark.parametrize("persona", ["user_a", "agent", "manager", "administrator"])
def test_nobody_but_a_customer_administrator_opens_it(history, client, persona):
    client.force_login(getattr(history.personas, persona))
    for url in (reverse("customer_report_latest"), REPORT, REPORT_CSV):
        assert client.get(url).status_code == 403, url


def test_signed_out_people_are_asked_to_sign_in(history, client):
    response = client.get(REPORT)
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_only_customer_administrators_find_it_in_the_navigation(history, client):
    client.force_login(history.personas.admin_a)
    html = client.get(reverse("portal_home")).content.decode()
    assert 'href="/dashboard/service-report/">Service report</a>' in html
    client.force_login(history.personas.user_a)
    assert "/dashboard/service-report/" not in client.get(reverse("portal_home")).content.decode()


def test_it_prints_without_the_site_chrome(history, client):
    client.force_login(history.personas.admin_a)
    html = client.get(REPORT).content.decode()
    assert (
        "data-print" in html and 'class="d-flex flex-wrap align-items-end gap-2 no-print"' in html
    )
    assert "js/dashboard" in html  # the script that prints on the button


# --- The month picker ------------------------------------------------------------------


@pytest.fixture
def since_september(history):
    """ACME's first ticket logged in September: its reports go back to that month."""
    history.ticket(
        "S0",
        history.personas.org_a,
        created_at=local(15, 10, month=9),
        severity="S3",
        status=Status.CLOSED,
    )
    return history


def test_the_picker_offers_each_month_back_to_the_first_ticket(since_september, client):
    client.force_login(since_september.personas.admin_a)
    html = client.get(REPORT).content.decode()
    assert (
        '<option value="2026-11" selected>November 2026</option>'
        '<option value="2026-10">October 2026</option>'
        '<option value="2026-09">September 2026</option>'
    ) in html
    assert client.get("/dashboard/service-report/2026-09/").status_code == 200
    latest = reverse("customer_report_latest")
    assert client.get(latest)["Location"] == REPORT
    assert client.get(f"{latest}?month=2026-10")["Location"] == "/dashboard/service-report/2026-10/"


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/service-report/2026-08/",  # before the first ticket
        "/dashboard/service-report/2026-08.csv",
        "/dashboard/service-report/2026-12/",  # not yet begun
        "/dashboard/service-report/2027-01.csv",
        "/dashboard/service-report/2026-13/",
        "/dashboard/service-report/2026-00/",
        "/dashboard/service-report/0000-01/",
        "/dashboard/service-report/9999-12.csv",
        "/dashboard/service-report/?month=2026-08",
        "/dashboard/service-report/?month=2026-12",
        "/dashboard/service-report/?month=9999-99",
        "/dashboard/service-report/?month=2026-11%27%3B--",
        "/dashboard/service-report/?month=" + "9" * 5000,
        "/dashboard/service-report/?month=-1",
    ],
)
def test_a_month_outside_the_organisations_reports_is_a_404(since_september, client, url):
    client.force_login(since_september.personas.admin_a)
    assert client.get(url).status_code == 404


# --- Query budget ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [REPORT, REPORT_CSV])
def test_the_report_makes_the_same_few_queries_whatever_the_rows(
    history, client, django_assert_num_queries, url
):
    client.force_login(history.personas.admin_a)
    client.get(url)  # warm the caches a first request fills (sessions, content types)
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    assert len(small) <= 30
    _grow(history, 25)
    cache.clear()
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    # ACME's six tickets and the twelve more of the grown history, in the same queries.
    assert response.content.decode().count("ACME-") > 18


def test_a_hungarian_administrator_reads_it_in_hungarian(history, client):
    admin = history.personas.admin_a
    admin.language = "hu"
    admin.save()
    client.force_login(admin)
    html = client.get(REPORT).content.decode()
    assert "Az Önök havi szolgáltatási jelentése" in html
    assert ">Szolgáltatási jelentés</a>" in html  # the navigation
    assert '<label for="report-month" class="form-label small mb-1">Hónap</label>' in html
    # The portal's names of a target and a status, in Hungarian.
    assert "<td>Visszaigazolás</td>" in html
    with translation.override("hu"):
        received = str(CUSTOMER_STATUS_NAMES[Status.NEW])
    assert received != "Received" and f"<td>{received}</td>" in html


def test_the_reports_tickets_are_read_from_the_organisations_index_of_their_dates(history, client):
    """The month's tickets of one organisation, and its S1 tickets open at the month's
    end, through (organisation, logged) with the rest included: without that index the
    list read the search index's dates of every organisation (0.85 s at a million
    tickets) and the count every ticket the organisation ever logged (0.12 s). Which
    index a plan takes depends on the table's size (bench/run.py shows it at a million
    tickets); here, that the index leads with what both statements bound, and that the
    count reads no column beyond it."""
    client.force_login(history.personas.admin_a)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(REPORT).status_code == 200
    tickets = [q["sql"] for q in captured.captured_queries if ' FROM "tickets_ticket" ' in q["sql"]]
    listed = next(sql for sql in tickets if 'ORDER BY "tickets_ticket"."created_at"' in sql)
    counted = next(sql for sql in tickets if "'S1'" in sql and "COUNT(" in sql)
    index = next(i for i in Ticket._meta.indexes if i.name == "ticket_org_created_idx")
    columns = {"organization_id", "created_at", *index.include}

    assert index.fields == ["organization", "created_at"]
    for sql in (listed, counted):
        where = sql.split(' FROM "tickets_ticket" WHERE ', 1)[1]
        assert '"tickets_ticket"."organization_id" = ' in where
        assert '"tickets_ticket"."created_at" < ' in where
    assert set(re.findall(r'"tickets_ticket"\."(\w+)"', counted)) <= columns, counted
