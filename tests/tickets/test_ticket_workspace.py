"""The agent's ticket page as a workspace: the SLA targets counted down at the top, the
requester and their other tickets, a reply or an internal note, who else has the ticket
open (tickets.presence), and a reply held back when the ticket changed meanwhile."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from tests import factories
from tickets import presence, selectors, services
from tickets.models import Reply, Ticket

pytestmark = pytest.mark.django_db


def page_of(client, ticket: Ticket) -> str:
    response = client.get(reverse("ticket_detail", args=[ticket.reference]))
    assert response.status_code == 200
    return response.content.decode()


def presence_of(client, ticket: Ticket, **params) -> str:
    response = client.get(reverse("ticket_presence", args=[ticket.reference]), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def anna(db):
    return factories.StaffFactory(full_name="Anna Kovács")


# --- What the page shows ---------------------------------------------------------------


def test_agent_page_counts_down_each_target_still_owed_as_the_queue_does(agent_client, make_ticket):
    ticket = make_ticket(severity="S1")
    html = page_of(agent_client, ticket)
    countdowns = html[html.index('data-testid="sla-countdowns"') :]
    assert re.search(r'<time class="countdown sla-on_track"[^>]*data-open-left="\d+"', countdowns)
    assert 'data-testid="countdown-first_response"' in countdowns
    assert "left</time>" in countdowns


def test_a_target_past_its_deadline_is_counted_as_overdue(agent_client, make_ticket, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC), tick=False)
    ticket = make_ticket(severity="S1")  # Privilege S1: first response in 2 hours, 24x7
    time_machine.shift(dt.timedelta(hours=3))
    html = page_of(agent_client, ticket)
    countdown = re.search(r'<time class="countdown sla-breached"[^>]*>([^<]*)</time>', html)
    assert countdown and countdown.group(1) == "1h 00m overdue"


def test_a_target_met_is_no_longer_counted_down(agent_client, personas, make_ticket):
    ticket = make_ticket(severity="S1")
    services.ticket_reply(personas.agent, ticket=ticket, body="We are on it.")
    html = page_of(agent_client, ticket)
    assert 'data-testid="countdown-first_response"' not in html


def test_agent_sees_the_requesters_contact_and_contract(agent_client, personas, make_ticket):
    ticket = make_ticket()
    html = page_of(agent_client, ticket)
    card = html[html.index('data-testid="requester"') :]
    assert f'href="mailto:{personas.admin_a.email}"' in card
    assert "Acme Manufacturing" in card and "Privilege support" in card
    assert "Contract valid" in card
    assert 'data-testid="requester-phone"' not in card  # none given

    personas.admin_a.phone = "+3612345678"
    personas.admin_a.save(update_fields=["phone"])
    card = page_of(agent_client, ticket)
    card = card[card.index('data-testid="requester-phone"') :]
    assert '<a href="tel:+3612345678">+36 1 234 5678</a>' in card


def test_agent_sees_the_requesters_other_open_and_recent_tickets_only(
    agent_client, personas, make_ticket
):
    ticket = make_ticket(title="Invoices cannot be posted")
    other = make_ticket(title="Payroll export rejected")
    done = make_ticket(title="Old printer question")
    colleagues = make_ticket(requester=personas.user_a, title="Connect API answers 401")
    with scopes_disabled():
        Ticket.objects.filter(pk=done.pk).update(status="closed")
    html = page_of(agent_client, ticket)
    open_list = html[html.index('data-testid="other-open"') :]
    open_list = open_list[: open_list.index("</ul>")]
    recent = html[html.index('data-testid="other-recent"') :]
    recent = recent[: recent.index("</ul>")]
    assert reverse("ticket_detail", args=[other.reference]) in open_list
    assert reverse("ticket_detail", args=[done.reference]) in recent
    assert ticket.title not in open_list + recent
    assert colleagues.title not in html


def test_customers_see_no_countdowns_requester_card_nor_presence(
    client, personas, make_ticket, anna
):
    ticket = make_ticket(severity="S1")
    presence.ticket_presence_beat(ticket_id=ticket.pk, user=anna, typing=True)
    client.force_login(personas.admin_a)
    html = page_of(client, ticket)
    for absent in ("sla-countdowns", 'data-testid="requester"', "presence", "Anna Kovács"):
        assert absent not in html
    assert "Internal note" not in html


def test_the_reply_box_is_a_public_reply_or_a_visibly_private_note(agent_client, make_ticket):
    ticket = make_ticket()
    html = page_of(agent_client, ticket)
    box = html[html.index('id="reply-form"') :]
    assert 'id="reply-mode-public"' in box and "checked" in box.split('id="reply-mode-public"')[1]
    assert "Internal note — the customer will not see this" in box
    assert 'name="body" id="reply-body"' in box  # the plain textarea others build on


@pytest.mark.parametrize(("internal", "is_internal"), [("", False), ("on", True)])
def test_the_mode_chosen_decides_whether_the_customer_reads_it(
    agent_client, make_ticket, internal, is_internal
):
    ticket = make_ticket()
    url = reverse("ticket_reply", args=[ticket.reference])
    data = {"body": "Looking at the logs.", "internal": internal, "version": ticket.version}
    agent_client.post(url, data)
    with scopes_disabled():
        assert Reply.objects.get(ticket=ticket).is_internal is is_internal


def test_sidebar_forms_are_folded_until_needed(agent_client, make_ticket):
    ticket = make_ticket()
    html = page_of(agent_client, ticket)
    triage = html[html.index('id="triage-heading"') :]
    for action in ("ticket_assign", "ticket_priority", "ticket_severity", "ticket_tracker"):
        form = triage.index(f'action="{reverse(action, args=[ticket.reference])}"')
        assert triage.rfind("<details", 0, form) > triage.rfind("</details>", 0, form)


def test_agent_page_runs_a_fixed_number_of_queries_whatever_its_entries(
    agent_client, personas, make_ticket
):
    ticket = make_ticket()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page_of(agent_client, ticket)
        return len(captured)

    def add_entries(number: int) -> None:
        services.ticket_reply(personas.agent, ticket=ticket, body=f"Reply {number}")
        services.ticket_reply(personas.agent, ticket=ticket, body=f"Note {number}", internal=True)
        make_ticket(title=f"Another problem {number}")
        closed = make_ticket(title=f"A closed one {number}")
        with scopes_disabled():
            Ticket.objects.filter(pk=closed.pk).update(status="closed")

    add_entries(0)
    few = queries()
    for number in range(1, 5):
        add_entries(number)
    assert queries() == few


def test_the_ticket_is_read_with_its_people_and_its_terms_apart(agent_client, make_ticket):
    """Seven tables joined in one query cost PostgreSQL's planner 4 to 7 ms to weigh
    every order of the joins (a 0.3 ms query); the ticket comes with its people, and its
    product version and contract in small queries of their own, shown all the same."""
    ticket = make_ticket()
    with CaptureQueriesContext(connection) as captured:
        html = page_of(agent_client, ticket)
    [read] = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "tickets_ticket"."id"')
        and f"\"reference\" = '{ticket.reference}'" in q["sql"]
    ]
    assert read.count(" JOIN ") == 3  # the organisation, the requester, the assignee
    assert "sla_contract" not in read and "sla_productversion" not in read
    assert "Ledgerline ERP 8.1" in html
    assert ticket.contract.tier.name in html


def test_the_staff_lists_read_the_staff_from_their_own_index(agent_client):
    """The assignee lists on every ticket page: a few dozen staff among thousands of
    customers, read from their partial index in name order, not by a scan of everyone."""
    sql, params = selectors.staff_choices().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using user_active_staff_idx on accounts_user" in plan, plan


# --- Someone else is here --------------------------------------------------------------


def test_another_agent_on_the_ticket_is_shown_viewing_then_typing(agent_client, make_ticket, anna):
    ticket = make_ticket()
    page_of(agent_client, ticket)
    client = Client()
    client.force_login(anna)
    assert "Agnes Agent is viewing" in page_of(client, ticket)
    presence_of(agent_client, ticket, typing="1")
    assert "Agnes Agent is typing a reply" in presence_of(client, ticket)
    assert "Anna Kovács is viewing" in presence_of(agent_client, ticket)


def test_a_closed_page_is_forgotten_after_its_heartbeats_stop(
    agent_client, make_ticket, anna, time_machine
):
    ticket = make_ticket()
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC), tick=False)
    page_of(agent_client, ticket)
    client = Client()
    client.force_login(anna)
    assert "Agnes Agent is viewing" in presence_of(client, ticket)
    time_machine.shift(dt.timedelta(seconds=presence.SEEN_SECONDS + 1))
    assert "Agnes Agent" not in presence_of(client, ticket)


def test_a_presence_poll_writes_nothing_to_the_database(agent_client, make_ticket):
    ticket = make_ticket()
    with CaptureQueriesContext(connection) as captured:
        presence_of(agent_client, ticket, typing="1")
    writes = [q["sql"] for q in captured if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []


def test_presence_is_for_staff_only(client, personas, make_ticket):
    ticket = make_ticket()
    client.force_login(personas.admin_a)
    response = client.get(reverse("ticket_presence", args=[ticket.reference]))
    assert response.status_code == 403


@pytest.mark.parametrize("reference", ["ACME-999999", "NOPE-1", "ACME-0"])
def test_presence_of_a_missing_ticket_is_a_404(agent_client, make_ticket, reference):
    make_ticket()
    response = agent_client.get(reverse("ticket_presence", args=[reference]))
    assert response.status_code == 404


# --- A reply to a ticket that changed meanwhile ----------------------------------------


def test_a_reply_to_a_ticket_changed_meanwhile_is_held_back_with_what_changed(
    agent_client, make_ticket, anna
):
    ticket = make_ticket()
    loaded = ticket.version
    services.ticket_set_priority(anna, ticket=ticket, priority="urgent")
    url = reverse("ticket_reply", args=[ticket.reference])
    data = {"body": "Restart the posting service.", "internal": "on", "version": loaded}
    response = agent_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    conflict = html[html.index('data-testid="reply-conflict"') :]
    assert "Not sent: this ticket changed since you opened it." in conflict
    assert "Anna Kovács changed priority from “Medium” to “Urgent”" in conflict
    assert ">Restart the posting service.</textarea>" in html
    assert re.search(r'id="reply-mode-note"[^>]* checked', html)
    with scopes_disabled():
        assert not Reply.objects.filter(ticket=ticket).exists()
        current = Ticket.objects.get(pk=ticket.pk).version
    assert f'name="version" value="{current}"' in html

    agent_client.post(url, {**data, "version": current})
    with scopes_disabled():
        assert Reply.objects.get(ticket=ticket).body == "Restart the posting service."


def test_a_new_reply_meanwhile_holds_back_the_agents_reply(agent_client, personas, make_ticket):
    ticket = make_ticket()
    loaded = ticket.version
    services.ticket_reply(personas.admin_a, ticket=ticket, body="Any news?")
    url = reverse("ticket_reply", args=[ticket.reference])
    response = agent_client.post(url, {"body": "Fixed.", "version": loaded})
    assert "Alice Admin replied" in response.content.decode()
    with scopes_disabled():
        assert list(Reply.objects.filter(ticket=ticket).values_list("body", flat=True)) == [
            "Any news?"
        ]


def test_a_customers_reply_is_never_held_back(client, personas, make_ticket):
    ticket = make_ticket()
    loaded = ticket.version
    services.ticket_set_priority(personas.agent, ticket=ticket, priority="urgent")
    client.force_login(personas.admin_a)
    url = reverse("ticket_reply", args=[ticket.reference])
    response = client.post(url, {"body": "Any news?", "version": loaded})
    assert response.status_code == 302
    with scopes_disabled():
        assert Reply.objects.filter(ticket=ticket).count() == 1
