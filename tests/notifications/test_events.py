"""Each ticket event's email: who receives it, its subject and threading headers, and
what never leaves the building (internal notes). The provider is anymail's test backend."""

import re

import pytest
from django.core import mail

from notifications.models import (
    Kind,
    Notification,
    NotificationPreference,
    OutboundEmail,
    OutboundState,
    TicketThread,
)
from tests import factories
from tests.notifications.conftest import sent_to
from tickets import escalations, services

pytestmark = pytest.mark.django_db

MESSAGE_ID = re.compile(r"^<ticket-ACME-\d+-[0-9a-f]{32}@helpdesk\.test>$")


def test_ticket_received_mails_requester_and_watchers_with_reference_and_response_target(
    personas, make_ticket, deliver, daytime
):
    with deliver():
        ticket = make_ticket(watchers=[personas.user_a])

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.admin_a.email, personas.user_a.email]
    )
    message = sent_to(personas.admin_a.email)[0]
    assert message.subject == f"[{ticket.reference}] We received your request: {ticket.title}"
    # Privilege S1: first response within 2 hours around the clock, 10:00 + 2 h in Budapest.
    assert "We aim to respond by Wednesday 25 November 2026, 12:00 CET" in message.body
    assert ticket.reference in message.body
    html = message.alternatives[0][0]
    assert "12:00 CET" in html and f"Open {ticket.reference}" in html


def test_every_email_threads_under_the_tickets_stored_root_message_id(
    personas, make_ticket, deliver, daytime
):
    with deliver():
        ticket = make_ticket()
    with deliver():
        services.ticket_reply(personas.agent, ticket=ticket, body="We are on it.")

    root = TicketThread.objects.get(ticket=ticket).root_message_id
    assert root == f"<ticket-{ticket.reference}@helpdesk.test>"
    assert len(mail.outbox) == 2
    ids = set()
    for message in mail.outbox:
        assert message.subject.startswith(f"[{ticket.reference}] ")
        assert MESSAGE_ID.match(message.extra_headers["Message-ID"])
        assert message.extra_headers["In-Reply-To"] == root
        assert message.extra_headers["References"] == root
        assert message.reply_to == ["support@helpdesk.test"]
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
        ids.add(message.extra_headers["Message-ID"])
    assert len(ids) == 2


def test_sent_email_records_the_providers_message_id(personas, make_ticket, deliver, daytime):
    with deliver():
        ticket = make_ticket()

    outbound = OutboundEmail.objects.get(ticket=ticket)
    assert outbound.state == OutboundState.SENT
    assert outbound.sent_at is not None
    # anymail's test backend numbers the messages it accepted: this was the first.
    assert outbound.provider_message_id == "0"
    assert outbound.attempts == 1


def test_staff_reply_mails_the_customers_and_not_the_author(
    personas, make_ticket, deliver, daytime
):
    ticket = make_ticket(watchers=[personas.user_a])
    with deliver():
        services.ticket_reply(personas.agent, ticket=ticket, body="Please send the log file.")

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.admin_a.email, personas.user_a.email]
    )
    message = sent_to(personas.user_a.email)[0]
    assert message.subject == f"[{ticket.reference}] Agnes Agent replied: {ticket.title}"
    assert "Please send the log file." in message.body


def test_customer_reply_mails_the_assignee_and_the_other_customers(
    personas, make_ticket, deliver, daytime
):
    ticket = make_ticket(watchers=[personas.user_a])
    services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    with deliver():
        services.ticket_reply(personas.admin_a, ticket=ticket, body="Here is the log.")

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.agent.email, personas.user_a.email]
    )


def test_internal_note_never_emails_a_customer(personas, make_ticket, deliver, daytime):
    ticket = make_ticket(watchers=[personas.user_a])
    services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    with deliver():
        services.ticket_reply(
            personas.manager, ticket=ticket, body="Customer is on an old build.", internal=True
        )

    assert [m.to for m in mail.outbox] == [[personas.agent.email]]
    assert "old build" in mail.outbox[0].body
    customers = {personas.admin_a.pk, personas.user_a.pk}
    assert not Notification.objects.filter(recipient__in=customers).exists()
    assert not any("old build" in m.body for m in sent_to(personas.admin_a.email))


def test_internal_note_by_the_assignee_emails_nobody(personas, make_ticket, deliver, daytime):
    ticket = make_ticket()
    services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    with deliver():
        services.ticket_reply(personas.agent, ticket=ticket, body="Checking.", internal=True)

    assert mail.outbox == []


