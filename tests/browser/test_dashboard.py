"""The SLA dashboard in a real browser, on the demo's months of history: charts drawn by
Chart.js under our CSP, data tables behind them, the htmx refresh, axe-core, 375 px."""

import importlib
import tempfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.models import User
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The README\'s copy comes from the demo data (test_screenshots.py); this one is for
# looking at what this test saw.
SCREENSHOT = Path(tempfile.gettempdir()) / "helpdesk-test-dashboard.png"
DEMO_PASSWORD = "demo-pass-2026"


@pytest.fixture(autouse=True)
def _default_policies(db):
    """The tiers and SLA policies of sla's data migration, which the flush after an
    earlier transactional test removes (a no-op when they are there)."""
    importlib.import_module("sla.migrations.0002_default_policies").create_defaults(apps, None)


@pytest.fixture
def manager(db):
    """The demo's manager, after seed_demo has replayed its months of history."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return User.objects.get(email="marta.manager@vendor.example")


def _charts_drawn(page) -> list[bool]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".map(c => !!window.Chart.getChart(c) && c.width > 0 && c.height > 0)"
    )


def test_manager_sees_the_history_in_charts_with_their_data_tables(page, manager):
    page.clock.install()
    sign_in(page, manager, DEMO_PASSWORD)
    page.goto("/dashboard/")

    assert page.get_by_role("heading", name="SLA dashboard", level=1).is_visible()
    assert _charts_drawn(page) == [True, True, True]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), caret="initial")  # hiding it would add a style
    assert SCREENSHOT.stat().st_size > 10_000

    # Every chart's figures are in a table behind a disclosure.
    page.get_by_text("Data table: targets met on time").click()
    compliance = page.locator("#table-compliance")
    assert compliance.get_by_role("row", name="First response").is_visible()
    assert (
        int(compliance.get_by_role("row", name="All targets").locator("td").first.inner_text()) > 0
    )
    page.get_by_text("Data table: intake and backlog per day").click()
    assert page.locator("#table-trend tbody tr").count() == 30
    assert_accessible(page)

    # The "now" section replaces itself after 30 seconds, without reloading the page.
    page.evaluate("document.getElementById('now').dataset.before = 'yes'")
    page.clock.fast_forward("00:31")
    page.wait_for_selector("#now:not([data-before])")
    assert page.locator("#table-open_by_severity").get_by_role("row").count() == 6


def test_custom_period_organisation_page_report_and_375_pixels(page, manager):
    sign_in(page, manager, DEMO_PASSWORD)
    page.goto("/dashboard/")
    assert not page.get_by_label("From").is_visible()
    page.get_by_label("Period").select_option("custom")
    page.get_by_label("From").fill("2026-09-01")
    page.get_by_label("To", exact=True).fill("2026-09-30")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/dashboard/?period=custom*")
    assert page.get_by_text("Showing 1 Sep 2026 – 30 Sep 2026").is_visible()

    page.locator("#table-by_organisation").get_by_role(
        "link", name="Umbrella Health (UMBR)"
    ).click()
    assert page.get_by_role("heading", name="Umbrella Health UMBR", level=1).is_visible()
    assert page.get_by_text("Showing 1 Sep 2026 – 30 Sep 2026").is_visible()
    assert _charts_drawn(page) == [True, True]
    assert_accessible(page)

    page.get_by_role("region", name="Monthly service reports").get_by_role("link").first.click()
    assert page.get_by_role("heading", name="Umbrella Health —", level=1).is_visible()
    assert page.get_by_role("button", name="Print").is_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print").is_visible()
    assert not page.get_by_role("navigation", name="Main").is_visible()
    page.emulate_media(media="screen")

    page.set_viewport_size({"width": 375, "height": 812})
    for url in ["/dashboard/", "/dashboard/organisations/ACME/"]:
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
        assert all(_charts_drawn(page))
