"""The SLA dashboard in a real browser, on the demo's months of history: charts drawn by
Chart.js under our CSP, data tables behind them, the htmx refresh, axe-core, 375 px."""

import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from dashboard.services import vendor_today
from tests import factories
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tests.demo_data import seeded_demo  # noqa: F401 - a fixture
from tickets import escalations, intake
from tickets.models import TicketCounter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The README\'s copy comes from the demo data (test_screenshots.py); this one is for
# looking at what this test saw.
SCREENSHOT = Path(tempfile.gettempdir()) / "helpdesk-test-dashboard.png"
DEMO_PASSWORD = "demo-pass-2026"


@pytest.fixture
def manager(db, seeded_demo):  # noqa: F811
    """The demo's manager, after seed_demo has replayed its months of history."""
    return User.objects.get(email="marta.manager@vendor.example")


def _charts_drawn(page) -> list[bool]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".map(c => !!window.Chart.getChart(c) && c.width > 0 && c.height > 0)"
    )


def test_the_demo_history_on_the_dashboard_an_organisation_page_and_a_report(page, manager):
    """One seeding of the demo (about 15 s) for the dashboard's pages on it: a custom
    period, an organisation page, a monthly report and 375 pixels; then the charts, their
    data tables and the refresh of the "now" section."""
    sign_in(page, manager, DEMO_PASSWORD)
    page.goto("/dashboard/")
    expect(page.get_by_label("From")).to_be_hidden()
    page.get_by_label("Period").select_option("custom")
    page.get_by_label("From").fill("2026-09-01")
    page.get_by_label("To", exact=True).fill("2026-09-30")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/dashboard/?period=custom*")
    expect(page.get_by_text("Showing 1 Sep 2026 – 30 Sep 2026")).to_be_visible()

    page.locator("#table-by_organisation").get_by_role(
        "link", name="Umbrella Health (UMBR)"
    ).click()
    expect(page.get_by_role("heading", name="Umbrella Health UMBR", level=1)).to_be_visible()
    expect(page.get_by_text("Showing 1 Sep 2026 – 30 Sep 2026")).to_be_visible()
    assert _charts_drawn(page) == [True, True]
    assert_accessible(page)

    page.get_by_role("region", name="Monthly service reports").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Umbrella Health —", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.emulate_media(media="screen")

    page.set_viewport_size({"width": 375, "height": 812})
    for url in ["/dashboard/", "/dashboard/organisations/ACME/"]:
        page.goto(url)
        _assert_headline(page)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
        assert all(_charts_drawn(page))

    page.set_viewport_size({"width": 1280, "height": 900})
    page.clock.install()
    page.goto("/dashboard/")

    expect(page.get_by_role("heading", name="SLA dashboard", level=1)).to_be_visible()
    assert _charts_drawn(page) == [True, True, True]
    _assert_headline(page)
    # The bars carry their values: the data-labels plugin draws on every bar chart.
    assert page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".map(c => window.Chart.getChart(c))"
        ".filter(chart => chart.config.type === 'bar')"
        ".every(chart => chart.config.plugins.includes(window.ChartDataLabels))"
    )
    expect(page.locator("#compliance .chart-summary")).to_have_text(
        re.compile(r"^\d+ logged and \d+ resolved in the period; \d+ open at the end of ")
    )
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), caret="initial")  # hiding it would add a style
    assert SCREENSHOT.stat().st_size > 10_000

    # Every chart's figures are in a table behind a disclosure.
    page.get_by_text("Data table: targets met on time").click()
    compliance = page.locator("#table-compliance")
    expect(compliance.get_by_role("row", name="First response")).to_be_visible()
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


HEADLINE = [
    "Targets met on time",
    "SLA breaches",
    "Median first response",
    "Open S1 tickets",
    "Customer satisfaction",
]


def _assert_headline(page, labels=HEADLINE) -> None:
    """The five headline figures, before every table: each with its label, a value, the
    period it covers and a comparison in words (an arrow is never alone)."""
    headline = page.locator("#headline")
    expect(headline).to_be_visible()
    cards = headline.locator(".headline-figure")
    expect(cards).to_have_count(5)
    assert cards.locator("h3").all_inner_texts() == labels
    for card in cards.all():
        assert card.locator(".headline-value").inner_text().strip()
        change = card.locator(".headline-change")
        if change.locator("i.bi").count():
            assert change.locator("i.bi").get_attribute("aria-hidden") == "true"
            assert len(change.inner_text().strip()) > 10, change.inner_text()
    assert page.evaluate(
        "document.getElementById('headline').compareDocumentPosition("
        "document.querySelector('table')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )


# How the product writes an instant: "Fri 20 Nov, 14:41", with the year in another year.
PRODUCT_WHEN = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}( \d{4})?, \d{2}:\d{2}$"
)
PRODUCT_DAY = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}( \d{4})?$")
LONG_TITLE = "Invoice posting fails with error 500 on every batch since the upgrade to 8.1"


