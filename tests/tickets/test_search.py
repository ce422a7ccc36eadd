"""Global search: an exact reference jumps to the ticket; words are found in titles,
descriptions, replies and notes with PostgreSQL full-text search on GIN indexes."""

import pytest
from django.db import connection
from django.urls import reverse
from django_scopes import scopes_disabled

from tickets import intake, services
from tickets.models import Ticket
from workspace import search

pytestmark = pytest.mark.django_db


def log(agent, contact, *, title, description="Something is wrong.", severity="S2") -> Ticket:
    return intake.ticket_create(
        agent,
        organization=contact.membership.organization,
        requester=contact,
        title=title,
        description=description,
        severity=severity,
        business_impact="Stopped." if severity == "S1" else "",
        channel="email",
    )


@pytest.fixture
def tickets(personas, contracts):
    agent = personas.agent
    printer = log(
        agent,
        personas.admin_a,
        title="Printer jams on invoices",
        description="Invoices sent from the ledger jam the printer.",
    )
    ledger = log(
        agent,
        personas.admin_b,
        title="Ledger totals differ",
        description="The VAT report disagrees with the ledger after printing.",
    )
    scanner = log(agent, personas.admin_b, title="Scanner offline")
    services.ticket_reply(
        agent, ticket=scanner, body="Please restart the barcode daemon.", internal=True
    )
    return {"printer": printer, "ledger": ledger, "scanner": scanner}


def titles(response) -> list[str]:
    return [t.title for t in response.context["page"].object_list]


