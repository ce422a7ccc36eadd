"""Links between tickets, parent incidents and merges (tickets.links, tickets.merging)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from sla.models import ClockState, SLAClock
from tests import factories
from tickets import links, merging, selectors, services
from tickets.models import (
    Attachment,
    LinkKind,
    Reply,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
)

pytestmark = pytest.mark.django_db


def fresh(ticket: Ticket) -> Ticket:
    return Ticket._base_manager.get(pk=ticket.pk)


@pytest.fixture
def pair(make_ticket):
    return make_ticket(title="Invoices fail"), make_ticket(title="Posting broken")


@pytest.fixture
def foreign(make_ticket, personas):
    return make_ticket(requester=personas.admin_b, title="GLOBEX-SECRET outage")


# --- Links ------------------------------------------------------------------------------


def test_a_link_is_shown_on_both_tickets_and_recorded_in_both_histories(pair, personas):
    first, second = pair
    links.ticket_link_add(personas.agent, ticket=first, other=second, kind=LinkKind.DUPLICATE)

    [from_first] = selectors.links_for(user=personas.agent, ticket=first)
    [from_second] = selectors.links_for(user=personas.agent, ticket=second)
    assert (from_first.other, from_first.kind) == (second, "duplicate")
    assert (from_second.other, from_second.kind) == (first, "has_duplicate")
    for ticket, other in ((first, second), (second, first)):
        event = TicketEvent.objects.get(ticket=ticket, kind="link_added")
        assert (event.new_value, event.is_public) == (other.reference, False)
        assert fresh(ticket).version == ticket.version + 1


def test_a_symmetric_link_reads_the_same_from_both_sides(pair, personas):
    first, second = pair
    links.ticket_link_add(personas.agent, ticket=first, other=second, kind=LinkKind.SAME_CAUSE)
    assert selectors.links_for(user=personas.agent, ticket=second)[0].kind == "same_cause"


def test_a_ticket_cannot_be_linked_to_itself(pair, personas):
    with pytest.raises(ValidationError, match="itself"):
        links.ticket_link_add(personas.agent, ticket=pair[0], other=pair[0], kind="related")
    assert not TicketLink.objects.exists()


def test_a_pair_is_linked_once_whichever_way_round(pair, personas):
    first, second = pair
    links.ticket_link_add(personas.agent, ticket=first, other=second, kind="related")
    with pytest.raises(ValidationError, match="already linked"):
        links.ticket_link_add(personas.agent, ticket=second, other=first, kind="same_cause")
    assert TicketLink.objects.count() == 1


def test_the_database_refuses_a_second_link_of_a_pair_too(pair, personas):
    first, second = pair
    links.ticket_link_add(personas.agent, ticket=first, other=second, kind="related")
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketLink.objects.create(
            ticket=second,
            other=first,
            organization=second.organization,
            other_organization=first.organization,
            kind="related",
        )


def test_an_unknown_kind_is_refused(pair, personas):
    with pytest.raises(ValidationError):
        links.ticket_link_add(personas.agent, ticket=pair[0], other=pair[1], kind="enemy")


def test_customers_cannot_link_tickets(pair, personas):
    with pytest.raises(PermissionDenied):
        links.ticket_link_add(personas.admin_a, ticket=pair[0], other=pair[1], kind="related")


def test_a_cross_organisation_link_is_shown_to_staff_only(pair, foreign, personas):
    first, _second = pair
    links.ticket_link_add(personas.agent, ticket=first, other=foreign, kind="same_cause")

    assert [r.other for r in selectors.links_for(user=personas.agent, ticket=first)] == [foreign]
    assert [r.other for r in selectors.links_for(user=personas.agent, ticket=foreign)] == [first]
    assert selectors.links_for(user=personas.admin_a, ticket=first) == []
    assert selectors.links_for(user=personas.admin_b, ticket=foreign) == []


def test_a_plain_customer_sees_no_link_to_a_colleagues_ticket_he_is_not_on(make_ticket, personas):
    his = make_ticket(requester=personas.user_a)
    colleagues = make_ticket(requester=personas.admin_a)
    links.ticket_link_add(personas.agent, ticket=his, other=colleagues, kind="related")
    assert selectors.links_for(user=personas.user_a, ticket=his) == []
    assert [r.other for r in selectors.links_for(user=personas.admin_a, ticket=his)] == [colleagues]


def test_removing_a_link_removes_it_from_both_and_records_it(pair, personas):
    first, second = pair
    link = links.ticket_link_add(personas.agent, ticket=first, other=second, kind="related")
    links.ticket_link_remove(personas.agent, link=link)
    assert not TicketLink.objects.exists()
    assert TicketEvent.objects.filter(kind="link_removed").count() == 2


# --- Parent incidents -------------------------------------------------------------------


@pytest.fixture
def incident(make_ticket, personas, foreign):
    """A parent incident of ACME with two children: one of ACME, one of GLOBEX."""
    parent = make_ticket(title="Data centre outage")
    child = make_ticket(requester=personas.user_a, title="Cannot post")
    for each in (child, foreign):
        links.ticket_set_parent(personas.agent, ticket=each, parent=parent)
    return fresh(parent), fresh(child), fresh(foreign)


def test_children_show_their_parent_and_the_parent_lists_them(incident, personas):
    parent, child, foreign = incident
    assert selectors.parent_for(user=personas.agent, ticket=child) == parent
    assert selectors.children_and_merged_for(user=personas.agent, ticket=parent) == (
        [foreign, child],
        [],
    )
    # A customer of GLOBEX never reads ACME's incident; ACME's admin never GLOBEX's child.
    assert selectors.parent_for(user=personas.admin_b, ticket=foreign) is None
    assert selectors.children_and_merged_for(user=personas.admin_a, ticket=parent) == ([child], [])


def test_an_incidents_children_and_its_merged_duplicates_are_read_in_one_query(
    incident, make_ticket, personas, django_assert_num_queries
):
    """The ticket page asks once for the tickets that point at this one (its children,
    the duplicates merged into it), and a customer's view of them once more."""
    parent, child, foreign = incident
    duplicate = make_ticket(title="Outage again")
    merging.ticket_merge(personas.agent, source=duplicate, target=parent)
    parent = fresh(parent)

    with django_assert_num_queries(1):
        found = selectors.children_and_merged_for(user=personas.agent, ticket=parent)
    assert found == ([foreign, child], [fresh(duplicate)])
    with django_assert_num_queries(2):
        found = selectors.children_and_merged_for(user=personas.admin_a, ticket=parent)
    assert found == ([child], [fresh(duplicate)])


