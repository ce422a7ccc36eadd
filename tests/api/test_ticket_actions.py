"""A ticket's status, severity and escalation through the API: the workflow steps each
role's pages offer, through the same services, with the If-Match version check."""

import pytest
from django.urls import reverse

from tickets.models import EscalationRequest, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def status_url(ticket) -> str:
    return reverse("api_ticket_status", args=[ticket.reference])


def test_an_agent_resolves_and_the_customer_confirms(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a)
    agent, customer = api(personas.agent), api(personas.admin_a)
    assert agent.post(status_url(ticket), {"action": "acknowledge"}).status_code == 200
    resolved = agent.post(
        status_url(ticket), {"action": "resolve", "resolution": "Fixed in 8.1.4."}
    )
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolution"] == "Fixed in 8.1.4."
    confirmed = customer.post(status_url(ticket), {"action": "confirm_resolution"})
    assert confirmed.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at is not None
    assert confirmed["ETag"] == f'"{ticket.version}"'
    assert TicketEvent.objects.filter(ticket=ticket, field="status").count() == 3


def test_a_customer_reopens_with_a_reason_posted_as_a_reply(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a)
    agent, customer = api(personas.agent), api(personas.admin_a)
    agent.post(status_url(ticket), {"action": "acknowledge"})
    agent.post(status_url(ticket), {"action": "resolve", "resolution": "Fixed."})
    without = customer.post(status_url(ticket), {"action": "reopen"})
    assert without.status_code == 400 and "reason" in without.json()
    reopened = customer.post(status_url(ticket), {"action": "reopen", "reason": "Still fails."})
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"
    assert ticket.replies.get().body == "Still fails."


def test_a_customer_may_not_take_the_staffs_steps(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a)
    refused = api(personas.admin_a).post(
        status_url(ticket), {"action": "resolve", "resolution": "Done myself."}
    )
    assert refused.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_a_step_the_status_does_not_lead_from_is_a_409(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a)
    response = api(personas.admin_a).post(status_url(ticket), {"action": "confirm_resolution"})
    assert response.status_code == 409 and "cannot be moved" in response.json()["detail"]


def test_a_step_without_its_words_names_the_missing_field(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a)
    agent = api(personas.agent)
    agent.post(status_url(ticket), {"action": "acknowledge"})
    response = agent.post(status_url(ticket), {"action": "resolve"})
    assert response.status_code == 400 and "resolution" in response.json()
    unknown = agent.post(status_url(ticket), {"action": "vanish"})
    assert unknown.status_code == 400 and "action" in unknown.json()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("api_ticket_status", {"action": "acknowledge"}),
        ("api_ticket_severity", {"severity": "S2", "reason": "Work goes on."}),
    ],
)
def test_a_stale_if_match_is_refused_with_the_current_version(
    api, personas, make_ticket, name, data
):
    ticket = make_ticket(requester=personas.admin_a)
    url = reverse(name, args=[ticket.reference])
    agent = api(personas.agent)
    for stale in (f'"{ticket.version - 1}"', '"not-a-version"'):
        response = agent.post(url, data, HTTP_IF_MATCH=stale)
        assert response.status_code == 412, stale
        assert response.json()["version"] == ticket.version
        assert response["ETag"] == f'"{ticket.version}"'
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version
    fresh = agent.post(url, data, HTTP_IF_MATCH=f'"{ticket.version}"')
    assert fresh.status_code == 200
    assert fresh.json()["version"] == ticket.version + 1


def test_staff_change_the_severity_with_a_reason(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a, severity="S3")
    url = reverse("api_ticket_severity", args=[ticket.reference])
    agent = api(personas.agent)
    missing = agent.post(url, {"severity": "S1"})
    assert missing.status_code == 400 and "reason" in missing.json()
    bad = agent.post(url, {"severity": "S9", "reason": "x"})
    assert bad.status_code == 400 and "severity" in bad.json()
    changed = agent.post(url, {"severity": "S1", "reason": "Every warehouse is stopped."})
    assert changed.status_code == 200 and changed.json()["severity"] == "S1"
    event = TicketEvent.objects.get(ticket=ticket, field="severity")
    assert event.message == "Every warehouse is stopped."


def test_a_customer_may_not_change_the_severity(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a, severity="S3")
    url = reverse("api_ticket_severity", args=[ticket.reference])
    response = api(personas.admin_a).post(url, {"severity": "S1", "reason": "Urgent!"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.severity == "S3"


def test_a_customer_asks_for_an_escalation_once(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a)
    url = reverse("api_ticket_escalations", args=[ticket.reference])
    customer = api(personas.admin_a)
    empty = customer.post(url, {"reason": "  "})
    assert empty.status_code == 400 and "reason" in empty.json()
    asked = customer.post(url, {"reason": "Month-end close is on Friday."})
    assert asked.status_code == 201, asked.json()
    assert asked.json()["status"] == "pending"
    assert asked.json()["requested_by"] == personas.admin_a.full_name
    again = customer.post(url, {"reason": "Please!"})
    assert again.status_code == 400 and "awaiting review" in again.json()["detail"]
    assert EscalationRequest.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("api_ticket_status", {"action": "confirm_resolution"}),
        ("api_ticket_severity", {"severity": "S1", "reason": "x"}),
        ("api_ticket_escalations", {"reason": "Urgent"}),
        ("api_ticket_replies", {"body": "Hello"}),
    ],
)
def test_a_read_token_may_not_write(api, personas, make_ticket, name, data):
    ticket = make_ticket(requester=personas.admin_a)
    for user in (personas.admin_a, personas.agent):
        response = api(user, scope="read").post(reverse(name, args=[ticket.reference]), data)
        assert response.status_code == 403, user
        assert "may only read" in response.json()["detail"]
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("api_ticket_status", {"action": "confirm_resolution"}),
        ("api_ticket_severity", {"severity": "S1", "reason": "x"}),
        ("api_ticket_escalations", {"reason": "Urgent"}),
    ],
)
def test_another_organisations_or_a_colleagues_ticket_is_a_404(
    api, personas, make_ticket, name, data
):
    foreign = make_ticket(requester=personas.admin_b)
    colleagues = make_ticket(requester=personas.admin_a)
    for user, ticket in ((personas.admin_a, foreign), (personas.user_a, colleagues)):
        response = api(user).post(reverse(name, args=[ticket.reference]), data)
        assert response.status_code == 404, (user, ticket)
        missing = api(user).post(reverse(name, args=["ACME-99999"]), data)
        assert missing.status_code == 404
    assert not EscalationRequest.objects.exists()
    assert Ticket.objects.get(pk=foreign.pk).version == foreign.version


def test_a_step_sent_as_a_form_is_a_415(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a)
    response = api(personas.agent).upload(status_url(ticket), {"action": "acknowledge"})
    assert response.status_code == 415
    assert Ticket.objects.get(pk=ticket.pk).status == "new"
