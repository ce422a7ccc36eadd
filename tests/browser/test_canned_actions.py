"""Mentions and canned actions in a real browser: an agent inserts a canned response
that also sets the status, sees what it will set, mentions a colleague in the note, and
sends; the colleague is notified (eager Celery: events run as they commit)."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from notifications.models import Kind, Notification
from tests import factories
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tickets import services
from tickets.models import Reply, Ticket
from workspace import canned_responses

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_sends_a_canned_note_that_sets_the_status_and_mentions_a_colleague(
    page, personas, make_ticket, eager_celery
):
    zoe = factories.StaffFactory(full_name="Zoé Zentai", email="zoe@vendor.example")
    ticket = make_ticket(title="Payroll export rejected by the bank")
    services.ticket_transition(personas.agent, ticket=ticket, action="acknowledge")
    canned_responses.canned_response_create(
        personas.manager,
        title="Ask for the logs",
        body="Logs requested from {customer_name}.",
        status="waiting_on_customer",
        assign="me",
    )
    sign_in(page, personas.agent)
    page.goto(f"/tickets/{ticket.reference}/")

    page.get_by_label("Canned response").select_option(label="Ask for the logs (sets fields)")
    message = page.get_by_label("Reply to the customer or add a note")
    expect(message).to_have_value("Logs requested from Alice Admin.")
    expect(page.get_by_test_id("canned-response-sets")).to_have_text(
        "Sending also sets Status: Waiting on customer; Assignee: you"
    )
    assert_accessible(page)
    message.press("End")
    message.type(" @zoe @nobody please check the bank's file format.")
    page.get_by_test_id("mode-note").click()
    page.get_by_role("button", name="Add internal note").click()

    expect(
        page.get_by_text("Internal note added. No single colleague matches @nobody")
    ).to_be_visible()
    expect(page.get_by_test_id("status")).to_contain_text("Waiting on customer")
    assert_accessible(page)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.assignee) == ("waiting_on_customer", personas.agent)
    note = Reply.objects.get(ticket=ticket, is_internal=True)
    assert "@zoe" in note.body
    assert Notification.objects.filter(recipient=zoe, kind=Kind.MENTIONED).count() == 1
    assert [m.to for m in mail.outbox if zoe.email in m.to] == [[zoe.email]]
