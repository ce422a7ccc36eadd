"""The ticket pages: intake form, the shared ticket page and its POST-only actions."""

import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat

from sla.models import SEVERITY_HELP, BusinessCalendar, SLAClock
from tests import factories
from tickets import escalations, services
from tickets.models import EscalationRequest, EscalationStatus, Priority, Ticket
from tickets.wording import TYPE_HELP

pytestmark = pytest.mark.django_db


def page_of(client, ticket: Ticket) -> str:
    response = client.get(reverse("ticket_detail", args=[ticket.reference]))
    assert response.status_code == 200
    return response.content.decode()


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def ticket(make_ticket):
    return make_ticket(severity="S2")


def _field_block(html: str, field: str) -> str:
    """The markup of one form field as crispy renders it, from its wrapper to the next."""
    start = html.index(f'id="div_id_{field}"')
    following = html.find('id="div_id_', start + 1)
    return html[start : following if following != -1 else len(html)]


def _new_ticket_data(contracts, **extra):
    return {
        "type": "incident",
        "severity": "S1",
        "title": "Nobody can post invoices",
        "description": "Posting fails with error 500 for every user.",
        "business_impact": "Month-end close is blocked for 40 accountants.",
        "product_version": str(contracts["version"].pk),
        "intake_key": "3f0c9d1e5a",
        **extra,
    }


# --- The new-ticket form ---------------------------------------------------------------


def test_new_ticket_page_shows_the_reference_and_when_the_first_response_is_due(
    client, personas, contracts
):
    client.force_login(personas.admin_a)
    response = client.post(reverse("ticket_create"), _new_ticket_data(contracts), follow=True)
    ticket = Ticket.objects.get()
    assert response.redirect_chain == [(reverse("ticket_detail", args=["ACME-1"]), 302)]
    html = response.content.decode()
    assert "Ticket ACME-1 is logged." in html
    due = SLAClock.objects.get(ticket=ticket, kind="first_response").due_at
    local = due.astimezone(zoneinfo.ZoneInfo("Europe/Budapest"))
    assert f'data-testid="due-first_response">{dateformat.format(local, "D j M, H:i T")}<' in html
    assert ticket.requester == personas.admin_a and ticket.severity == "S1"


