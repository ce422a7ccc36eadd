"""The agent workspace in a real browser: the SLA-ordered queue with live countdowns,
take next, triage in place, a phone ticket, a bulk action, search and the shortcuts."""

import datetime as dt
import re
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from sla import durations, engine
from sla import services as sla_services
from sla.models import BusinessCalendar
from tests import factories
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tickets import escalations, intake, services
from tickets.models import Reply, Ticket
from workspace import canned_responses
from workspace.templatetags.workspace_tags import _left

BUDAPEST = ZoneInfo("Europe/Budapest")


def open_time_left(left: dt.timedelta, cal=None) -> str:
    """The countdown's words; on a business-hours calendar, in its business days."""
    day = None if cal is None or cal.always_open else durations.business_day(cal)
    return _left(int(left.total_seconds()), business_day=int(day.total_seconds()) if day else None)


pytestmark = [
    pytest.mark.browser,
    # The default SLA policies that a flush removes are put back by tests/conftest.py.
    pytest.mark.django_db(transaction=True),
]

# The README\'s copy comes from the demo data (test_screenshots.py); this one is for
# looking at what this test saw.
SCREENSHOT = Path(tempfile.gettempdir()) / "helpdesk-test-queue.png"


def log(agent, contact, *, title, severity="S2", ago=dt.timedelta(0), acknowledge=False):
    """A ticket logged ``ago`` (its SLA clocks started then), acknowledged at once if
    asked, which meets the 15-minute after-hours triage target of an S1."""
    with time_machine.travel(timezone.now() - ago, tick=False):
        ticket = intake.ticket_create(
            agent,
            organization=contact.membership.organization,
            requester=contact,
            title=title,
            description="Reported by phone.",
            severity=severity,
            business_impact="Work has stopped." if severity == "S1" else "",
            channel="email",
        )
        if acknowledge:
            services.ticket_transition(agent, ticket=ticket, action="acknowledge")
    return ticket


@pytest.fixture
def queue(personas, contracts):
    """A morning's queue: tickets of every severity and state."""
    agent = personas.agent
    desk = factories.StaffFactory(full_name="Phone Desk")
    initech = factories.OrganizationFactory(name="Initech", code="INIT")
    carol = factories.customer(initech, full_name="Carol Initech")
    made = {
        # Privilege S1: the first response is due 2 hours after logging, around the clock.
        "breached": log(
            desk,
            personas.admin_a,
            title="Invoice posting fails with error 500",
            severity="S1",
            ago=dt.timedelta(hours=2, minutes=20),
        ),
        "warning": log(
            desk,
            personas.admin_a,
            title="Month-end close stuck at revaluation",
            severity="S1",
            ago=dt.timedelta(hours=1, minutes=40),
            acknowledge=True,
        ),
        "on_track": log(desk, personas.user_a, title="VAT report totals differ from the ledger"),
        "scanner": log(desk, personas.admin_b, title="Pallet scanner offline"),
        "manual": log(desk, personas.admin_b, title="Typo in the user manual", severity="S3"),
        "no_contract": log(desk, carol, title="Licence server unreachable"),
        "waiting": log(desk, personas.admin_b, title="Label printer prints blank pages"),
    }
    services.ticket_assign(desk, ticket=made["manual"], assignee=agent)
    services.ticket_transition(desk, ticket=made["waiting"], action="acknowledge")
    services.ticket_transition(desk, ticket=made["waiting"], action="wait_on_customer")
    escalations.escalation_request(
        personas.admin_b, ticket=made["scanner"], reason="The warehouse is at a standstill."
    )
    services.ticket_set_priority(desk, ticket=made["on_track"], priority="high")
    return made


def row(page: Page, ticket: Ticket):
    return page.locator(f"#row-{ticket.reference}")