def test_a_public_reply_on_the_parent_is_posted_on_every_open_child(incident, personas):
    parent, child, foreign = incident
    reply = services.ticket_reply(personas.agent, ticket=parent, body="Power is back.")

    copies = Reply.objects.filter(copied_from=reply)
    assert {(c.ticket, c.organization_id, c.body) for c in copies} == {
        (child, child.organization_id, "Power is back."),
        (foreign, foreign.organization_id, "Power is back."),
    }
    # Each child counts it as the support's first response.
    assert fresh(child).first_response_at is not None
    assert fresh(foreign).status == Status.ACKNOWLEDGED


def test_an_internal_note_on_the_parent_stays_on_the_parent(incident, personas):
    parent, child, _foreign = incident
    services.ticket_reply(personas.agent, ticket=parent, body="Internal", internal=True)
    assert not Reply.objects.filter(ticket=child).exists()


def test_a_ticket_is_a_child_of_one_level_only(incident, make_ticket, personas):
    parent, child, _foreign = incident
    with pytest.raises(ValidationError, match="child of another"):
        links.ticket_set_parent(personas.agent, ticket=make_ticket(), parent=child)
    with pytest.raises(ValidationError, match="parent incident"):
        links.ticket_set_parent(personas.agent, ticket=parent, parent=make_ticket())
    with pytest.raises(ValidationError, match="own parent"):
        links.ticket_set_parent(personas.agent, ticket=child, parent=child)


def test_resolving_the_children_with_the_parent(incident, personas):
    parent, child, foreign = incident
    with pytest.raises(ValidationError, match="parent incident first"):
        links.ticket_resolve_children(personas.agent, parent=parent)
    services.ticket_transition(personas.agent, ticket=parent, action="acknowledge")
    services.ticket_transition(
        personas.agent, ticket=parent, action="resolve", resolution="Power restored."
    )
    resolved = links.ticket_resolve_children(personas.agent, parent=parent)
    assert {t.pk for t in resolved} == {child.pk, foreign.pk}
    for each in (child, foreign):
        each = fresh(each)
        assert (each.status, each.resolution) == (Status.RESOLVED, "Power restored.")


