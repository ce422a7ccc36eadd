"""Canned responses that also set fields: maintained with a status, a priority and an
assignee, and applied with the reply in one transaction through the ticket services
(tickets.canned); a status the workflow refuses sends nothing."""

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import CannedResponse, Reply, Status, TicketEvent
from workspace import canned_responses

pytestmark = pytest.mark.django_db


def reply_url(ticket) -> str:
    return reverse("ticket_reply", kwargs={"reference": ticket.reference})


def test_staff_keep_a_response_that_sets_status_priority_and_assignee(agent_client, personas):
    agent_client.post(
        reverse("workspace_canned_responses"),
        {
            "title": "Need logs",
            "body": "Please send the logs.",
            "status": "waiting_on_customer",
            "priority": "high",
            "assign": "agent",
            "assignee": personas.manager.pk,
        },
    )
    response = CannedResponse.objects.get()
    assert (response.status, response.priority, response.assign, response.assignee) == (
        "waiting_on_customer",
        "high",
        "agent",
        personas.manager,
    )
    page = agent_client.get(reverse("workspace_canned_responses")).content.decode()
    assert (
        "Sending it also sets Status: Waiting on customer; Priority: High; "
        "Assignee: Mona Manager" in page
    )
    form = agent_client.get(
        reverse("workspace_canned_response_edit", args=[response.pk])
    ).content.decode()
    assert '<option value="waiting_on_customer" selected>' in form


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"status": "resolved"}, "Select a valid choice"),
        ({"assign": "agent"}, "Choose the agent to assign."),
        ({"priority": "<script>"}, "Select a valid choice"),
    ],
)
def test_a_response_with_fields_it_cannot_set_is_refused(agent_client, fields, error):
    page = agent_client.post(
        reverse("workspace_canned_responses"), {"title": "X", "body": "Y", **fields}
    ).content.decode()
    assert error in page
    assert not CannedResponse.objects.exists()


def test_a_customer_is_never_the_named_assignee(personas):
    with pytest.raises(Exception, match="Choose the agent to assign"):
        canned_responses.canned_response_create(
            personas.agent, title="X", body="Y", assign="agent", assignee=personas.admin_a
        )


def test_sending_the_reply_sets_the_fields_and_records_each_in_the_history(
    agent_client, personas, make_ticket
):
    ticket = make_ticket(severity="S2")
    response = canned_responses.canned_response_create(
        personas.agent,
        title="Need logs",
        body="Please send the logs.",
        status="waiting_on_customer",
        priority="urgent",
        assign="me",
    )
    page = agent_client.post(
        reply_url(ticket),
        {"body": "Please send the logs.", "canned_response": response.pk},
        follow=True,
    ).content.decode()

    assert "Reply sent." in page
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_CUSTOMER
    assert ticket.priority == "urgent"
    assert ticket.assignee == personas.agent
    assert Reply.objects.filter(ticket=ticket, body="Please send the logs.").count() == 1
    changed = set(
        TicketEvent.objects.filter(ticket=ticket, actor=personas.agent).values_list(
            "field", flat=True
        )
    )
    assert {"status", "priority", "assignee"} <= changed


def test_a_named_agent_is_assigned(agent_client, personas, make_ticket):
    ticket = make_ticket()
    response = canned_responses.canned_response_create(
        personas.agent,
        title="Hand over",
        body="Passing on.",
        assign="agent",
        assignee=personas.manager,
    )
    agent_client.post(
        reply_url(ticket), {"body": "Passing on.", "internal": "on", "canned_response": response.pk}
    )
    ticket.refresh_from_db()
    assert ticket.assignee == personas.manager
    assert Reply.objects.get(ticket=ticket, body="Passing on.").is_internal


def test_a_status_the_workflow_refuses_sends_nothing(agent_client, personas, make_ticket):
    ticket = make_ticket()
    response = canned_responses.canned_response_create(
        personas.agent, title="Ack", body="Got it.", status="acknowledged", priority="urgent"
    )
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    ticket.refresh_from_db()
    version, replies = ticket.version, Reply.objects.filter(ticket=ticket).count()

    page = agent_client.post(
        reply_url(ticket), {"body": "Got it.", "canned_response": response.pk}, follow=True
    ).content.decode()

    assert (
        "“Ack” sets the status to “Acknowledged”, which a ticket that is in progress "
        "cannot reach: nothing was sent." in page
    )
    ticket.refresh_from_db()
    assert ticket.version == version
    assert ticket.status == Status.IN_PROGRESS and ticket.priority != "urgent"
    assert Reply.objects.filter(ticket=ticket).count() == replies


def test_a_customer_posting_a_canned_response_id_just_replies(client, personas, make_ticket):
    ticket = make_ticket()
    response = canned_responses.canned_response_create(
        personas.agent, title="Close", body="x", priority="urgent", assign="me"
    )
    client.force_login(personas.admin_a)
    client.post(reply_url(ticket), {"body": "Any news?", "canned_response": response.pk})
    ticket.refresh_from_db()
    assert ticket.priority != "urgent" and ticket.assignee is None
    assert Reply.objects.filter(ticket=ticket, body="Any news?").exists()


def test_a_deleted_response_refuses_the_reply(agent_client, make_ticket):
    ticket = make_ticket()
    page = agent_client.post(
        reply_url(ticket), {"body": "Hi", "canned_response": 999999}, follow=True
    ).content.decode()
    assert "The canned response was deleted meanwhile." in page
    assert not Reply.objects.filter(ticket=ticket, body="Hi").exists()


def test_the_picker_says_what_a_response_sets(agent_client, personas, make_ticket):
    ticket = make_ticket()
    canned_responses.canned_response_create(
        personas.agent, title="Waiting", body="x", status="waiting_on_customer"
    )
    canned_responses.canned_response_create(personas.agent, title="Plain", body="y")
    page = agent_client.get(
        reverse("ticket_detail", kwargs={"reference": ticket.reference})
    ).content.decode()
    assert 'data-sets="Status: Waiting on customer"' in page
    assert 'data-sets=""' in page
    assert 'name="canned_response"' in page


@pytest.mark.parametrize("value", ["-1", "0", "99999999999999999999", "x", "1e3", "\x00"])
def test_a_hostile_canned_response_id_is_refused_without_a_server_error(
    agent_client, make_ticket, value
):
    ticket = make_ticket()
    response = agent_client.post(reply_url(ticket), {"body": "Hi", "canned_response": value})
    assert response.status_code in (302, 400)
    assert not Reply.objects.filter(ticket=ticket, body="Hi").exists()