def test_exact_reference_jumps_to_the_ticket(agent_client, tickets):
    reference = tickets["ledger"].reference
    response = agent_client.get(reverse("workspace_search"), {"q": f" {reference.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket_detail", args=[reference])


def test_unknown_reference_searches_the_words_instead(agent_client, tickets):
    response = agent_client.get(reverse("workspace_search"), {"q": "ACME-999"})
    assert response.status_code == 200
    assert "No ticket is called ACME-999" in response.content.decode()


def test_words_are_found_in_titles_with_stemming(agent_client, tickets):
    response = agent_client.get(reverse("workspace_search"), {"q": "printers jamming"})
    assert titles(response) == ["Printer jams on invoices"]


def test_title_matches_rank_above_description_matches(agent_client, tickets):
    response = agent_client.get(reverse("workspace_search"), {"q": "ledgers"})
    assert titles(response) == ["Ledger totals differ", "Printer jams on invoices"]


def test_words_are_found_in_replies_and_internal_notes(agent_client, tickets):
    response = agent_client.get(reverse("workspace_search"), {"q": "barcode daemon"})
    assert titles(response) == ["Scanner offline"]


def test_a_ticket_matching_in_its_text_and_its_replies_is_listed_once(
    agent_client, personas, tickets
):
    services.ticket_reply(personas.agent, ticket=tickets["printer"], body="The printer is fixed.")
    response = agent_client.get(reverse("workspace_search"), {"q": "printer"})
    assert titles(response) == ["Printer jams on invoices"]
    assert "1 ticket found" in response.content.decode()


def test_the_stored_document_follows_an_edited_title(agent_client, tickets):
    with scopes_disabled():
        Ticket.objects.filter(pk=tickets["scanner"].pk).update(title="Barcode scanner offline")
    response = agent_client.get(reverse("workspace_search"), {"q": "scanners"})
    assert titles(response) == ["Barcode scanner offline"]


def test_every_word_must_match(agent_client, tickets):
    response = agent_client.get(reverse("workspace_search"), {"q": "printer offline"})
    assert titles(response) == []
    assert "0 tickets found" in response.content.decode()


def test_snippet_marks_the_words_and_escapes_the_customers_text(agent_client, personas, contracts):
    log(
        personas.agent,
        personas.admin_a,
        title="Odd markup",
        description="The <script>alert(1)</script> banner & <b>logo</b> break the screen.",
    )
    html = agent_client.get(reverse("workspace_search"), {"q": "banner"}).content.decode()
    assert "<mark>banner</mark> &amp; " in html
    assert "<script>alert(1)</script>" not in html
    assert "<b>logo</b>" not in html


def test_customers_cannot_search(client, personas):
    client.force_login(personas.admin_a)
    assert client.get(reverse("workspace_search"), {"q": "printer"}).status_code == 403


@pytest.mark.parametrize("count", [5, 60])
def test_search_answers_with_a_fixed_number_of_queries(
    agent_client, personas, contracts, django_assert_num_queries, count
):
    for n in range(count):
        ticket = log(personas.agent, personas.admin_a, title=f"Printer {n} jams")
        services.ticket_reply(personas.agent, ticket=ticket, body="Printer reset advised.")
    # session, user, the page's ids with the count of matches, the page's tickets
    with django_assert_num_queries(4):
        response = agent_client.get(reverse("workspace_search"), {"q": "printer"})
    assert len(titles(response)) == min(count, 50)


def test_pages_of_matches_keep_their_order_and_a_page_past_the_end_shows_the_last(
    agent_client, personas, contracts
):
    for n in range(55):
        log(personas.agent, personas.admin_a, title=f"Printer {n} jams")
    first = agent_client.get(reverse("workspace_search"), {"q": "printer"})
    second = agent_client.get(reverse("workspace_search"), {"q": "printer", "page": "2"})
    beyond = agent_client.get(reverse("workspace_search"), {"q": "printer", "page": "99"})
    assert len(titles(first)) == 50 and len(titles(second)) == 5
    assert not set(titles(first)) & set(titles(second))
    assert titles(beyond) == titles(second)
    assert beyond.context["page"].number == 2
    assert "55 tickets found" in first.content.decode()
    assert (
        agent_client.get(reverse("workspace_search"), {"q": "printer", "page": "x"})
        .context["page"]
        .number
        == 1
    )


def test_an_empty_search_finds_nothing_without_a_query(
    agent_client, tickets, django_assert_num_queries
):
    with django_assert_num_queries(2):  # session, user
        response = agent_client.get(reverse("workspace_search"), {"q": "  "})
    assert titles(response) == []


def test_reference_jump_costs_a_fixed_number_of_queries(
    agent_client, tickets, django_assert_num_queries
):
    with django_assert_num_queries(3):  # session, user, the reference
        agent_client.get(reverse("workspace_search"), {"q": tickets["printer"].reference})


def test_words_in_the_ticket_come_before_words_only_in_a_reply(agent_client, personas, tickets):
    # The scanner's reply is its latest activity, yet its own text lacks the words.
    services.ticket_reply(personas.agent, ticket=tickets["scanner"], body="Ledger printing?")
    response = agent_client.get(reverse("workspace_search"), {"q": "ledger"})
    assert titles(response) == [
        "Ledger totals differ",
        "Printer jams on invoices",
        "Scanner offline",
    ]


def test_a_long_list_stops_at_the_cap_and_says_so(agent_client, personas, tickets, monkeypatch):
    monkeypatch.setattr(search, "MAX_MATCHES", 3)
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    monkeypatch.setattr(search, "MAX_PAGE_NUMBER", 2)
    for n in range(3):
        log(personas.agent, personas.admin_a, title=f"Ledger {n} locked")
    first = agent_client.get(reverse("workspace_search"), {"q": "ledger"})
    second = agent_client.get(reverse("workspace_search"), {"q": "ledger", "page": "9"})
    assert second.context["page"].number == 2
    assert len(titles(first)) == 2 and len(titles(second)) == 1
    # The three newest matches, ranked: the oldest ledger ticket is past the cap.
    assert "Ledger totals differ" not in titles(first) + titles(second)
    assert sorted(titles(first) + titles(second)) == [f"Ledger {n} locked" for n in range(3)]
    text = first.content.decode()
    assert "More than 3 tickets found: the 3 newest are listed, best first" in text


def test_under_the_cap_the_best_ranked_match_comes_first_whatever_its_age(
    agent_client, personas, tickets
):
    newer = log(personas.agent, personas.admin_a, title="Invoices", description="ledger")
    response = agent_client.get(reverse("workspace_search"), {"q": "ledger"})
    found = titles(response)
    # The older ticket holds the word in its title, which ranks above a description.
    assert found.index("Ledger totals differ") < found.index(newer.title)


def explain(words: str, *, number: int = 1) -> str:
    """The plan of a page's query as EXPLAIN ANALYZE prints it, with sequential scans and
    sorts of every match priced out as on a big table."""
    sql, params = search.page_query(search.ticket_search(words=words), number)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_ticket_matches_are_read_newest_first_from_the_rum_index(tickets):
    plan = explain("printer")
    assert "Index Scan using ticket_document_recent_idx" in plan
    assert "Order By: (created_at <=|" in plan
    assert "reply_search_idx" in plan


def test_the_replies_are_not_searched_when_the_tickets_fill_the_list(
    personas, tickets, monkeypatch
):
    monkeypatch.setattr(search, "MAX_MATCHES", 1)
    plan = explain("ledger")  # two tickets hold the word: more than the list takes
    [reply_scan] = [line for line in plan.splitlines() if "Index Scan on reply_search_idx" in line]
    assert "(never executed)" in reply_scan
