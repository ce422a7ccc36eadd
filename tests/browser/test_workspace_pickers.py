"""The workspace's search-as-you-type pickers in a real browser, on a desk with more staff,
organisations and contacts than one page of matches (pickers.PICKER_LIMIT): what is
typed narrows the list, and the match picked is what the filter or the action uses,
without the typed words riding along in the form."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import sign_in
from tickets import intake
from tickets.models import Ticket
from workspace import pickers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MORE_THAN_A_PAGE = pickers.PICKER_LIMIT + 5


@pytest.fixture
def desk(personas) -> dict[str, Ticket]:
    """25 more agents, organisations and Globex contacts, a few of each whose names
    share some letters, and three open tickets (one of ACME, two of Globex)."""
    for n in range(MORE_THAN_A_PAGE):
        factories.StaffFactory(full_name=f"Desk Agent {n:02}")
        factories.OrganizationFactory(name=f"Customer {n:02} Ltd", code=f"CUST{n:02}")
        factories.customer(personas.org_b, full_name=f"Warehouse Clerk {n:02}")
    factories.StaffFactory(full_name="Priya Patel")
    factories.StaffFactory(full_name="April Sprigg")
    factories.OrganizationFactory(name="Globe Theatre Trust", code="GLOBE")
    factories.customer(personas.org_b, full_name="Beatrix Bauer")
    factories.customer(personas.org_b, full_name="Bea Lindqvist")
    factories.customer(personas.org_a, full_name="Beata Kovacs")

    def log(organization, requester, title):
        return intake.ticket_create(
            personas.agent,
            organization=organization,
            requester=requester,
            title=title,
            description="Reported by phone.",
            severity="S3",
            channel="phone",
        )

    return {
        "invoices": log(personas.org_a, personas.admin_a, "Invoice posting fails"),
        "scanner": log(personas.org_b, personas.admin_b, "Pallet scanner offline"),
        "printer": log(personas.org_b, personas.admin_b, "Label printer prints blank pages"),
    }


def row(page: Page, ticket: Ticket):
    return page.locator(f"#row-{ticket.reference}")


def picker(scope, search_id: str):
    """The picker around a search box: its matches are the options inside it."""
    return scope.locator(f"[data-picker]:has(#{search_id})")


def test_the_organisation_filter_narrows_as_you_type_and_filters_the_queue(page, personas, desk):
    sign_in(page, personas.agent)
    search = page.get_by_label("Organisation")
    options = picker(page, "filter-organization-search").get_by_role("option")
    search.click()  # before anything is typed: the first page of every organisation
    expect(options).to_have_count(pickers.PICKER_LIMIT)
    expect(page.get_by_text(f"The first {pickers.PICKER_LIMIT} matches")).to_be_visible()

    search.press_sequentially("Glo")
    expect(options).to_have_text(["Globe Theatre Trust (GLOBE)", "Globex Logistics (GLBX)"])
    # The arrow keys walk the matches; Enter picks the one with the focus.
    search.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    expect(search).to_have_value("Globex Logistics (GLBX)")
    expect(options).to_have_count(0)
    expect(page.locator("input[name=organization]")).to_have_value(str(personas.org_b.pk))

    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"organization={personas.org_b.pk}"))
    assert "q" not in parse_qs(urlsplit(page.url).query)  # the typed words stay out
    expect(row(page, desk["scanner"])).to_be_visible()
    expect(row(page, desk["printer"])).to_be_visible()
    expect(row(page, desk["invoices"])).to_have_count(0)


def test_the_triage_panel_assignee_narrows_as_you_type_and_assigns(page, personas, desk):
    sign_in(page, personas.agent)
    item = row(page, desk["invoices"])
    item.get_by_role("button", name="Triage").click()
    search = item.get_by_label("Assignee (staff)")
    options = picker(item, f"assignee-search-{desk['invoices'].reference}").get_by_role("option")
    search.click()
    expect(options).to_have_count(pickers.PICKER_LIMIT)

    search.press_sequentially("pri")
    expect(options).to_have_text(["April Sprigg (agent)", "Priya Patel (agent)"])
    options.filter(has_text="Priya Patel").click()
    with page.expect_request(lambda r: r.method == "POST" and "/assign" in r.url) as sent:
        item.get_by_role("button", name="Assign", exact=True).click()
    expect(item.get_by_test_id("assignee")).to_have_text("Priya Patel")
    posted = parse_qs(sent.value.post_data or "")
    assert "q" not in posted
    assert Ticket.objects.get(pk=desk["invoices"].pk).assignee.full_name == "Priya Patel"


def test_bulk_assignee_and_contact_pickers_narrow_as_you_type_and_apply(page, personas, desk):
    globex = [desk["scanner"], desk["printer"]]
    sign_in(page, personas.agent)

    for ticket in globex:
        row(page, ticket).get_by_label(f"Select {ticket.reference}").check()
    page.get_by_label("Action", exact=True).select_option(label="Assign to")
    search = page.get_by_label("Assignee (staff)")
    options = picker(page, "bulk-assignee-search").get_by_role("option")
    search.click()
    expect(options).to_have_count(pickers.PICKER_LIMIT)
    search.press_sequentially("pri")
    expect(options).to_have_text(["April Sprigg (agent)", "Priya Patel (agent)"])
    options.filter(has_text="Priya Patel").click()
    with page.expect_request(lambda r: r.method == "POST" and "/bulk" in r.url) as sent:
        page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("Assign to: done for 2 tickets")).to_be_visible()
    assert "q" not in parse_qs(sent.value.post_data or "")
    for ticket in globex:
        expect(row(page, ticket).get_by_test_id("assignee")).to_have_text("Priya Patel")
    expect(row(page, desk["invoices"]).get_by_test_id("assignee")).to_have_text("—")

    for ticket in globex:
        row(page, ticket).get_by_label(f"Select {ticket.reference}").check()
    page.get_by_label("Action", exact=True).select_option(label="Copy a contact")
    search = page.get_by_label("Customer contact")
    options = picker(page, "bulk-watcher-search").get_by_role("option")
    search.press_sequentially("bea")
    expect(options).to_have_text(
        ["Beata Kovacs · ACME", "Bea Lindqvist · GLBX", "Beatrix Bauer · GLBX"]
    )
    search.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(search).to_have_value("Beatrix Bauer · GLBX")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("Copy a contact: done for 2 tickets")).to_be_visible()
    for ticket in globex:
        assert [w.full_name for w in ticket.watchers.all()] == ["Beatrix Bauer"]