def test_s1_without_business_impact_shows_the_error_beside_the_field_and_keeps_the_input(
    client, personas, contracts
):
    client.force_login(personas.admin_a)
    data = _new_ticket_data(contracts, business_impact="")
    response = client.post(reverse("ticket_create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "needs a business-impact statement" in _field_block(html, "business_impact")
    assert 'value="Nobody can post invoices"' in _field_block(html, "title")
    assert "Posting fails with error 500 for every user." in _field_block(html, "description")
    assert 'value="S1" checked' in _field_block(html, "severity")
    assert not Ticket.objects.exists()


def test_new_ticket_form_explains_each_type_and_severity(client, personas, contracts):
    client.force_login(personas.admin_a)
    html = client.get(reverse("ticket_create")).content.decode()
    severity = _field_block(html, "severity")
    for text in SEVERITY_HELP.values():
        assert str(text) in severity
    assert 'aria-describedby="id_severity_0-help"' in severity
    assert str(TYPE_HELP["enhancement"]) in _field_block(html, "type")


def test_missing_severity_is_shown_beside_the_severity_choice(client, personas, contracts):
    client.force_login(personas.admin_a)
    data = _new_ticket_data(contracts, severity="")
    html = client.post(reverse("ticket_create"), data).content.decode()
    assert "Choose how severe the problem is." in _field_block(html, "severity")


def test_enhancement_request_needs_no_severity(client, personas, contracts):
    client.force_login(personas.admin_a)
    data = _new_ticket_data(contracts, type="enhancement", severity="", business_impact="")
    client.post(reverse("ticket_create"), data)
    assert Ticket.objects.get().severity == ""


def test_the_same_form_submitted_twice_creates_one_ticket(client, personas, contracts):
    client.force_login(personas.admin_a)
    data = _new_ticket_data(contracts)
    first = client.post(reverse("ticket_create"), data)
    second = client.post(reverse("ticket_create"), data)
    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"] == reverse("ticket_detail", args=["ACME-1"])


def test_a_product_version_outside_the_contract_is_refused_beside_its_field(
    client, personas, contracts
):
    """The form offers only the contract's versions; one sent all the same (an old
    page, a crafted request) is refused, not logged and flagged as staff's would be."""
    other = contracts["version"].product.versions.create(version="7.0")
    client.force_login(personas.admin_a)
    page = client.get(reverse("ticket_create")).content.decode()
    assert f'value="{contracts["version"].pk}"' in _field_block(page, "product_version")
    assert f'value="{other.pk}"' not in _field_block(page, "product_version")
    data = _new_ticket_data(contracts, product_version=str(other.pk))
    response = client.post(reverse("ticket_create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your contract does not cover this product version." in _field_block(
        html, "product_version"
    )
    assert not Ticket.objects.exists()
    missing = _new_ticket_data(contracts, product_version="999999")
    html = client.post(reverse("ticket_create"), missing).content.decode()
    assert "Select a valid choice." in _field_block(html, "product_version")
    assert not Ticket.objects.exists()


# Logging a ticket in the portal, whatever the organisation's number of tickets, as in
# production (sessions read from the shared cache): the user; the version named, by its
# id (whether the contract covers it is the intake's check); the contract in force with
# whether it covers the version; the counter (whose row lock makes a double submission
# meet the intake key's unique constraint: no query to look for one); the policy's
# targets with the policy; the ticket inserted with its deadline, its clocks in one
# statement; its history row, its email thread root and its event. The transaction's
# own statements (BEGIN and COMMIT in production, a savepoint under the test's
# transaction) are not counted. (21 before the ticket was inserted with its deadline
# and the contract read once, 15 before the policy came with its targets, the session
# from the cache and the double submission from the constraint.)
CREATE_QUERIES = 10


@pytest.mark.parametrize("shared_cache", ["redis"], indirect=True)
def test_logging_a_ticket_takes_a_fixed_number_of_queries(
    client, personas, contracts, make_ticket, shared_cache, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    make_ticket()  # the calendars' cache is warm, as in a running server
    client.force_login(personas.admin_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("ticket_create"), _new_ticket_data(contracts))
    statements = [
        q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    assert len(statements) == CREATE_QUERIES, "\n".join(statements)
    assert not any("django_session" in sql for sql in statements)
    assert response.status_code == 302
    ticket = Ticket.objects.get(reference=response["Location"].split("/")[-2])
    # Its clocks (one in business hours, two with the after-hours triage outside them)
    # are inserted in one statement, and the ticket carries the earliest deadline.
    clocks = SLAClock.objects.filter(ticket=ticket).order_by("due_at")
    assert clocks.exists()
    assert ticket.sla_due_at == clocks.exclude(due_at=None).first().due_at


def test_staff_cannot_use_the_customer_intake_form(client, personas, contracts):
    client.force_login(personas.agent)
    assert client.get(reverse("ticket_create")).status_code == 403


# --- Who sees the ticket ---------------------------------------------------------------


def test_customer_of_another_organisation_gets_404(client, personas, ticket):
    client.force_login(personas.admin_b)
    response = client.get(reverse("ticket_detail", args=[ticket.reference]))
    assert response.status_code == 404


def test_colleague_not_on_the_ticket_gets_the_same_404_as_a_missing_one(client, personas, ticket):
    """A 403 would tell a plain user which of his colleagues' ticket numbers exist."""
    client.force_login(personas.user_a)
    response = client.get(reverse("ticket_detail", args=[ticket.reference]))
    missing = client.get(reverse("ticket_detail", args=["ACME-99999"]))
    assert response.status_code == missing.status_code == 404
    for name in ("ticket_reply", "ticket_transition", "escalation_request", "ticket_watcher"):
        assert client.post(reverse(name, args=[ticket.reference])).status_code == 404, name


@pytest.mark.parametrize(
    "reference", ["ACME-1\x00", "ACME-1%00", "\x00", "ACME-1\x1b", "ACME-1\n", "ACME-" + "9" * 40]
)
def test_a_malformed_reference_is_a_404_before_any_query(client, personas, reference):
    from urllib.parse import quote

    client.force_login(personas.agent)
    for prefix in ("/tickets/", "/workspace/tickets/"):
        response = client.get(prefix + quote(reference, safe="%") + "/")
        assert response.status_code == 404, (prefix, reference)


def test_ticket_get_for_refuses_a_reference_with_a_nul_byte(personas):
    from django.http import Http404

    from tickets import selectors

    with pytest.raises(Http404):
        selectors.ticket_get_for(user=personas.agent, reference="ACME-1\x00")


def test_internal_notes_never_reach_the_customers_page(client, personas, ticket):
    services.ticket_reply(personas.agent, ticket=ticket, body="Public: we are on it.")
    services.ticket_reply(
        personas.agent, ticket=ticket, body="NOTE-7f3a customer is difficult", internal=True
    )
    client.force_login(personas.admin_a)
    html = page_of(client, ticket)
    assert "Public: we are on it." in html
    assert "NOTE-7f3a" not in html
    assert "Internal note" not in html
    assert "added an internal note" not in html
    client.force_login(personas.agent)
    assert "NOTE-7f3a customer is difficult" in page_of(client, ticket)


def test_customer_page_shows_public_history_and_staff_page_also_priority_changes(
    client, personas, ticket
):
    services.ticket_assign(personas.agent, ticket=ticket, assignee=personas.agent)
    services.ticket_set_priority(personas.agent, ticket=ticket, priority=Priority.URGENT)
    client.force_login(personas.admin_a)
    customer_html = page_of(client, ticket)
    assert "changed assignee to “Agnes Agent”" in customer_html
    # Each reads the statuses by their names for them.
    assert "changed status from “Received” to “Acknowledged”" in customer_html
    assert "changed priority" not in customer_html
    assert "Priority:" not in customer_html
    client.force_login(personas.agent)
    staff_html = page_of(client, ticket)
    assert "changed priority from “Medium” to “Urgent”" in staff_html
    assert "changed status from “New” to “Acknowledged”" in staff_html


# --- POST-only actions -------------------------------------------------------------------

POST_ONLY = [
    "ticket_reply",
    "ticket_transition",
    "ticket_assign",
    "ticket_severity",
    "ticket_priority",
    "ticket_tracker",
    "ticket_watcher",
    "escalation_request",
    "escalation_lower",
]


@pytest.mark.parametrize("name", POST_ONLY)
def test_actions_answer_405_to_get(client, personas, ticket, name):
    client.force_login(personas.agent)
    response = client.get(reverse(name, args=[ticket.reference]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("name", ["escalation_accept", "escalation_decline"])
def test_escalation_decisions_answer_405_to_get(client, personas, ticket, name):
    escalation = escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Urgent")
    client.force_login(personas.manager)
    response = client.get(reverse(name, args=[ticket.reference, escalation.pk]))
    assert response.status_code == 405
    assert escalation.__class__.objects.get(pk=escalation.pk).status == EscalationStatus.PENDING


def test_customer_cannot_set_priority_or_assign(client, personas, ticket):
    client.force_login(personas.admin_a)
    version = fresh(ticket).version
    priority = client.post(
        reverse("ticket_priority", args=[ticket.reference]),
        {"priority": "urgent", "version": version},
    )
    assign = client.post(
        reverse("ticket_assign", args=[ticket.reference]),
        {"assignee": personas.agent.pk, "version": version},
    )
    assert (priority.status_code, assign.status_code) == (403, 403)
    ticket = fresh(ticket)
    assert (ticket.priority, ticket.assignee, ticket.version) == (Priority.MEDIUM, None, version)


def test_customer_reply_posts_and_returns_to_the_ticket(client, personas, ticket):
    client.force_login(personas.admin_a)
    response = client.post(
        reverse("ticket_reply", args=[ticket.reference]),
        {"body": "It happens again.", "internal": "on"},
        follow=True,
    )
    assert "Reply sent." in response.content.decode()
    reply = ticket.replies.get()
    assert (reply.body, reply.is_internal) == ("It happens again.", False)


def test_a_refused_workflow_step_shows_why_on_the_ticket_page(client, personas, ticket):
    client.force_login(personas.admin_a)
    response = client.post(
        reverse("ticket_transition", args=[ticket.reference]),
        {"action": "resolve", "resolution": "Fixed.", "version": fresh(ticket).version},
        follow=True,
    )
    assert "Only the support team can “resolve”." in response.content.decode()
    assert fresh(ticket).status == "new"


# --- Optimistic concurrency through the page -------------------------------------------


def test_second_editor_sees_the_other_change_and_nothing_is_overwritten(client, personas, ticket):
    otto = factories.StaffFactory(full_name="Otto Other")
    version = fresh(ticket).version  # both agents opened the page at this version
    client.force_login(personas.agent)
    client.post(
        reverse("ticket_priority", args=[ticket.reference]),
        {"priority": "high", "version": version},
    )
    client.force_login(otto)
    response = client.post(
        reverse("ticket_assign", args=[ticket.reference]),
        {"assignee": otto.pk, "version": version},
        follow=True,
    )
    html = response.content.decode()
    assert "This ticket changed while you were editing it (Agnes Agent)." in html
    assert "Agnes Agent changed priority from “Medium” to “High”." in html
    ticket = fresh(ticket)
    assert (ticket.priority, ticket.assignee) == (Priority.HIGH, None)


# --- Escalation --------------------------------------------------------------------------


def test_escalation_request_needs_a_reason(client, personas, ticket):
    client.force_login(personas.admin_a)
    url = reverse("escalation_request", args=[ticket.reference])
    response = client.post(url, {"reason": "  "}, follow=True)
    assert "Tell us why this needs escalating." in response.content.decode()
    assert not EscalationRequest.objects.exists()
    response = client.post(url, {"reason": "Month-end close is tomorrow."}, follow=True)
    assert "a manager will review it" in response.content.decode()
    assert EscalationRequest.objects.get().reason == "Month-end close is tomorrow."


def test_manager_accepts_an_escalation_and_the_customer_sees_the_plan(client, personas, ticket):
    specialist = factories.StaffFactory(full_name="Sam Specialist")
    escalation = escalations.escalation_request(
        personas.admin_a, ticket=ticket, reason="Month-end close."
    )
    client.force_login(personas.manager)
    assert "Accept and escalate" in page_of(client, ticket)
    client.post(
        reverse("escalation_accept", args=[ticket.reference, escalation.pk]),
        {
            "level": "2",
            "specialist": specialist.pk,
            "action_plan": "PLAN-42: daily call until posting works.",
            "communication_channel": "Phone bridge",
            "cadence_amount": "4",
            "cadence_unit": "hours",
            "cadence_calendar": BusinessCalendar.objects.get(name="Vendor business hours").pk,
            "participants": "Alice Admin, Sam Specialist",
        },
    )
    ticket = fresh(ticket)
    assert (ticket.escalation_level, ticket.assignee) == (2, specialist)
    client.force_login(personas.admin_a)
    html = page_of(client, ticket)
    assert "Escalation level 2" in html
    assert "Escalated to level 2, with Sam Specialist as specialist." in html
    assert "Plan: PLAN-42: daily call until posting works." in html
    assert "Updates every 4 business hours by phone bridge (next by " in html
    assert "changed escalation level from “0” to “2”" in html
    assert "Accept and escalate" not in html


def test_manager_declines_only_with_a_reason(client, personas, ticket):
    escalation = escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Faster")
    client.force_login(personas.manager)
    url = reverse("escalation_decline", args=[ticket.reference, escalation.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Give the customer the reason." in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.PENDING
    client.post(url, {"reason": "A workaround is in place."})
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.DECLINED
    client.force_login(personas.admin_a)
    assert "Declined: A workaround is in place." in page_of(client, ticket)


def test_agent_cannot_accept_or_decline_an_escalation(client, personas, ticket):
    escalation = escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Faster")
    client.force_login(personas.agent)
    assert "Accept and escalate" not in page_of(client, ticket)
    accept = client.post(
        reverse("escalation_accept", args=[ticket.reference, escalation.pk]),
        {
            "level": "1",
            "action_plan": "Plan",
            "communication_channel": "Email",
            "cadence_amount": "1",
            "cadence_unit": "business_days",
            "cadence_calendar": BusinessCalendar.objects.get(name="24x7").pk,
        },
    )
    decline = client.post(
        reverse("escalation_decline", args=[ticket.reference, escalation.pk]), {"reason": "No"}
    )
    assert (accept.status_code, decline.status_code) == (403, 403)
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.PENDING
    assert fresh(ticket).escalation_level == 0


def test_escalation_of_another_organisations_ticket_is_404_for_a_customer(client, personas, ticket):
    client.force_login(personas.admin_b)
    response = client.post(
        reverse("escalation_request", args=[ticket.reference]), {"reason": "Let me in"}
    )
    assert response.status_code == 404


def test_customer_history_shows_the_tracker_reference_not_its_url_and_dates_in_words(
    client, personas, ticket, time_machine
):
    import datetime as dt

    time_machine.move_to(dt.datetime(2026, 11, 20, 13, 41, tzinfo=dt.UTC), tick=False)
    services.ticket_link_tracker(
        personas.agent,
        ticket=ticket,
        reference="LEDG-77",
        url="https://jira.vendor.internal/browse/LEDG-77",
        estimated_resolution=dt.date(2026, 11, 27),
    )
    client.force_login(personas.admin_a)

    html = page_of(client, ticket)

    assert "LEDG-77" in html
    assert "jira.vendor.internal" not in html
    assert "2026-11-27" not in html and "Fri 27 Nov 2026" in html
    # 13:41 UTC in the customer's zone (ACME is in Budapest: 14:41).
    assert "Fri 20 Nov, 14:41" in html

    client.force_login(personas.agent)
    assert "jira.vendor.internal" in page_of(client, ticket)


def test_an_estimated_resolution_in_the_past_is_refused_with_a_clear_error(
    client, personas, ticket
):
    client.force_login(personas.agent)
    response = client.post(
        reverse("ticket_tracker", args=[ticket.reference]),
        {"reference": "LEDG-1", "url": "", "estimated_resolution": "2020-01-01",
         "version": fresh(ticket).version},
        follow=True,
    )  # fmt: skip

    assert "cannot be in the past" in response.content.decode()
    assert fresh(ticket).estimated_resolution is None
    assert fresh(ticket).tracker_reference == ""
