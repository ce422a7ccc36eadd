"""The ticket page's links, parent incidents and merges: who may do what, what each
person sees, and the merged duplicate's redirect (tickets.views)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tickets import links, merging, services
from tickets.models import Status, Ticket, TicketLink

pytestmark = pytest.mark.django_db


def fresh(ticket: Ticket) -> Ticket:
    return Ticket._base_manager.get(pk=ticket.pk)


def page_of(client, ticket: Ticket) -> str:
    response = client.get(reverse("ticket_detail", args=[ticket.reference]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def mine(make_ticket):
    return make_ticket(title="Invoices fail")


@pytest.fixture
def other(make_ticket):
    return make_ticket(title="Posting broken")


@pytest.fixture
def foreign(make_ticket, personas):
    return make_ticket(requester=personas.admin_b, title="GLOBEX-SECRET scanner outage")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Links ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_staff_link_tickets_and_see_the_link_on_both(client, personas, mine, other, role):
    client.force_login(getattr(personas, role))
    url = reverse("ticket_link_add", args=[mine.reference])
    response = client.post(url, {"kind": "duplicate", "other": other.reference.lower()})
    assert response.status_code == 302
    assert TicketLink.objects.filter(ticket=mine, other=other, kind="duplicate").exists()
    assert "Duplicate of" in page_of(client, mine)
    assert "Has a duplicate:" in page_of(client, other)


def test_a_customer_cannot_link_tickets(client, personas, mine, other):
    client.force_login(personas.admin_a)
    url = reverse("ticket_link_add", args=[mine.reference])
    assert client.post(url, {"kind": "related", "other": other.reference}).status_code == 403
    assert not TicketLink.objects.exists()


def test_a_customer_sees_a_link_between_their_organisations_tickets(client, personas, mine, other):
    links.ticket_link_add(personas.agent, ticket=mine, other=other, kind="same_cause")
    client.force_login(personas.admin_a)
    html = page_of(client, mine)
    assert "Same root cause as" in html and other.reference in html
    assert "Link a ticket" not in html  # no staff forms


def test_a_customer_never_sees_anything_of_a_linked_ticket_of_another_organisation(
    client, personas, mine, foreign
):
    links.ticket_link_add(personas.agent, ticket=mine, other=foreign, kind="same_cause")
    client.force_login(personas.admin_a)
    html = page_of(client, mine)
    assert foreign.reference not in html and "GLOBEX-SECRET" not in html
    assert "Globex" not in html
    client.force_login(personas.agent)
    html = page_of(client, mine)
    assert foreign.reference in html and "other organisation: staff only" in html


def test_linking_to_a_ticket_that_does_not_exist_says_so(client, personas, mine):
    client.force_login(personas.agent)
    url = reverse("ticket_link_add", args=[mine.reference])
    for hostile in ("ACME-99999", "x" * 500, "ACME-1\x00", "' OR 1=1 --", mine.reference):
        response = client.post(url, {"kind": "related", "other": hostile})
        assert response.status_code == 302
        assert _messages(response), hostile
    assert not TicketLink.objects.exists()


def test_removing_a_link_through_another_ticket_is_a_404(
    client, personas, mine, other, make_ticket
):
    link = links.ticket_link_add(personas.agent, ticket=mine, other=other, kind="related")
    unrelated = make_ticket()
    client.force_login(personas.agent)
    url = reverse("ticket_link_remove", args=[unrelated.reference, link.pk])
    assert client.post(url, {"confirm": "1"}).status_code == 404
    url = reverse("ticket_link_remove", args=[mine.reference, 987654])
    assert client.post(url, {"confirm": "1"}).status_code == 404
    assert TicketLink.objects.filter(pk=link.pk).exists()
    # From either ticket of the link, it is removed.
    url = reverse("ticket_link_remove", args=[other.reference, link.pk])
    assert client.post(url, {"confirm": "1"}).status_code == 302
    assert not TicketLink.objects.exists()


# --- Merge ------------------------------------------------------------------------------


def test_an_agent_merges_a_duplicate_and_lands_on_the_target(client, personas, mine, other):
    client.force_login(personas.agent)
    url = reverse("ticket_merge", args=[mine.reference])
    response = client.post(url, {"target": other.reference}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("ticket_detail", args=[other.reference])
    assert fresh(mine).merged_into_id == other.pk
    html = response.content.decode()
    assert f"{mine.reference} was merged into this ticket" in html
    # Staff may still open the duplicate itself.
    response = client.get(reverse("ticket_detail", args=[mine.reference]) + "?merged=show")
    assert response.status_code == 200
    assert "This ticket was merged into" in response.content.decode()


def test_a_merge_across_organisations_is_refused_in_words(client, personas, mine, foreign):
    client.force_login(personas.agent)
    response = client.post(
        reverse("ticket_merge", args=[mine.reference]), {"target": foreign.reference}
    )
    assert any("same organisation" in m for m in _messages(response))
    assert fresh(mine).merged_into is None


@pytest.mark.parametrize("role", ["admin_a", "user_a", "admin_b"])
def test_customers_cannot_merge(client, personas, make_ticket, role):
    duplicate = make_ticket(requester=personas.user_a)
    target = make_ticket()
    client.force_login(getattr(personas, role))
    response = client.post(
        reverse("ticket_merge", args=[duplicate.reference]), {"target": target.reference}
    )
    assert response.status_code == 403
    assert fresh(duplicate).merged_into is None


def test_the_duplicates_requester_is_redirected_to_the_target_with_a_notice(
    client, personas, make_ticket
):
    duplicate = make_ticket(requester=personas.user_a, title="Invoices fail")
    target = make_ticket(title="Posting broken")
    merging.ticket_merge(personas.agent, source=duplicate, target=target)

    client.force_login(personas.user_a)
    response = client.get(reverse("ticket_detail", args=[duplicate.reference]), follow=True)
    assert response.redirect_chain == [(reverse("ticket_detail", args=[target.reference]), 302)]
    html = response.content.decode()
    assert f"{duplicate.reference} was merged into this ticket" in html
    assert "Posting fails with error 500." in html  # the duplicate's words, moved along


def test_a_merged_duplicate_is_a_404_for_whoever_could_not_see_it(client, personas, make_ticket):
    duplicate, target = make_ticket(), make_ticket()
    merging.ticket_merge(personas.agent, source=duplicate, target=target)
    client.force_login(personas.admin_b)
    assert client.get(reverse("ticket_detail", args=[duplicate.reference])).status_code == 404


def test_the_workspace_row_of_a_merged_duplicate_is_the_targets(client, personas, mine, other):
    merging.ticket_merge(personas.agent, source=mine, target=other)
    client.force_login(personas.agent)
    response = client.get(reverse("workspace_row", args=[mine.reference]) + "?panel=1")
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace_row", args=[other.reference]) + "?panel=1"


# --- Parent incidents -------------------------------------------------------------------


def test_a_parent_incidents_reply_reaches_the_childs_customer(
    client, personas, make_ticket, foreign
):
    parent = make_ticket(title="Data centre outage")
    client.force_login(personas.agent)
    for child in (foreign,):
        response = client.post(
            reverse("ticket_parent_set", args=[child.reference]), {"parent": parent.reference}
        )
        assert response.status_code == 302
    assert fresh(foreign).parent_id == parent.pk
    assert "Child tickets of this incident" in page_of(client, parent)

    services.ticket_reply(personas.agent, ticket=parent, body="Power is restored.")
    client.force_login(personas.admin_b)
    html = page_of(client, foreign)
    assert "Power is restored." in html
    # Another organisation's incident: nothing of it on the child's page.
    assert parent.reference not in html and "Data centre outage" not in html


def test_a_resolved_parent_offers_to_resolve_its_children(client, personas, make_ticket):
    parent, child = make_ticket(), make_ticket()
    links.ticket_set_parent(personas.agent, ticket=child, parent=parent)
    services.ticket_transition(personas.agent, ticket=parent, action="acknowledge")
    services.ticket_transition(personas.agent, ticket=parent, action="resolve", resolution="Done.")
    client.force_login(personas.agent)
    assert 'data-testid="resolve-children"' in page_of(client, parent)
    url = reverse("ticket_children_resolve", args=[parent.reference])
    assert client.post(url, {"confirm": "1"}).status_code == 302
    assert fresh(child).status == Status.RESOLVED
    assert 'data-testid="resolve-children"' not in page_of(client, parent)


def test_a_customer_cannot_resolve_children_or_detach_a_parent(client, personas, make_ticket):
    parent, child = make_ticket(), make_ticket()
    links.ticket_set_parent(personas.agent, ticket=child, parent=parent)
    client.force_login(personas.admin_a)
    for name, ticket in (("ticket_children_resolve", parent), ("ticket_parent_remove", child)):
        response = client.post(reverse(name, args=[ticket.reference]), {"confirm": "1"})
        assert response.status_code == 403
    assert fresh(child).parent_id == parent.pk
