"""Links and merges in a real browser: an agent links two tickets and merges a
duplicate from the ticket page (with the keyboard-usable forms of its *Linked tickets*
card); the duplicate's customer follows the old link and lands on the ticket it was
merged into, with the notice. Every page passes axe. The README's picture of the card
is taken here."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tickets import links
from tickets.models import Ticket, TicketLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_an_agent_links_and_merges_and_the_customer_follows_the_merge(
    page, browser, live_server, personas, make_ticket
):
    target = make_ticket(title="Invoice posting fails with error 500")
    duplicate = make_ticket(requester=personas.user_a, title="Invoices will not post")
    related = make_ticket(title="VAT report totals differ from the ledger", severity="S2")
    foreign = make_ticket(requester=personas.admin_b, title="Scanner rounding error")
    links.ticket_link_add(personas.agent, ticket=target, other=foreign, kind="related")

    sign_in(page, personas.agent)
    page.goto(f"/tickets/{target.reference}/")
    card = page.get_by_test_id("ticket-links")
    card.get_by_text("Link a ticket").click()
    card.get_by_label("This ticket is").select_option(label="Same root cause as")
    card.get_by_label("Ticket reference").fill(related.reference)
    card.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_text(f"Linked to {related.reference}.")).to_be_visible()
    links_list = page.get_by_test_id("links")
    expect(links_list).to_contain_text(f"Same root cause as {related.reference}")
    expect(links_list).to_contain_text("other organisation: staff only")
    assert TicketLink.objects.filter(ticket=target, other=related).exists()
    assert_accessible(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("ticket-links").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "ticket_links.png"), caret="initial")

    # The link shows on the other ticket too, and the history says who made it.
    page.goto(f"/tickets/{related.reference}/")
    expect(page.get_by_test_id("links")).to_contain_text(target.reference)
    page.locator("#history-heading").click()  # the agent's history is folded
    expect(page.get_by_text(f"linked {target.reference} (same root cause as)")).to_be_visible()

    # Merge the duplicate, from its own page, with the keyboard.
    page.goto(f"/tickets/{duplicate.reference}/")
    page.get_by_text("Merge into another ticket").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Merge this ticket into").fill(target.reference)
    page.get_by_label("Merge this ticket into").press("Enter")
    page.wait_for_url(f"**/tickets/{target.reference}/")
    expect(page.get_by_text(f"{duplicate.reference} was merged into this ticket")).to_be_visible()
    expect(page.get_by_test_id("merged-from")).to_contain_text(duplicate.reference)
    assert Ticket._base_manager.get(pk=duplicate.pk).merged_into_id == target.pk
    assert_accessible(page)

    # The duplicate's requester opens his old link, on a phone.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    try:
        phone = context.new_page()
        sign_in(phone, personas.user_a)
        phone.goto(f"/tickets/{duplicate.reference}/")
        phone.wait_for_url(f"**/tickets/{target.reference}/")
        expect(
            phone.get_by_text(f"{duplicate.reference} was merged into this ticket")
        ).to_be_visible()
        expect(phone.get_by_text("Posting fails with error 500.").first).to_be_visible()
        # Another organisation's linked ticket: nothing of it, ever.
        content = phone.content()
        assert foreign.reference not in content and "Scanner rounding" not in content
        assert "Link a ticket" not in content
        assert_accessible(phone)
    finally:
        context.close()
