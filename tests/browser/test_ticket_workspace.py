"""The agent's ticket page in a real browser: two agents on one ticket see each other
viewing and typing, a reply to a ticket that changed meanwhile is held back until sent
again, the reply box's two modes and the folded forms work from the keyboard, and the
page fits a phone."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tickets import presence
from tickets.models import Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Two polls and some slack: a heartbeat reaches the other page on its next poll.
SEEN_WITHIN_MS = 2 * presence.POLL_SECONDS * 1000 + 5_000


@pytest.fixture
def anna(transactional_db):
    return factories.StaffFactory(full_name="Anna Kovács")


@pytest.fixture
def anna_page(browser, live_server) -> Iterator:
    """A second agent's browser, beside ``page``."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
    )
    context.set_default_timeout(10_000)
    errors: list[str] = []
    other = context.new_page()
    other.on("pageerror", lambda exc: errors.append(str(exc)))
    other.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield other
    context.close()
    assert not errors, f"browser reported errors: {errors}"


def test_two_agents_on_one_ticket_see_each_other_viewing_and_typing(
    page, anna_page, personas, anna, make_ticket
):
    ticket = make_ticket(severity="S1")
    url = f"/tickets/{ticket.reference}/"
    sign_in(page, personas.agent)
    page.goto(url)
    expect(page.get_by_test_id("presence-other")).to_have_count(0)

    sign_in(anna_page, anna)
    anna_page.goto(url)
    expect(anna_page.get_by_test_id("presence")).to_have_text("Agnes Agent is viewing")
    expect(page.get_by_test_id("presence")).to_have_text(
        "Anna Kovács is viewing", timeout=SEEN_WITHIN_MS
    )

    anna_page.get_by_label("Reply to the customer or add a note").press_sequentially("We are")
    expect(page.get_by_test_id("presence")).to_have_text(
        "Anna Kovács is typing a reply", timeout=SEEN_WITHIN_MS
    )
    expect(anna_page.get_by_test_id("presence")).to_have_text("Agnes Agent is viewing")
    # The SLA targets still owed are counted down at the top, as in the queue.
    expect(page.get_by_test_id("countdown-first_response")).to_have_text(re.compile("left$"))
    assert_accessible(page)


def test_a_reply_to_a_ticket_changed_meanwhile_is_shown_the_change_and_sent_again(
    page, anna_page, personas, anna, make_ticket
):
    ticket = make_ticket(severity="S2")
    url = f"/tickets/{ticket.reference}/"
    sign_in(page, personas.agent)
    page.goto(url)
    sign_in(anna_page, anna)
    anna_page.goto(url)

    page.get_by_label("Reply to the customer or add a note").fill("Please restart the service.")
    anna_page.locator("summary", has_text="Priority:").click()
    anna_page.get_by_label("Priority", exact=True).select_option(label="Urgent")
    anna_page.get_by_role("button", name="Set", exact=True).click()
    expect(anna_page.get_by_text("Priority changed.")).to_be_visible()

    page.get_by_role("button", name="Send reply").click()
    conflict = page.get_by_test_id("reply-conflict")
    expect(conflict).to_contain_text("Not sent: this ticket changed since you opened it.")
    expect(conflict).to_contain_text("Anna Kovács changed priority from “Medium” to “Urgent”")
    expect(page.get_by_label("Reply to the customer or add a note")).to_have_value(
        "Please restart the service."
    )
    assert Reply.objects.filter(ticket=ticket).count() == 0
    assert_accessible(page)

    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent.")).to_be_visible()
    assert Reply.objects.get(ticket=ticket).body == "Please restart the service."


def test_the_note_mode_and_the_folded_forms_work_from_the_keyboard(page, personas, make_ticket):
    ticket = make_ticket(severity="S2")
    sign_in(page, personas.agent)
    page.goto(f"/tickets/{ticket.reference}/")
    warning = page.get_by_test_id("note-warning")
    expect(warning).to_be_hidden()
    expect(page.get_by_role("button", name="Send reply")).to_be_visible()

    page.locator("#reply-mode-public").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#reply-mode-note")).to_be_checked()
    expect(warning).to_have_text("Internal note — the customer will not see this")
    expect(page.get_by_role("button", name="Add internal note")).to_be_visible()
    expect(page.get_by_role("button", name="Send reply")).to_be_hidden()
    assert_accessible(page)

    assignee = page.get_by_label("Assignee", exact=True)
    expect(assignee).to_be_hidden()
    page.locator("summary", has_text="Assignee:").focus()
    page.keyboard.press("Enter")
    expect(assignee).to_be_visible()

    page.get_by_label("Reply to the customer or add a note").fill("Checked the logs.")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.get_by_text("Internal note added.")).to_be_visible()
    assert Reply.objects.get(ticket=ticket).is_internal


def test_the_agents_ticket_page_fits_a_phone(browser, live_server, personas, make_ticket):
    ticket = make_ticket(severity="S1")
    make_ticket(title="Payroll export rejected")
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    try:
        phone = context.new_page()
        sign_in(phone, personas.agent)
        phone.goto(f"/tickets/{ticket.reference}/")
        expect(phone.get_by_label("Reply to the customer or add a note")).to_be_visible()
        expect(phone.get_by_test_id("requester")).to_contain_text("Payroll export rejected")
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        assert_accessible(phone)
    finally:
        context.close()