def test_countdown_stands_still_outside_business_hours_and_runs_in_them(page, personas, contracts):
    """An S2 on the vendor's Mon-Fri 09:00-17:00 calendar, seen on a Saturday morning:
    the countdown does not move over the weekend, and on Monday at 10:00 it has lost the
    one open hour since 09:00 (the script counts from the open spans the page carries)."""
    vendor = sla_services.engine_calendar(BusinessCalendar.objects.get(always_open=False))
    today = timezone.localdate()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    while not engine.is_business_day(vendor, saturday + dt.timedelta(days=2)):
        saturday += dt.timedelta(days=7)  # a weekend before a public holiday Monday
    at = dt.datetime.combine(saturday, dt.time(10), tzinfo=BUDAPEST)
    # Where the browser's clock stands at the end: Monday 10:00, plus the two 20 s runs.
    monday = at + dt.timedelta(days=2, seconds=40)
    with time_machine.travel(at, tick=False):
        ticket = log(personas.agent, personas.admin_a, title="Invoice run stalls")
        clock = ticket.clocks.select_related("calendar").get(due_at=ticket.sla_due_at)
        cal = sla_services.engine_calendar(clock.calendar)
        left = engine.open_time_between(cal, at, ticket.sla_due_at)
        ran = engine.open_time_between(cal, at, monday)
        page.clock.install(time=at)
        sign_in(page, personas.agent)
        countdown = row(page, ticket).get_by_test_id("countdown")
        expect(countdown).to_have_text(open_time_left(left, cal))
        expect(countdown).to_have_class(re.compile(r"countdown-stopped"))
        expect(countdown).to_have_attribute("title", re.compile("stopped outside business"))

        page.clock.fast_forward("05:00:00")  # Saturday 15:00
        page.clock.run_for(20_000)  # the script's next tick
        expect(countdown).to_have_text(open_time_left(left, cal))

        page.clock.fast_forward("43:00:00")  # Monday 10:00:20
        page.clock.run_for(20_000)
        expect(countdown).to_have_text(open_time_left(left - ran, cal))
        expect(countdown).not_to_have_class(re.compile(r"countdown-stopped"))
        assert ran > dt.timedelta(0)  # Monday is open (else the test proves nothing)


