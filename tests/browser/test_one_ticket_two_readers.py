"""One ticket as its customer and its agent meet it in a day, in a real browser: one
name per status for each side, each ticket once on the customer's home, a resolution
the customer confirms and a reopen that says why, and one email per step (the
workaround with its lowered severity, a new estimated date for a tracked bug).

Events run in the live server's thread as they are committed (eager Celery), so an
email is in the outbox by the time the page that caused it has loaded."""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_page(browser, live_server) -> Iterator:
    """A browser of a second person, beside ``page``."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    errors: list[str] = []
    other = context.new_page()
    other.on("pageerror", lambda exc: errors.append(str(exc)))
    other.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield other
    context.close()
    assert not errors, f"browser reported errors: {errors}"


def _emails_to(user) -> list:
    return [message for message in mail.outbox if user.email in message.to]


def _step(page, name: str):
    """The form of one workflow step in the ticket page's "Next steps"."""
    return page.locator("form", has=page.get_by_role("button", name=name, exact=True))


def test_a_new_ticket_has_one_name_for_the_customer_and_one_for_staff(
    page,
    second_page,
    personas,
    make_ticket,
):
    ticket = make_ticket(title="Invoices cannot be posted at month-end")

    sign_in(page, personas.admin_a)
    row = page.get_by_role("listitem").filter(has_text=ticket.title)
    expect(row.get_by_test_id("status")).to_have_text("Received")
    row.get_by_role("link", name=re.compile(ticket.title)).click()
    expect(page.get_by_test_id("status")).to_have_text("Received")
    page.goto("/portal/tickets/")
    expect(page.get_by_test_id("status").first).to_have_text("Received")
    expect(page.get_by_label("Status").locator("option", has_text="Received")).to_have_count(1)

    sign_in(second_page, personas.agent)
    second_page.goto("/workspace/?queue=all")
    queue_row = second_page.locator(f"#row-{ticket.reference}")
    expect(queue_row.get_by_test_id("status")).to_have_text("New")
    second_page.goto(f"/tickets/{ticket.reference}/")
    expect(second_page.get_by_test_id("status")).to_have_text("New")


def test_the_customers_home_lists_each_ticket_once(page, personas, make_ticket):
    agent = personas.agent
    own = make_ticket(title="Payroll export rejected by the bank")
    waiting = make_ticket(title="Stock valuation differs from the ledger")
    services.ticket_transition(agent, ticket=waiting, action="acknowledge")
    services.ticket_transition(agent, ticket=waiting, action="wait_on_customer")
    colleagues = make_ticket(requester=personas.user_a, title="Connect API answers 401")

    sign_in(page, personas.admin_a)

    for ticket in (own, waiting, colleagues):
        expect(page.get_by_role("link", name=re.compile(ticket.title))).to_have_count(1)
    needs = page.get_by_role("region", name=re.compile("Needs your answer"))
    expect(needs.get_by_role("link", name=re.compile(waiting.title))).to_be_visible()
    mine = page.get_by_role("region", name=re.compile("Your open tickets"))
    expect(mine.get_by_role("link", name=re.compile(own.title))).to_be_visible()
    others = page.get_by_role("region", name=re.compile("Other open tickets of Acme"))
    expect(others.get_by_role("link", name=re.compile(colleagues.title))).to_be_visible()
    assert_accessible(page)


