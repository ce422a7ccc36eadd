"""The dashboard for a manager who reads Hungarian: the page, its tables' titles and
durations in words, and the CSV headers; the period's figures, cached per language, are
not served in the language of whoever opened the page first."""

import csv
import io
import re

import pytest

from tests.dashboard.test_views import WEEK_QUERY

pytestmark = pytest.mark.django_db

ENGLISH = ["SLA dashboard", "Targets met on time", "Breaches", "Open tickets", "Severity"]


def test_a_hungarian_manager_reads_the_dashboard_in_hungarian(history, client):
    manager = history.personas.manager
    client.force_login(manager)
    # Opened in English first: its sections are cached in English.
    assert "Targets met on time" in client.get(f"/dashboard/{WEEK_QUERY}").content.decode()
    manager.language = "hu"
    manager.save(update_fields=["language"])

    html = client.get(f"/dashboard/{WEEK_QUERY}").content.decode()

    for word in ["SLA-irányítópult", "Időben teljesített célok", "SLA-sértések", "Súlyosság"]:
        assert word in html, word
    for word in ENGLISH:
        assert not re.search(rf">[^<]*\b{re.escape(word)}\b", html), word
    # Durations in words: "2 munkanap 3 óra", "5 óra 20 perc".
    assert re.search(r"\d+ (munkanap|óra|perc|nap)\b", html)


def test_the_csv_headers_are_in_the_readers_language(history, client):
    manager = history.personas.manager
    manager.language = "hu"
    manager.save(update_fields=["language"])
    client.force_login(manager)

    response = client.get(f"/dashboard/export/breaches.csv{WEEK_QUERY}")

    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header[:4] == ["Ügy", "Szervezet", "Cél", "Súlyosság"]
    # The figures only the CSV carries keep their machine names.
    assert header[-2:] == ["late_minutes", "still_owed"]