def test_removing_the_parent(incident, personas):
    parent, child, _foreign = incident
    links.ticket_remove_parent(personas.agent, ticket=child)
    assert fresh(child).parent is None
    assert TicketEvent.objects.filter(ticket=parent, kind="child_removed").exists()


# --- Merge ------------------------------------------------------------------------------


def test_a_merge_moves_the_conversation_files_and_followers_and_closes_the_duplicate(
    make_ticket, personas, media
):
    target = make_ticket(title="Posting broken")
    duplicate = make_ticket(requester=personas.user_a, title="Invoices fail")
    colleague = factories.customer(personas.org_a, full_name="Carl Colleague")
    services.ticket_add_watcher(personas.user_a, ticket=duplicate, watcher=colleague)
    services.ticket_reply(personas.agent, ticket=duplicate, body="Looking.")
    services.ticket_reply(personas.agent, ticket=duplicate, body="Note", internal=True)
    Attachment.objects.create(
        ticket=duplicate,
        organization=duplicate.organization,
        filename="log.txt",
        content_type="text/plain",
        size=1,
        uploaded_by=personas.user_a,
        file="attachments/x",
    )

    merging.ticket_merge(personas.agent, source=duplicate, target=target)

    duplicate, target = fresh(duplicate), fresh(target)
    assert (duplicate.status, duplicate.merged_into) == (Status.CLOSED, target)
    assert duplicate.closed_at is not None
    assert not duplicate.replies.exists() and not duplicate.attachments.exists()
    bodies = [r.body for r in target.replies.order_by("created_at", "pk")]
    assert bodies == ["**Invoices fail**\n\nPosting fails with error 500.", "Looking.", "Note"]
    assert [a.filename for a in target.attachments.all()] == ["log.txt"]
    assert set(target.watchers.all()) == {personas.user_a, colleague}
    assert not duplicate.watchers.exists()
    assert TicketEvent.objects.get(ticket=duplicate, kind="merged_into").new_value == (
        target.reference
    )
    assert TicketEvent.objects.get(ticket=target, kind="merged_from").new_value == (
        duplicate.reference
    )
    # The requester of the duplicate now sees the target.
    assert selectors.merged_into_for(user=personas.user_a, ticket=duplicate) == target


def test_a_merged_duplicates_clocks_stop_as_a_closed_tickets_do(make_ticket, personas):
    target, duplicate = make_ticket(), make_ticket()
    assert SLAClock.objects.filter(ticket=duplicate, state=ClockState.RUNNING).exists()
    merging.ticket_merge(personas.agent, source=duplicate, target=target)
    states = set(SLAClock.objects.filter(ticket=duplicate).values_list("state", flat=True))
    assert states <= {ClockState.CANCELLED, ClockState.MET, ClockState.BREACHED}
    assert ClockState.CANCELLED in states
    assert fresh(duplicate).sla_due_at is None
    # The target's own clocks run on.
    assert SLAClock.objects.filter(ticket=target, state=ClockState.RUNNING).exists()


def test_a_merge_across_organisations_is_refused(make_ticket, foreign, personas):
    mine = make_ticket()
    with pytest.raises(ValidationError, match="same organisation"):
        merging.ticket_merge(personas.agent, source=mine, target=foreign)
    assert fresh(mine).merged_into is None and fresh(mine).is_open


@pytest.mark.parametrize("who", ["admin_a", "user_a"])
def test_customers_cannot_merge(pair, personas, who):
    with pytest.raises(PermissionDenied):
        merging.ticket_merge(getattr(personas, who), source=pair[0], target=pair[1])


def test_a_ticket_cannot_be_merged_into_itself_or_twice(pair, make_ticket, personas):
    first, second = pair
    with pytest.raises(ValidationError, match="itself"):
        merging.ticket_merge(personas.agent, source=first, target=first)
    merging.ticket_merge(personas.agent, source=first, target=second)
    with pytest.raises(ValidationError, match="already merged"):
        merging.ticket_merge(personas.agent, source=first, target=make_ticket())
    with pytest.raises(ValidationError, match="merged into another"):
        merging.ticket_merge(personas.agent, source=second, target=first)


def test_no_reply_on_a_merged_duplicate(pair, personas):
    first, second = pair
    merging.ticket_merge(personas.agent, source=first, target=second)
    with pytest.raises(ValidationError, match=f"merged into {second.reference}"):
        services.ticket_reply(personas.agent, ticket=first, body="Late")
