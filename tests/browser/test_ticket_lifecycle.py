"""A ticket's whole life in a real browser: the customer logs it, an agent works it, a
manager escalates it, and the customer confirms the fix. Each person has their own
browser context (their own cookies), as three people at three desks would."""

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat
from playwright.sync_api import Page, expect

from sla.models import SLAClock
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The README\'s copy comes from the demo data (test_screenshots.py); this one is for
# looking at what this test saw.
SCREENSHOT = Path(tempfile.gettempdir()) / "helpdesk-test-ticket.png"


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[[], Page]]:
    """Pages in fresh browser contexts; script errors or CSP violations fail the test."""
    contexts, errors = [], []

    def make() -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"browser reported errors: {errors}"


def open_ticket(page: Page, reference: str) -> None:
    page.goto(f"/tickets/{reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def test_ticket_lifecycle_from_intake_to_confirmed_resolution(page, new_page, personas, contracts):
    customer, agent_page = page, new_page()

    # The customer administrator logs a critical ticket in the portal.
    sign_in(customer, personas.admin_a)
    customer.goto("/tickets/new/")
    customer.get_by_label("S1 critical").check()
    customer.get_by_label("Title").fill("Invoices cannot be posted")
    customer.get_by_label("Description").fill("Posting fails with **error 500** for everyone.")
    customer.get_by_label("Business impact").fill("Month-end close is blocked.")
    customer.get_by_label("Product and version").select_option(label="Ledgerline ERP 8.1")
    customer.get_by_role("button", name="Log the ticket").click()
    expect(customer.get_by_role("heading", level=1)).to_contain_text("ACME-1")
    expect(customer.get_by_text("Ticket ACME-1 is logged.")).to_be_visible()
    expect(customer.get_by_test_id("severity")).to_have_text("S1 critical")
    first_response = SLAClock.objects.get(ticket__reference="ACME-1", kind="first_response")
    due = first_response.due_at.astimezone(ZoneInfo("Europe/Budapest"))
    expect(customer.get_by_test_id("due-first_response")).to_have_text(
        dateformat.format(due, "D j M, H:i T")
    )
    expect(customer.locator(".markdown strong")).to_have_text("error 500")

    # An agent, at another desk, takes it, answers and asks for a log file.
    sign_in(agent_page, personas.agent)
    open_ticket(agent_page, "ACME-1")
    agent_page.locator("summary", has_text="Assignee:").click()  # the form is folded
    agent_page.get_by_label("Assignee").select_option(label="Agnes Agent")
    agent_page.get_by_role("button", name="Assign", exact=True).click()
    expect(agent_page.get_by_test_id("assignee")).to_have_text("Agnes Agent")
    expect(agent_page.get_by_test_id("status")).to_have_text("Acknowledged")

    agent_page.get_by_label("Reply to the customer or add a note").fill(
        "We are looking at it. Please send the server log."
    )
    agent_page.get_by_role("button", name="Send reply").click()
    expect(agent_page.get_by_text("Reply sent.")).to_be_visible()
    expect(agent_page.get_by_test_id("clock-first_response")).to_contain_text("Met")
    agent_page.get_by_role("button", name="Wait for the customer").click()
    expect(agent_page.get_by_test_id("status")).to_have_text("Waiting on customer")
    expect(agent_page.get_by_test_id("clock-update")).to_contain_text("Paused")

    # The customer answers: the clocks run again.
    open_ticket(customer, "ACME-1")
    expect(customer.get_by_text("We are waiting for your answer")).to_be_visible()
    customer.get_by_label("Reply", exact=True).fill("Here is the log: posting.log")
    customer.get_by_role("button", name="Send").click()
    expect(customer.get_by_test_id("status")).to_have_text("In progress")
    expect(customer.get_by_test_id("due-update")).to_be_visible()

    # The agent provides a workaround: the severity drops to S2.
    open_ticket(agent_page, "ACME-1")
    expect(agent_page.get_by_test_id("clock-update")).to_contain_text("Running")
    agent_page.get_by_label("Workaround for the customer").fill(
        "Post the invoices one at a time until the fix ships."
    )
    agent_page.get_by_role("button", name="Provide a workaround").click()
    expect(agent_page.get_by_test_id("status")).to_have_text("Workaround provided")
    expect(agent_page.get_by_test_id("severity")).to_have_text("S2 major")

    # The customer still wants it escalated.
    open_ticket(customer, "ACME-1")
    expect(customer.get_by_test_id("severity")).to_have_text("S2 major")
    customer.get_by_label("Ask for escalation: why?").fill("Month-end close is tomorrow.")
    customer.get_by_role("button", name="Request escalation").click()
    expect(customer.get_by_text("a manager is reviewing it")).to_be_visible()

    # The manager accepts it, with a plan the customer sees.
    manager_page = new_page()
    sign_in(manager_page, personas.manager)
    open_ticket(manager_page, "ACME-1")
    manager_page.get_by_label("Raise to level").select_option("1")
    manager_page.get_by_label("Specialist").select_option(label="Agnes Agent")
    manager_page.get_by_label("Action plan").fill("Daily call at 9:00 until the fix ships.")
    manager_page.get_by_role("button", name="Accept and escalate").click()
    expect(manager_page.get_by_text("Escalation level 1")).to_be_visible()

    open_ticket(agent_page, "ACME-1")
    expect(agent_page.get_by_text("Escalation level 1")).to_be_visible()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret leaves style="" on the inputs, which htmx's next
    # settle would copy back and the strict CSP would then report.
    agent_page.screenshot(path=str(SCREENSHOT), caret="initial")

    open_ticket(customer, "ACME-1")
    expect(customer.get_by_text("Plan: Daily call at 9:00 until the fix ships.")).to_be_visible()

    # The agent resolves it, saying what fixed it, and the customer confirms: closed.
    agent_page.get_by_label("Resolution (the customer is asked to confirm it)").fill(
        "Hotfix 8.1.3 is installed on your production system."
    )
    agent_page.get_by_role("button", name="Resolve").click()
    expect(agent_page.get_by_test_id("status")).to_have_text("Resolved")

    open_ticket(customer, "ACME-1")
    expect(customer.get_by_test_id("resolution")).to_contain_text("Hotfix 8.1.3 is installed")
    customer.get_by_role("button", name="Confirm the resolution").click()
    expect(customer.get_by_test_id("status")).to_have_text("Closed")

    # The customer reads the statuses by the names the portal gives them.
    history = customer.locator("ol.timeline")
    for step in [
        "Alice Admin: logged the ticket",
        "Agnes Agent: changed assignee to “Agnes Agent”",
        "Agnes Agent: changed status from “Received” to “Acknowledged”",
        "Agnes Agent: replied",
        "Agnes Agent: changed status from “Acknowledged” to “Waiting for your answer”",
        "Alice Admin: changed status from “Waiting for your answer” to “In progress”",
        "Alice Admin: replied",
        "Agnes Agent: provided a workaround",
        "Agnes Agent: changed severity from “S1” to “S2” — A workaround is in place.",
        "Alice Admin: requested escalation: Month-end close is tomorrow.",
        "Mona Manager: changed escalation level from “0” to “1”",
        "Agnes Agent: gave the resolution",
        "Agnes Agent: changed status from “Workaround provided” to “Resolved: please confirm”",
        "Alice Admin: changed status from “Resolved: please confirm” to “Closed”",
    ]:
        expect(history).to_contain_text(step)
