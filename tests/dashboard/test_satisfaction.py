"""Customer satisfaction on the dashboard (dashboard.satisfaction): good / (good + bad)
over the period, by organisation, agent, severity and tier, with exact figures from the
history of tests/dashboard/conftest.py: in the week of 16-22 November, T1 (ACME, S1,
Privilege, Agnes) good, T2 (ACME, S2, Privilege, Agnes) bad, G2 (GLBX, S3, Standard,
unassigned) good; O1's answer is from the Friday before, G3's from the next Monday."""

import pytest
from django.urls import reverse

from dashboard import satisfaction
from tests.dashboard.conftest import WEEK
from tests.dashboard.test_views import WEEK_QUERY, csv_rows, page_table

pytestmark = pytest.mark.django_db

HEADER = ["Answers", "Good", "Bad", "Good, %"]


def test_the_score_is_the_share_of_good_answers_in_the_period(history):
    figures = satisfaction.satisfaction(period=WEEK)
    total = figures.total
    assert (total.good, total.bad, total.percent) == (2, 1, "66.7")
    acme = satisfaction.satisfaction(period=WEEK, organization=history.personas.org_a).total
    assert (acme.good, acme.bad, acme.percent) == (1, 1, "50.0")


def test_a_period_without_answers_has_no_score(history):
    empty = satisfaction.Score()
    assert (empty.share, empty.percent) == (None, "—")


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        (
            "satisfaction_by_organisation",
            [
                ["Acme Manufacturing (ACME)", "2", "1", "1", "50.0"],
                ["Globex Logistics (GLBX)", "1", "1", "0", "100.0"],
            ],
        ),
        (
            "satisfaction_by_agent",
            [["Agnes Agent", "2", "1", "1", "50.0"], ["Unassigned", "1", "1", "0", "100.0"]],
        ),
        (
            "satisfaction_by_severity",
            [
                ["S1 critical", "1", "1", "0", "100.0"],
                ["S2 major", "1", "0", "1", "0.0"],
                ["S3 minor", "1", "1", "0", "100.0"],
            ],
        ),
        (
            "satisfaction_by_tier",
            [["Standard", "1", "1", "0", "100.0"], ["Privilege", "2", "1", "1", "50.0"]],
        ),
    ],
)
def test_each_breakdown_on_the_dashboard_and_in_its_csv(history, client, name, rows):
    client.force_login(history.personas.manager)
    html = client.get(reverse("dashboard") + WEEK_QUERY).content.decode()
    assert page_table(html, name)[1:] == rows
    exported = csv_rows(client.get(f"/dashboard/export/{name}.csv{WEEK_QUERY}"))
    assert exported[0][1:] == HEADER
    assert exported[1:] == rows


def test_the_dashboard_opens_with_the_satisfaction_headline(history, client):
    client.force_login(history.personas.manager)
    html = client.get(reverse("dashboard") + WEEK_QUERY).content.decode()
    headline = html[html.index('data-testid="headline-satisfaction"') :][:600]
    assert "66.7\xa0%" in headline
    assert "2 good and 1 bad, of 3 answers" in headline
    assert html.index('id="headline"') < html.index('id="compliance"')


def test_an_organisations_page_has_its_own_satisfaction(history, client):
    client.force_login(history.personas.manager)
    html = client.get("/dashboard/organisations/GLBX/" + WEEK_QUERY).content.decode()
    assert page_table(html, "satisfaction_by_agent")[1:] == [["Unassigned", "1", "1", "0", "100.0"]]
    assert "100.0\xa0%" in html
    assert 'id="table-satisfaction_by_organisation"' not in html
    other = "/dashboard/organisations/GLBX/export/satisfaction_by_organisation.csv"
    assert client.get(other).status_code == 404


def test_organisations_and_agents_show_the_least_satisfied_first_and_the_csv_all(
    history, client, monkeypatch
):
    monkeypatch.setattr(satisfaction, "BREAKDOWN_ROWS", 1)
    client.force_login(history.personas.manager)
    html = client.get(reverse("dashboard") + WEEK_QUERY).content.decode()
    assert page_table(html, "satisfaction_by_organisation")[1:] == [
        ["Acme Manufacturing (ACME)", "2", "1", "1", "50.0"]
    ]
    assert "The 1 least satisfied of 2; the CSV has them all." in html
    exported = csv_rows(
        client.get(f"/dashboard/export/satisfaction_by_organisation.csv{WEEK_QUERY}")
    )
    assert len(exported) == 3


def test_the_monthly_report_and_its_csv_have_the_answers(history, client):
    client.force_login(history.personas.manager)
    kwargs = {"code": "ACME", "year": 2026, "month": 11}
    html = client.get(reverse("dashboard_report", kwargs=kwargs)).content.decode()
    summary = page_table(html, "summary")
    assert ["Satisfaction answers", "3"] in summary  # O1's of the 13th, T1's and T2's
    assert ["Satisfaction, good %", "33.3"] in summary
    assert page_table(html, "satisfaction")[1:] == [
        ["ACME-1", "2026-11-13 09:00", "Alice Admin", "Bad", "Bad work on ACME-1."],
        ["ACME-2", "2026-11-17 10:00", "Alice Admin", "Good", "Good work on ACME-2."],
        ["ACME-3", "2026-11-20 11:00", "Alice Admin", "Bad", "Bad work on ACME-3."],
    ]
    exported = csv_rows(client.get(reverse("dashboard_report_csv", kwargs=kwargs)))
    at = exported.index(["Customer satisfaction"])
    assert exported[at + 1] == ["Ticket", "Answered", "By", "Answer", "Comment"]
    assert exported[at + 2] == [
        "ACME-1",
        "2026-11-13 09:00",
        "Alice Admin",
        "Bad",
        "Bad work on ACME-1.",
    ]
    assert ["Satisfaction, good %", "33.3"] in exported
    # No other organisation's answer is in it.
    assert "GLBX" not in html.split('id="table-satisfaction"')[1].split("</table>")[0]