def test_resolving_needs_the_resolution_and_reopening_needs_a_reason(
    page,
    second_page,
    personas,
    make_ticket,
    eager_celery,
):
    ticket = make_ticket(title="Payroll export rejected by the bank")
    services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")

    # The agent cannot resolve without saying what fixed it.
    sign_in(page, personas.agent)
    page.goto(f"/tickets/{ticket.reference}/")
    resolve = _step(page, "Resolve")
    resolve.get_by_role("button", name="Resolve", exact=True).click()
    assert resolve.get_by_label(re.compile("Resolution")).evaluate("el => !el.validity.valid")
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"
    resolve.get_by_label(re.compile("Resolution")).fill(
        "The bank's new file format is supported from hotfix 8.1.3, installed today."
    )
    mail.outbox.clear()
    resolve.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.get_by_test_id("status")).to_have_text("Resolved")
    (resolved_email,) = _emails_to(personas.admin_a)
    assert "supported from hotfix 8.1.3" in resolved_email.body

    # The customer reads the resolution, and reopens only with a reason.
    sign_in(second_page, personas.admin_a)
    second_page.goto(f"/tickets/{ticket.reference}/")
    expect(second_page.get_by_test_id("status")).to_have_text("Resolved: please confirm")
    expect(second_page.get_by_test_id("resolution")).to_contain_text("hotfix 8.1.3")
    reopen = _step(second_page, "Reopen")
    reopen.get_by_role("button", name="Reopen").click()
    assert reopen.get_by_label(re.compile("What still needs work")).evaluate(
        "el => !el.validity.valid"
    )
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    mail.outbox.clear()
    reopen.get_by_label(re.compile("What still needs work")).fill(
        "The export still fails for the Austrian subsidiary."
    )
    reopen.get_by_role("button", name="Reopen").click()
    expect(second_page.get_by_test_id("status")).to_have_text("In progress")
    reply = second_page.get_by_test_id("reply").last
    expect(reply).to_contain_text("The export still fails for the Austrian subsidiary.")
    expect(reply).to_contain_text(personas.admin_a.full_name)
    expect(second_page.get_by_test_id("resolution")).to_have_count(0)
    assert_accessible(second_page)

    # The assignee hears of it once, with the reason.
    (reopened,) = _emails_to(personas.agent)
    assert reopened.subject == f"[{ticket.reference}] Reopened: {ticket.title}"
    assert "The export still fails for the Austrian subsidiary." in reopened.body
    assert len(mail.outbox) == 1


def test_a_workaround_sends_the_customer_one_email_that_says_everything(
    page,
    personas,
    make_ticket,
    eager_celery,
):
    ticket = make_ticket(title="Invoices cannot be posted at month-end", severity="S1")
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    mail.outbox.clear()

    sign_in(page, personas.agent)
    page.goto(f"/tickets/{ticket.reference}/")
    step = _step(page, "Provide a workaround")
    step.get_by_label("Workaround for the customer").fill(
        "Post the invoices in batches of 50 until the fix ships."
    )
    step.get_by_role("button", name="Provide a workaround").click()
    expect(page.get_by_test_id("status")).to_have_text("Workaround provided")
    expect(page.get_by_test_id("severity")).to_contain_text("S2")

    (email,) = _emails_to(personas.admin_a)
    assert "A workaround is available" in email.subject
    assert "Post the invoices in batches of 50" in email.body
    assert "the severity is lowered from S1 to S2" in email.body


def test_a_new_estimated_date_is_told_to_the_customer_once(
    page,
    second_page,
    personas,
    make_ticket,
    eager_celery,
):
    ticket = make_ticket(title="Connect API answers 401 after a token refresh", type="bug")
    mail.outbox.clear()

    sign_in(page, personas.agent)
    page.goto(f"/tickets/{ticket.reference}/")
    page.locator("summary", has_text="Development tracker").click()  # the form is folded
    page.get_by_label("Tracker issue").fill("FIN-881")
    page.get_by_label("Estimated resolution").fill("2026-12-11")
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_text("Tracker issue linked.")).to_be_visible()
    # Saved again unchanged: nothing new for the customer.
    page.locator("summary", has_text="Development tracker: FIN-881").click()
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_text("Tracker issue linked.")).to_be_visible()

    (email,) = _emails_to(personas.admin_a)
    assert email.subject == (
        f"[{ticket.reference}] Estimated resolution Fri 11 Dec 2026: {ticket.title}"
    )
    assert "by Friday 11 December 2026" in email.body

    sign_in(second_page, personas.admin_a)
    second_page.goto(f"/tickets/{ticket.reference}/")
    expect(second_page.get_by_text(re.compile(r"expected by Fri 11 Dec 2026"))).to_be_visible()
    assert dt.date(2026, 12, 11) == Ticket.objects.get(pk=ticket.pk).estimated_resolution