def test_severity_change_tells_the_customers_the_reason(personas, make_ticket, deliver, daytime):
    ticket = make_ticket(severity="S2")
    with deliver():
        services.ticket_set_severity(
            personas.agent, ticket=ticket, severity="S1", reason="Production is down."
        )

    message = sent_to(personas.admin_a.email)[0]
    assert (
        message.subject == f"[{ticket.reference}] Severity changed to S1 critical: {ticket.title}"
    )
    assert "from S2 to S1 critical" in message.body
    assert "Reason: Production is down." in message.body


def test_workaround_email_carries_the_workaround_and_the_lowered_severity(
    personas, make_ticket, deliver, daytime
):
    ticket = make_ticket()
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    with deliver():
        services.ticket_transition(
            personas.agent,
            ticket=ticket,
            action="provide_workaround",
            workaround="Post the invoices in batches of 50.",
        )

    # One step, one email: the lowered severity is said in the workaround's message.
    (workaround,) = sent_to(personas.admin_a.email)
    assert workaround.subject == f"[{ticket.reference}] A workaround is available: {ticket.title}"
    assert "Post the invoices in batches of 50." in workaround.body
    assert "the severity is lowered from S1 to S2 major" in workaround.body


def test_resolution_asks_the_customer_to_confirm_or_reopen(personas, make_ticket, deliver, daytime):
    ticket = make_ticket()
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    with deliver():
        services.ticket_transition(
            personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
        )

    message = sent_to(personas.admin_a.email)[0]
    assert message.subject == f"[{ticket.reference}] Resolved, please confirm: {ticket.title}"
    assert "is resolved:\n\nFixed in 8.1.3.\n\nPlease confirm on the ticket page" in message.body
    assert "Fixed in 8.1.3." in message.alternatives[0][0]


def test_customer_reopening_tells_the_assignee_not_the_customer_who_did_it(
    personas, make_ticket, deliver, daytime
):
    ticket = make_ticket()
    services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
    )
    with deliver():
        services.ticket_transition(
            personas.admin_a, ticket=ticket, action="reopen", reason="Still failing."
        )

    # One email, which carries the reason; the reason is the ticket's newest reply.
    assert [m.to for m in mail.outbox] == [[personas.agent.email]]
    assert mail.outbox[0].subject == f"[{ticket.reference}] Reopened: {ticket.title}"
    assert "reopened " + ticket.reference + ":\n\nStill failing." in mail.outbox[0].body
    reply = ticket.replies.latest("pk")
    assert (reply.author, reply.body, reply.is_internal) == (
        personas.admin_a,
        "Still failing.",
        False,
    )


def test_each_reader_gets_the_status_in_their_own_words(personas, make_ticket, deliver, daytime):
    ticket = make_ticket(watchers=[personas.user_a])
    services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    with deliver():
        services.ticket_transition(personas.agent, ticket=ticket, action="wait_on_customer")
    (customer,) = sent_to(personas.admin_a.email)
    assert customer.subject == f"[{ticket.reference}] Now waiting for your answer: {ticket.title}"
    assert "S1 critical · Waiting for your answer" in customer.body

    mail.outbox.clear()
    with deliver():
        services.ticket_transition(personas.user_a, ticket=ticket, action="resume")
    (agent,) = sent_to(personas.agent.email)
    assert agent.subject == f"[{ticket.reference}] Now in progress: {ticket.title}"
    notices = Notification.objects.filter(ticket=ticket, kind=Kind.STATUS_CHANGED)
    assert {(n.recipient, n.body) for n in notices} >= {
        (personas.admin_a, "Waiting for your answer"),
        (personas.agent, "In progress"),
    }


def test_a_new_estimate_is_told_to_the_customers_once_with_its_date(
    personas, make_ticket, deliver, daytime
):
    import datetime as dt

    ticket = make_ticket(type="bug")
    link = {"reference": "FIN-881", "url": "https://tracker.example/FIN-881"}
    with deliver():
        services.ticket_link_tracker(
            personas.agent, ticket=ticket, estimated_resolution=dt.date(2026, 12, 11), **link
        )
    (message,) = sent_to(personas.admin_a.email)
    assert message.subject == (
        f"[{ticket.reference}] Estimated resolution Fri 11 Dec 2026: {ticket.title}"
    )
    assert "by Friday 11 December 2026" in message.body
    assert "tracked by our development team as FIN-881" in message.body
    assert "tracker.example" not in message.body  # the vendor's tracker stays inside

    mail.outbox.clear()
    with deliver():  # the same form saved again: nothing new to tell
        services.ticket_link_tracker(
            personas.agent, ticket=ticket, estimated_resolution=dt.date(2026, 12, 11), **link
        )
    with deliver():  # only the link changes: not the customer's business
        services.ticket_link_tracker(
            personas.agent,
            ticket=ticket,
            estimated_resolution=dt.date(2026, 12, 11),
            reference="FIN-881",
            url="https://tracker.example/browse/FIN-881",
        )
    assert mail.outbox == []

    with deliver():
        services.ticket_link_tracker(
            personas.agent, ticket=ticket, estimated_resolution=dt.date(2027, 1, 8), **link
        )
    (moved,) = sent_to(personas.admin_a.email)
    assert "by Friday 8 January 2027 (before: Friday 11 December 2026)" in moved.body


