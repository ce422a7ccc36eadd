"""What the portal shows each customer: their tickets, their organisation's, and what
waits for their answer."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import selectors as portal_selectors
from tests import factories
from tickets import services

pytestmark = pytest.mark.django_db


def _move(ticket, agent, *actions, workaround=""):
    for action in actions:
        ticket = services.ticket_transition(
            agent,
            ticket=ticket,
            action=action,
            workaround=workaround,
            resolution="Fixed in 8.1.3.",
        )
    return ticket


def test_plain_customer_sees_only_tickets_they_opened_or_watch(personas, make_ticket):
    own = make_ticket(requester=personas.user_a, title="Mine")
    watched = make_ticket(requester=personas.admin_a, title="Watched", watchers=[personas.user_a])
    make_ticket(requester=personas.admin_a, title="Colleague's")

    visible = portal_selectors.ticket_list_for(user=personas.user_a)

    assert list(visible) == [watched, own]


def test_customer_admin_sees_every_ticket_of_their_organisation_only(personas, make_ticket):
    mine = make_ticket(requester=personas.admin_a)
    colleagues = make_ticket(requester=personas.user_a)
    make_ticket(requester=personas.admin_b)

    visible = portal_selectors.ticket_list_for(user=personas.admin_a)

    assert set(visible) == {mine, colleagues}


def test_a_watched_ticket_that_is_also_opened_by_the_user_is_listed_once(personas, make_ticket):
    other = factories.customer(personas.org_a)
    ticket = make_ticket(requester=personas.user_a, watchers=[other])
    services.ticket_add_watcher(personas.user_a, ticket=ticket, watcher=personas.user_a)

    assert portal_selectors.ticket_list_for(user=personas.user_a).count() == 1


def test_home_lists_what_needs_the_customers_answer(personas, make_ticket):
    agent = personas.agent
    waiting = _move(make_ticket(title="Waiting"), agent, "acknowledge", "wait_on_customer")
    resolved = _move(make_ticket(title="Resolved"), agent, "acknowledge", "resolve")
    in_progress = _move(make_ticket(title="Working"), agent, "start_progress")
    closed = _move(make_ticket(title="Closed"), agent, "acknowledge", "resolve")
    services.ticket_transition(personas.admin_a, ticket=closed, action="confirm_resolution")

    home = portal_selectors.portal_home_for(user=personas.admin_a)

    assert set(home.needs_answer) == {waiting, resolved}
    assert home.needs_answer_count == 2
    # Open means not yet resolved; and a ticket listed as needing an answer is not
    # listed again among the customer's open tickets.
    assert home.mine == [in_progress]
    assert home.mine_count == 1


def test_home_shows_the_organisations_open_tickets_to_administrators_only(personas, make_ticket):
    colleagues = make_ticket(requester=personas.user_a)
    mine = make_ticket(requester=personas.admin_a)

    admin_home = portal_selectors.portal_home_for(user=personas.admin_a)
    user_home = portal_selectors.portal_home_for(user=personas.user_a)

    # Each ticket once: the administrator's own under "yours", the others' apart.
    assert admin_home.organization_open == [colleagues]
    assert admin_home.organization_open_count == 1
    assert admin_home.mine == [mine]
    assert user_home.organization_open is None
    assert user_home.mine == [colleagues]


def test_home_lists_are_cut_to_the_limit_but_counted_in_full(personas, make_ticket):
    for number in range(4):
        make_ticket(title=f"Ticket {number}")

    home = portal_selectors.portal_home_for(user=personas.admin_a, limit=3)

    assert len(home.mine) == 3
    assert home.mine_count == 4


def test_home_counts_only_the_tickets_its_lists_can_hold(personas, make_ticket):
    """A large customer's closed history (20,000 tickets at the benchmark's largest
    organisation, 130 ms a view) is not read to count the home's lists: the counts'
    query asks for the statuses the lists hold, which the (organisation, status) index
    finds (11 ms there)."""
    make_ticket(title="Open")
    closed = _move(make_ticket(title="Done"), personas.agent, "acknowledge", "resolve")
    services.ticket_transition(personas.admin_a, ticket=closed, action="confirm_resolution")

    with CaptureQueriesContext(connection) as captured:
        home = portal_selectors.portal_home_for(user=personas.admin_a)
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]

    assert len(counts) == 1
    where = counts[0].split(' FROM "tickets_ticket" WHERE ', 1)[1]
    assert re.search(r'"tickets_ticket"\."status" IN \(', where), where
    assert "'closed'" not in where
    assert (home.mine_count, home.needs_answer_count, home.organization_open_count) == (1, 0, 0)


def test_the_lists_rows_are_read_with_who_opened_them_and_nothing_else(personas, make_ticket):
    """A row shows the ticket and who opened it: each list's statement joins the
    requester alone. Joined to the assignee and the product version and its product as
    well, the home's three lists each took PostgreSQL 1.1 to 1.7 ms to plan at a million
    tickets, for 0.3 to 0.6 ms of reading."""
    make_ticket(title="Open")

    with CaptureQueriesContext(connection) as captured:
        home = portal_selectors.portal_home_for(user=personas.admin_a)
        page = list(portal_selectors.ticket_list_for(user=personas.admin_a))
    lists = [q["sql"] for q in captured.captured_queries if '"tickets_ticket"."title"' in q["sql"]]

    assert len(lists) == 4  # the home's three lists and the ticket list
    for sql in lists:
        assert re.findall(r'JOIN "(\w+)"', sql) == ["accounts_user"], sql
    assert [t.requester for t in (*home.mine, *page)] == [personas.admin_a] * 2


def test_lists_are_sorted_by_last_activity(personas, make_ticket):
    older = make_ticket(title="Older")
    newer = make_ticket(title="Newer")
    services.ticket_reply(personas.agent, ticket=older, body="We are looking into it.")

    assert list(portal_selectors.ticket_list_for(user=personas.admin_a)) == [older, newer]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "waiting_on_customer"}, {"waiting"}),
        ({"status": "open"}, {"waiting", "s2 bug", "enhancement"}),
        ({"status": "needs_answer"}, {"waiting", "resolved"}),
        ({"severity": "S2"}, {"s2 bug"}),
        ({"type": "enhancement"}, {"enhancement"}),
        ({"q": "ledger posting"}, {"waiting"}),
        ({"q": "LEDGER"}, {"waiting"}),
        ({"q": "nothing-like-this"}, set()),
    ],
)
def test_ticket_list_filters(personas, make_ticket, filters, expected):
    agent = personas.agent
    _move(
        make_ticket(title="waiting", description="Ledger posting hangs"),
        agent,
        "acknowledge",
        "wait_on_customer",
    )
    _move(make_ticket(title="resolved"), agent, "acknowledge", "resolve")
    make_ticket(title="s2 bug", severity="S2", type="bug")
    make_ticket(title="enhancement", type="enhancement", severity="")

    found = portal_selectors.ticket_list_for(user=personas.admin_a, **filters)

    assert {t.title for t in found} == expected


def test_requester_filter_applies_for_administrators_and_is_ignored_for_users(
    personas, make_ticket
):
    by_user = make_ticket(requester=personas.user_a)
    make_ticket(requester=personas.admin_a, watchers=[personas.user_a])

    assert list(
        portal_selectors.ticket_list_for(user=personas.admin_a, requester=personas.user_a)
    ) == [by_user]
    # A plain user cannot narrow to colleagues' tickets they could not see anyway.
    assert (
        portal_selectors.ticket_list_for(user=personas.user_a, requester=personas.user_a).count()
        == 2
    )


@pytest.mark.parametrize("text", ["ACME-{n}", "acme-{n}", "#{n}", "{n}", " ACME-{n} "])
def test_reference_finds_the_ticket_in_every_spelling(personas, make_ticket, text):
    ticket = make_ticket()

    found = portal_selectors.ticket_by_reference_for(
        user=personas.admin_a, text=text.format(n=ticket.number)
    )

    assert found == ticket


def test_reference_of_another_organisation_finds_nothing(personas, make_ticket):
    theirs = make_ticket(requester=personas.admin_b)

    assert (
        portal_selectors.ticket_by_reference_for(user=personas.admin_a, text=theirs.reference)
        is None
    )


def test_reference_of_a_colleagues_ticket_finds_nothing_for_a_plain_user(personas, make_ticket):
    colleagues = make_ticket(requester=personas.admin_a)

    assert (
        portal_selectors.ticket_by_reference_for(user=personas.user_a, text=colleagues.reference)
        is None
    )


def test_home_lists_each_ticket_once(personas, make_ticket):
    agent = personas.agent
    own_waiting = _move(make_ticket(title="Own, waiting"), agent, "acknowledge", "wait_on_customer")
    watched = make_ticket(requester=personas.user_a, watchers=[personas.admin_a])
    own = make_ticket(title="Own")
    colleagues = make_ticket(requester=personas.user_a, title="Colleague's")
    colleagues_waiting = _move(
        make_ticket(requester=personas.user_a), agent, "acknowledge", "wait_on_customer"
    )

    home = portal_selectors.portal_home_for(user=personas.admin_a)

    listed = [*home.needs_answer, *home.mine, *home.organization_open]
    assert sorted(t.pk for t in listed) == sorted(
        t.pk for t in (own_waiting, watched, own, colleagues, colleagues_waiting)
    )
    assert set(home.needs_answer) == {own_waiting, colleagues_waiting}
    assert set(home.mine) == {watched, own}
    assert home.organization_open == [colleagues]
    assert (home.needs_answer_count, home.mine_count, home.organization_open_count) == (2, 2, 1)