def test_queue_orders_by_urgency_with_live_countdowns(page, personas, queue):
    page.clock.install(time=timezone.now())
    sign_in(page, personas.agent)
    # Staff land on the workspace.
    expect(page).to_have_url(re.compile(r"/workspace/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("All open")
    references = page.locator("#queue-table tbody.queue-item").evaluate_all(
        "rows => rows.map(r => r.dataset.reference)"
    )
    assert references[:2] == [queue["breached"].reference, queue["warning"].reference]
    expect(row(page, queue["breached"]).get_by_test_id("countdown")).to_have_class(
        "countdown sla-breached"
    )
    expect(row(page, queue["breached"]).get_by_test_id("countdown")).to_contain_text("overdue")
    expect(row(page, queue["warning"]).get_by_test_id("countdown")).to_have_class(
        "countdown sla-warning"
    )
    expect(page.get_by_test_id("count-breached")).to_have_text("1")
    expect(page.get_by_test_id("count-escalated")).to_have_text("1")
    expect(page.get_by_test_id("count-no_contract")).to_have_text("1")
    page.screenshot(path=str(SCREENSHOT), full_page=False)

    # Half an hour later the warned ticket is late too: the countdown moves by itself.
    page.clock.fast_forward("31:00")
    countdown = row(page, queue["warning"]).get_by_test_id("countdown")
    expect(countdown).to_have_class("countdown sla-breached")
    expect(countdown).to_contain_text("overdue")

    # The breached queue, by its link in the navigation.
    page.get_by_test_id("queue-breached").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Breached")
    expect(row(page, queue["breached"])).to_be_visible()
    expect(row(page, queue["on_track"])).to_have_count(0)


def test_take_next_hands_the_agent_the_most_urgent_ticket(page, personas, queue):
    sign_in(page, personas.agent)
    page.get_by_role("button", name="Take next").first.click()
    reference = queue["breached"].reference
    expect(page).to_have_url(re.compile(f"/tickets/{reference}/$"))
    expect(page.get_by_text(f"{reference} is yours")).to_be_visible()
    expect(page.get_by_test_id("assignee")).to_have_text("Agnes Agent")
    # Back in the queue, the next press takes the next one.
    page.goto("/workspace/")
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(f"/tickets/{queue['warning'].reference}/$"))


def test_triage_in_place_without_reloading_the_page(page, personas, queue):
    canned_responses.canned_response_create(
        personas.manager,
        title="Looking into it",
        body="Dear {customer_name}, we are on {reference}.",
    )
    factories.StaffFactory(full_name="Sam Specialist", staff_role="specialist")
    sign_in(page, personas.agent)
    page.evaluate("window.noReload = true")
    ticket = queue["on_track"]
    item = row(page, ticket)
    item.get_by_role("button", name="Acknowledge").click()
    expect(item.get_by_test_id("status")).to_have_text("Acknowledged")
    expect(item.get_by_test_id("row-message")).to_contain_text("acknowledged")

    item.get_by_role("button", name="Triage").click()
    item.get_by_label("Severity").select_option("S1")
    item.get_by_label("Reason (the customer sees it)").fill("Invoices cannot be posted at all")
    item.get_by_role("button", name="Change severity").click()
    expect(item.get_by_test_id("severity")).to_have_text("S1")
    expect(item.get_by_test_id("row-message")).to_contain_text("Severity set to S1")

    item.get_by_label("Assignee (staff)").fill("sam")
    item.get_by_role("option", name="Sam Specialist (specialist)").click()
    item.get_by_role("button", name="Assign", exact=True).click()
    expect(item.get_by_test_id("assignee")).to_have_text("Sam Specialist")

    item.get_by_label("Priority").select_option("urgent")
    item.get_by_role("button", name="Set priority").click()
    expect(item.get_by_test_id("priority")).to_have_text("Urgent")

    item.get_by_label("Canned response").select_option(label="Looking into it")
    message = item.get_by_label("Message")
    expect(message).to_have_value(f"Dear Arthur User, we are on {ticket.reference}.")
    item.get_by_role("button", name="Send").click()
    expect(item.get_by_test_id("row-message")).to_have_text("Reply sent.")
    assert page.evaluate("window.noReload") is True  # every step stayed on the page
    # The navigation counts followed without a reload either.
    expect(page.get_by_test_id("count-unassigned")).to_have_text("5")

    ticket.refresh_from_db()
    assert (ticket.severity, ticket.priority, ticket.assignee.full_name) == (
        "S1",
        "urgent",
        "Sam Specialist",
    )
    assert Reply.objects.get(ticket=ticket).body.startswith("Dear Arthur User")


def test_keyboard_moves_through_the_queue_and_assigns(page, personas, queue):
    sign_in(page, personas.agent)
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = row(page, queue["warning"])
    expect(second).to_have_class("queue-item is-current")
    page.keyboard.press("a")
    expect(second.get_by_test_id("assignee")).to_have_text("Agnes Agent")
    page.keyboard.press("?")
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    expect(page.get_by_text("Take next: the most urgent unassigned ticket")).to_be_visible()


def test_logging_a_phone_ticket_for_a_customer(page, personas, contracts):
    sign_in(page, personas.agent)
    page.get_by_role("link", name="Log a call or email").click()
    page.get_by_label("Find the contact by name, email, organisation or licence key").fill(
        "KEY-ACME"
    )
    page.get_by_role("link", name="Alice Admin").click()
    contract = page.get_by_test_id("contract")
    expect(contract).to_contain_text("Privilege")
    expect(contract).to_contain_text("KEY-ACME")
    expect(contract).to_contain_text("Ledgerline ERP 8.1")
    # ACME has no phone support: the warning is there before anything is saved.
    warnings = page.get_by_test_id("intake-warnings")
    expect(warnings).to_contain_text("does not include phone support")
    page.get_by_label("S1 critical").check()
    page.get_by_label("Title").fill("Warehouse cannot ship")
    page.get_by_label("Description").fill("Alice called: shipping labels fail to print.")
    page.get_by_label("Business impact").fill("No parcels leave the warehouse.")
    # Choosing the product rechecks the contract (htmx): wait for that answer, so the
    # test does the same thing every run.
    with page.expect_response(lambda response: "/log/check" in response.url):
        page.get_by_label("Product and version").select_option(label="Ledgerline ERP 8.1")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.get_by_label("I have told the customer about these warnings").check()
    page.get_by_role("button", name="Log the ticket").click()
    # The click returns before the server has answered: wait for the ticket's page.
    expect(page).to_have_url(re.compile(r"/tickets/ACME-\d+/$"))
    ticket = Ticket.objects.get(title="Warehouse cannot ship")
    expect(page).to_have_url(re.compile(f"/tickets/{ticket.reference}/$"))
    assert (ticket.channel, ticket.requester, ticket.created_by) == (
        "phone",
        personas.admin_a,
        personas.agent,
    )
    assert ticket.sla_due_at is not None


def test_a_confirmation_ticked_before_the_contract_recheck_answers_is_kept(
    page, personas, contracts
):
    sign_in(page, personas.agent)
    page.get_by_role("link", name="Log a call or email").click()
    page.get_by_label("Find the contact by name, email, organisation or licence key").fill(
        "KEY-ACME"
    )
    page.get_by_role("link", name="Alice Admin").click()
    confirm = page.get_by_label("I have told the customer about these warnings")
    confirm.check()
    # The recheck's answer replaces the warnings after the box was ticked.
    with page.expect_response(lambda response: "/log/check" in response.url):
        page.get_by_label("Product and version").select_option(label="Ledgerline ERP 8.1")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    expect(page.get_by_test_id("intake-warnings")).to_contain_text("does not include phone")
    expect(confirm).to_be_checked()


def test_bulk_priority_on_selected_tickets(page, personas, queue):
    sign_in(page, personas.agent)
    for key in ("scanner", "manual"):
        row(page, queue[key]).get_by_label(f"Select {queue[key].reference}").check()
    expect(page.get_by_text("2 tickets selected")).to_be_visible()
    page.get_by_label("Action", exact=True).select_option(label="Set priority")
    page.locator("#bulk-priority").select_option(label="Urgent")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("Set priority: done for 2 tickets")).to_be_visible()
    for key in ("scanner", "manual"):
        expect(row(page, queue[key]).get_by_test_id("priority")).to_have_text("Urgent")
    expect(row(page, queue["no_contract"]).get_by_test_id("priority")).to_have_text("Medium")