def test_assignment_mails_the_new_assignee_unless_they_took_it_themselves(
    personas, make_ticket, deliver, daytime
):
    ticket = make_ticket()
    with deliver():
        services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    assert [m.to for m in mail.outbox] == [[personas.agent.email]]
    assert mail.outbox[0].subject == f"[{ticket.reference}] Assigned to you: {ticket.title}"

    mail.outbox.clear()
    other = factories.StaffFactory()
    with deliver():
        services.ticket_assign(other, ticket=ticket, assignee=other)
    assert mail.outbox == []


def test_escalation_request_mails_the_managers_and_the_cem(personas, make_ticket, deliver, daytime):
    second_manager = factories.ManagerFactory()
    ticket = make_ticket()
    with deliver():
        escalations.escalation_request(
            personas.admin_a, ticket=ticket, reason="No answer for days."
        )

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.manager.email, second_manager.email]
    )  # the first manager is also ACME's CEM: one email, not two
    assert "No answer for days." in mail.outbox[0].body
    assert "Escalation requested by Alice Admin" in mail.outbox[0].subject


def test_escalation_outcome_mails_the_customers_and_the_specialist(
    personas, make_ticket, deliver, daytime
):
    ticket = make_ticket(watchers=[personas.user_a])
    escalation = escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Urgent.")
    specialist = factories.StaffFactory(full_name="Sam Specialist")
    with deliver():
        escalations.escalation_accept(
            personas.manager,
            escalation=escalation,
            level=1,
            specialist=specialist,
            action_plan="Daily calls until fixed.",
            communication_channel="Phone",
            **factories.cadence(),
            participants="Alice, Sam",
        )

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.admin_a.email, personas.user_a.email, specialist.email]
    )
    message = sent_to(personas.admin_a.email)[0]
    assert message.subject == f"[{ticket.reference}] Escalation accepted: {ticket.title}"
    assert "Daily calls until fixed." in message.body
    assert "Specialist: Sam Specialist" in message.body


def test_a_customer_who_switched_an_event_off_gets_it_in_app_only(
    personas, make_ticket, deliver, daytime
):
    NotificationPreference.objects.create(user=personas.admin_a, kind=Kind.REPLY_ADDED, email=False)
    ticket = make_ticket()
    with deliver():
        services.ticket_reply(personas.agent, ticket=ticket, body="Fixed in 8.1.2.")

    assert sent_to(personas.admin_a.email) == []
    assert Notification.objects.filter(recipient=personas.admin_a, kind=Kind.REPLY_ADDED).exists()


def test_handlers_run_twice_send_each_email_once(personas, make_ticket, deliver, daytime):
    from notifications import handlers

    ticket = make_ticket()
    with deliver():
        reply = services.ticket_reply(personas.agent, ticket=ticket, body="Once only.")
    with deliver():
        handlers.reply_added(ticket=ticket, reply=reply)  # a replayed event

    assert len(sent_to(personas.admin_a.email)) == 1
    assert OutboundEmail.objects.filter(kind=Kind.REPLY_ADDED).count() == 1
    assert Notification.objects.filter(kind=Kind.REPLY_ADDED).count() == 1


def test_nothing_is_sent_when_the_change_rolls_back(personas, make_ticket, deliver, daytime):
    from django.db import transaction

    ticket = make_ticket()
    with deliver(), transaction.atomic():
        services.ticket_reply(personas.agent, ticket=ticket, body="Never mind.")
        transaction.set_rollback(True)

    assert mail.outbox == []
    assert not OutboundEmail.objects.exists()


def test_subject_text_is_not_html_escaped(personas, make_ticket, deliver, daytime):
    with deliver():
        ticket = make_ticket(title="Can't post <invoices> & credit notes")

    message = mail.outbox[0]
    assert message.subject == (
        f"[{ticket.reference}] We received your request: Can't post <invoices> & credit notes"
    )
    assert "Can't post <invoices> & credit notes" in message.body
    assert "Can&#x27;t post &lt;invoices&gt;" in message.alternatives[0][0]
