"""The customer portal in a real browser: home, ticket list, self-help, release notes
and profile, each scanned by axe-core, usable by keyboard and readable at 375 px."""

import datetime as dt
import io
import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knowledge import demo as knowledge_demo
from sla.models import ClockState, SLAClock
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The README\'s copy comes from the demo data (test_screenshots.py); this one is for
# looking at what this test saw.
SCREENSHOT = Path(tempfile.gettempdir()) / "helpdesk-test-portal.png"


@pytest.fixture
def portal(personas, contracts, make_ticket):
    """Acme's tickets in the states a customer meets, and the demo knowledge base."""
    knowledge_demo.seed(io.StringIO())
    agent = personas.agent

    def move(ticket, *actions, workaround=""):
        for action in actions:
            ticket = services.ticket_transition(
                agent,
                ticket=ticket,
                action=action,
                workaround=workaround,
                resolution="The bank's new file format is supported from 8.1.3.",
            )
        return ticket

    tickets = {
        "waiting": move(
            make_ticket(
                title="Invoices cannot be posted at month-end",
                business_impact="Month-end close is blocked for all 12 subsidiaries.",
            ),
            "acknowledge",
            "wait_on_customer",
        ),
        "resolved": move(
            make_ticket(title="Payroll export rejected by the bank", severity="S2"),
            "acknowledge",
            "resolve",
        ),
        "workaround": move(
            make_ticket(
                requester=personas.user_a,
                title="Connect API answers 401 after a token refresh",
                severity="S2",
                type="bug",
            ),
            "start_progress",
            "provide_workaround",
            workaround="Request a new token instead of refreshing it.",
        ),
        "new": make_ticket(title="Customer list slow after the 8.1 upgrade", severity="S3"),
        "enhancement": make_ticket(
            title="Export e-invoices in the PEPPOL format", type="enhancement", severity=""
        ),
    }
    services.ticket_assign(agent, ticket=tickets["workaround"], assignee=agent)
    services.ticket_reply(agent, ticket=tickets["new"], body="We are looking into it.")
    return tickets


def test_portal_home_shows_what_needs_an_answer_and_passes_axe(page, personas, portal):
    sign_in(page, personas.admin_a)

    needs = page.get_by_role("region", name=re.compile("Needs your answer"))
    expect(needs.get_by_text("Invoices cannot be posted at month-end")).to_be_visible()
    expect(needs.get_by_text("Waiting for your answer")).to_be_visible()
    expect(needs.get_by_text("Resolved: please confirm")).to_be_visible()
    organization = page.get_by_role("region", name=re.compile("Other open tickets of Acme"))
    expect(
        organization.get_by_text("Connect API answers 401 after a token refresh")
    ).to_be_visible()
    expect(page.get_by_test_id("maintenance")).to_be_visible()
    assert_accessible(page)

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_plain_user_home_has_no_organisation_section(page, personas, portal):
    sign_in(page, personas.user_a)

    expect(page.get_by_text("Connect API answers 401 after a token refresh").first).to_be_visible()
    assert page.get_by_role("region", name=re.compile("Other open tickets of Acme")).count() == 0
    assert page.get_by_text("Invoices cannot be posted at month-end").count() == 0


def test_ticket_list_filters_by_status_and_passes_axe(page, personas, portal):
    sign_in(page, personas.admin_a)
    page.get_by_role("link", name="All tickets").click()
    expect(page.get_by_test_id("ticket-count")).to_have_text(re.compile("^5 tickets"))
    assert_accessible(page)

    page.get_by_label("Status").select_option(label="Needs your answer")
    page.get_by_role("button", name="Apply").click()

    page.wait_for_url(re.compile(r"status=needs_answer"))
    assert page.get_by_test_id("ticket-count").inner_text().startswith("2 tickets match")
    expect(page.get_by_text("Payroll export rejected by the bank")).to_be_visible()
    assert page.get_by_text("Customer list slow after the 8.1 upgrade").count() == 0
    assert page.get_by_label("Status").input_value() == "needs_answer"


def test_searching_a_reference_from_home_opens_the_ticket_by_keyboard_alone(page, personas, portal):
    sign_in(page, personas.admin_a)
    reference = portal["resolved"].reference

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "ticket-search":
            break
    assert page.evaluate("document.activeElement.id") == "ticket-search"
    page.keyboard.type(reference)
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/tickets/{reference}/")
    expect(page.get_by_role("heading", name=re.compile("Payroll export rejected"))).to_be_visible()