@pytest.fixture
def critical(personas, contracts):
    """Two unassigned S1 tickets of ACME (on Privilege), ACME-1042 and ACME-1043, one of
    them escalated by the customer: the dashboard's tables list them with dates."""
    TicketCounter.objects.create(organization=personas.org_a, last_number=1041)
    tickets = [
        intake.ticket_create(
            factories.StaffFactory(full_name="Phone Desk"),
            organization=personas.org_a,
            requester=personas.admin_a,
            title=f"{LONG_TITLE} ({n})",
            description="Reported by phone.",
            severity="S1",
            business_impact="Work has stopped.",
            channel="phone",
        )
        for n in (1, 2)
    ]
    escalations.escalation_request(
        personas.admin_a, ticket=tickets[0], reason="Month-end close is blocked for everyone."
    )
    return tickets


def _shown_on_one_line(link) -> bool:
    """An inline link that wraps has one box per line; one line is one box, no taller
    than the link's line height."""
    return link.evaluate(
        "el => el.getClientRects().length === 1 && el.getBoundingClientRect().height"
        " <= parseFloat(getComputedStyle(el).lineHeight) + 1"
    )


def test_dates_in_the_products_words_and_references_on_one_line_at_390_pixels(
    page, personas, critical
):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, personas.manager)
    page.goto("/dashboard/")
    unassigned = page.locator("#table-unassigned_s1")
    expect(unassigned.get_by_role("link", name=critical[0].reference)).to_be_visible()
    times = page.locator("#now .dashboard-table time")
    # Logged and next deadline of each unassigned S1, and when the escalation was asked.
    expect(times).to_have_count(5)
    for text in times.all_inner_texts():
        assert PRODUCT_WHEN.match(text), text
    logged = unassigned.locator("tbody tr").first.locator("td time").first
    created = timezone.localtime(critical[0].created_at)
    expect(logged).to_have_attribute("datetime", created.isoformat(timespec="seconds"))
    for link in page.locator(".dashboard-table a[href^='/tickets/']").all():
        assert _shown_on_one_line(link), link.inner_text()

    today = vendor_today()
    page.goto(f"/dashboard/organisations/ACME/report/{today:%Y-%m}/")
    expect(page.get_by_role("heading", name=re.compile("Acme Manufacturing"))).to_be_visible()
    logged = page.locator("#table-tickets tbody time")
    expect(logged).to_have_count(2)  # logged today; no first response nor resolution yet
    for text in logged.all_inner_texts():
        assert PRODUCT_WHEN.match(text), text
    for text in page.locator("#table-trend tbody th").all_inner_texts():
        assert PRODUCT_DAY.match(text), text
    links = page.locator("#table-tickets a[href^='/tickets/']")
    expect(links).to_have_count(2)
    for link in links.all():
        assert _shown_on_one_line(link), link.inner_text()

    # The staff's own lists of tickets keep references whole too.
    for url, selector in [("/workspace/", "#queue-table [data-open]"), ("/tickets/", "tbody a")]:
        page.goto(url)
        links = page.locator(selector)
        expect(links).to_have_count(2)
        for link in links.all():
            assert _shown_on_one_line(link), f"{url}: {link.inner_text()}"


HUNGARIAN_HEADLINE = [
    "Időben teljesített célok",
    "SLA-sértések",
    "Első válasz, medián",
    "Nyitott S1-es ügyek",
    "Ügyfél-elégedettség",
]


def test_a_hungarian_manager_reads_the_headline_in_hungarian_on_a_phone(page, personas, critical):
    manager = personas.manager
    manager.language = "hu"
    manager.save(update_fields=["language"])
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, manager)
    page.goto("/dashboard/")

    expect(page.locator("html")).to_have_attribute("lang", "hu")
    _assert_headline(page, HUNGARIAN_HEADLINE)
    open_s1 = page.get_by_test_id("headline-open_s1")
    expect(open_s1.locator(".headline-value")).to_have_text("2")
    # "Most, dec. 7. (hétfő) 14:30": the product's Hungarian day and time.
    expect(open_s1).to_contain_text(
        re.compile(r"Most, [a-zé]+\.? \d{1,2}\. \([a-zé]+\) \d{2}:\d{2}")
    )
    expect(page.get_by_test_id("headline-targets_met")).to_contain_text(
        "Ebben az időszakban egy cél sem zárult le."
    )
    expect(page.get_by_test_id("headline-breaches")).to_contain_text(
        "Az előző időszakról nincs adat az összevetéshez."
    )
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the dashboard scrolls sideways by {overflow}px at 375px"
    assert_accessible(page)