def test_search_by_reference_and_by_words(page, personas, queue):
    sign_in(page, personas.agent)
    services.ticket_reply(
        personas.agent, ticket=queue["scanner"], body="Restart the barcode daemon.", internal=True
    )
    page.keyboard.press("/")
    expect(page.get_by_label("Search tickets")).to_be_focused()
    page.keyboard.type("barcode")
    page.keyboard.press("Enter")
    result = page.get_by_test_id("search-result")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("Pallet scanner offline")
    search = page.get_by_label("A reference (jumps straight to the ticket)")
    search.fill(queue["manual"].reference.lower())
    search.press("Enter")
    expect(page).to_have_url(re.compile(f"/tickets/{queue['manual'].reference}/$"))


def test_workspace_pages_are_accessible_and_fit_375_pixels(page, personas, queue):
    canned_responses.canned_response_create(
        personas.manager, title="Looking into it", body="On it, {customer_name}."
    )
    sign_in(page, personas.agent)
    row(page, queue["on_track"]).get_by_role("button", name="Triage").click()
    expect(row(page, queue["on_track"]).get_by_role("button", name="Send")).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("?")
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    assert_accessible(page)
    pages = [
        f"/workspace/log/?contact={personas.admin_a.pk}",
        "/workspace/search/?q=scanner",
        "/workspace/canned-responses/",
    ]
    for url in pages:
        page.goto(url)
        assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 812})
    for url in ["/workspace/", *pages]:
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