def test_article_suggestion_appears_as_the_problem_is_typed(page, personas, portal):
    sign_in(page, personas.admin_a)
    box = page.get_by_label("Describe your problem in a few words")

    box.press_sequentially("Our API token is refused", delay=20)

    suggestions = page.get_by_test_id("article-suggestions")
    suggestions.wait_for()
    link = suggestions.get_by_role("link", name=re.compile("Connect API answers 401 Unauthorized"))
    expect(link).to_be_visible()
    assert_accessible(page)

    box.fill("")
    box.press_sequentially("zz", delay=20)
    suggestions.wait_for(state="detached")


def test_knowledge_base_search_finds_an_article_and_passes_axe(page, personas, portal):
    sign_in(page, personas.admin_a)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Knowledge base").click()
    expect(page.get_by_role("heading", name="Knowledge base", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Search the knowledge base").fill("bank rejects payment file")
    page.get_by_label("Search the knowledge base").press("Enter")

    expect(page.get_by_test_id("result-summary")).to_have_text(re.compile("^1 article for"))
    page.get_by_role("link", name="The bank rejects the payroll payment file").click()
    expect(
        page.get_by_role("heading", name="The bank rejects the payroll payment file")
    ).to_be_visible()
    expect(page.locator(".kb-article strong", has_text="IBANs")).to_be_visible()
    assert_accessible(page)


def test_tier_restricted_article_is_listed_for_the_tier_only(page, personas, portal):
    # ACME is on Privilege: the on-call article is for Privilege and 24x7 customers.
    sign_in(page, personas.admin_a)
    page.goto("/knowledge/?q=on-call")
    expect(
        page.get_by_role("link", name=re.compile("Reaching the on-call engineer"))
    ).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, personas.admin_b)  # GLBX is on Standard
    page.goto("/knowledge/?q=on-call")
    assert page.get_by_role("link", name=re.compile("Reaching the on-call engineer")).count() == 0


def test_release_notes_show_upcoming_maintenance_and_pass_axe(page, personas, portal):
    sign_in(page, personas.admin_a)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Release notes").click()

    coming = page.get_by_role("region", name="Coming up")
    expect(coming.get_by_role("link", name=re.compile("Planned maintenance"))).to_be_visible()
    expect(page.get_by_role("heading", name="Ledgerline ERP 8.1 is available")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Show").select_option(label="Hotfix")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile("kind=hotfix"))
    expect(page.get_by_role("heading", name=re.compile("Payroll 4.0.3 hotfix"))).to_be_visible()
    assert page.get_by_role("heading", name="Ledgerline ERP 8.1 is available").count() == 0


def test_profile_timezone_change_applies_to_every_page(page, personas, portal):
    sign_in(page, personas.admin_a)
    page.get_by_role("link", name="Your profile and time zone").click()
    assert_accessible(page)

    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_text("Times shown in Asia/Tokyo")).to_be_visible()
    page.goto("/knowledge/releases/")
    expect(
        page.get_by_role("region", name="Coming up").get_by_text(re.compile("JST"))
    ).to_be_visible()


def test_portal_reads_well_at_375_pixels(page, personas, portal, tmp_path):
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, personas.admin_a)

    pages = [
        "/portal/",
        "/portal/tickets/",
        "/knowledge/",
        "/knowledge/articles/connect-api-authentication-401/",
        "/accounts/contacts/",
    ]
    for url in pages:
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
    page.goto("/")
    page.screenshot(path=str(tmp_path / "portal-375.png"), full_page=True)
    assert (tmp_path / "portal-375.png").stat().st_size > 10_000

    # The collapsed menu opens from the keyboard.
    page.get_by_role("button", name="Toggle navigation").focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("navigation", name="Main").get_by_role("link", name="Release notes")
    menu.wait_for(state="visible")
    assert_accessible(page)


def test_a_late_reply_reads_overdue_on_home_list_and_ticket_and_passes_axe(
    page,
    personas,
    make_ticket,
):
    """A first response whose deadline passed two hours ago and is still owed (as the
    sweep leaves it): a warning in words, wherever the customer looks."""
    ticket = make_ticket(requester=personas.user_a, title="Nobody answered us", severity="S2")
    due = timezone.now() - dt.timedelta(hours=2)
    SLAClock.objects.filter(ticket=ticket, kind="first_response").update(
        state=ClockState.BREACHED, due_at=due, breached_at=due, next_check_at=None
    )
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=due, sla_breached=True)
    sign_in(page, personas.user_a)

    overdue = page.get_by_test_id("overdue").first
    assert overdue.inner_text().strip().startswith("reply overdue since")
    assert_accessible(page)
    page.goto("/portal/tickets/")
    assert page.get_by_test_id("overdue").inner_text().strip().startswith("reply overdue since")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Nobody answered us")).click()
    page.wait_for_url(f"**/tickets/{ticket.reference}/")
    late = page.get_by_test_id("overdue-first_response").inner_text().strip()
    assert late.startswith("Reply overdue since")
    assert_accessible(page)
