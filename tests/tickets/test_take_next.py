"""Take next: the most urgent unassigned ticket goes to the agent who asks, and many
agents asking at once never get the same ticket."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from tests import factories
from tickets import intake, services
from tickets.models import Ticket, TicketEvent
from workspace import bulk, queues


def log(agent, contact, *, title="Printer queue stuck", severity="S2") -> Ticket:
    return intake.ticket_create(
        agent,
        organization=contact.membership.organization,
        requester=contact,
        title=title,
        description="Jobs stay in the queue.",
        severity=severity,
        business_impact="Nothing prints." if severity == "S1" else "",
        channel="email",
    )


@pytest.mark.django_db
def test_take_next_assigns_the_most_urgent_unassigned_ticket(personas, contracts):
    minor = log(personas.agent, personas.admin_b, title="GLBX S3", severity="S3")
    critical = log(personas.agent, personas.admin_a, title="ACME S1", severity="S1")
    taken = bulk.ticket_take_next(personas.agent)
    assert taken.pk == critical.pk
    critical.refresh_from_db()
    assert critical.assignee == personas.agent
    assert critical.status == "acknowledged"  # assigning acknowledges, as on the ticket page
    assert TicketEvent.objects.filter(ticket=critical, field="assignee").count() == 1
    assert bulk.ticket_take_next(personas.agent).pk == minor.pk
    assert bulk.ticket_take_next(personas.agent) is None


@pytest.mark.django_db
def test_take_next_skips_tickets_that_are_assigned_waiting_or_closed(personas, contracts):
    assigned = log(personas.agent, personas.admin_a, severity="S1")
    services.ticket_assign(personas.manager, ticket=assigned, assignee=personas.manager)
    waiting = log(personas.agent, personas.admin_a, severity="S1")
    services.ticket_transition(personas.agent, ticket=waiting, action="acknowledge")
    services.ticket_transition(personas.agent, ticket=waiting, action="wait_on_customer")
    closed = log(personas.agent, personas.admin_a, severity="S1")
    services.ticket_transition(personas.agent, ticket=closed, action="acknowledge")
    services.ticket_transition(
        personas.agent, ticket=closed, action="resolve", resolution="Fixed in 8.1.3."
    )
    assert bulk.ticket_take_next(personas.agent) is None


@pytest.mark.django_db
def test_take_next_within_filters(personas, contracts):
    log(personas.agent, personas.admin_a, severity="S1")
    glbx = log(personas.agent, personas.admin_b, severity="S3")
    filters = queues.QueueFilters(organization_id=personas.org_b.pk)
    assert bulk.ticket_take_next(personas.agent, filters=filters).pk == glbx.pk


@pytest.mark.django_db
def test_customers_cannot_take_tickets(personas, contracts):
    log(personas.agent, personas.admin_a)
    with pytest.raises(PermissionDenied):
        bulk.ticket_take_next(personas.admin_a)


# session and user; the most urgent few (tickets.urgency: the calendars, the overdue
# keys, the rows) and the first of them locked with SKIP LOCKED; then ticket_assign's
# own work in a savepoint: its locked reload, two history rows (assignee, status), the
# triage clock met and the ticket's deadline read (three), the ticket saved with its
# deadline, the event recorded for the notifications; and the savepoints. None of it
# depends on how many tickets wait.
TAKE_NEXT_QUERIES = 18


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 60])
def test_take_next_answers_with_a_fixed_number_of_queries(
    client, personas, contracts, django_assert_num_queries, count
):
    for n in range(count):
        log(personas.agent, [personas.admin_a, personas.admin_b][n % 2], severity="S2")
    client.force_login(personas.agent)
    with django_assert_num_queries(TAKE_NEXT_QUERIES):
        response = client.post(reverse("workspace_take_next"), {"mode": "any"})
    assert response.status_code == 302
    assert Ticket.objects.filter(assignee=personas.agent).count() == 1


# --- Many agents at once ----------------------------------------------------------------


AGENTS = 6


# The default tiers and policies that a flush removes are put back by tests/conftest.py.
@pytest.mark.django_db(transaction=True)
def test_agents_pressing_take_next_at_once_never_get_the_same_ticket(personas, contracts):
    for n in range(AGENTS + 2):
        log(personas.agent, [personas.admin_a, personas.admin_b][n % 2], severity="S2")
    agents = [factories.StaffFactory(full_name=f"Parallel {n}") for n in range(AGENTS)]
    start = threading.Barrier(AGENTS)
    taken: dict[int, int | None] = {}
    errors: list[BaseException] = []

    def press(agent):
        try:
            start.wait(timeout=10)  # released together; each thread has its own connection
            ticket = bulk.ticket_take_next(agent)
            taken[agent.pk] = ticket.pk if ticket else None
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    handed_out = [pk for pk in taken.values() if pk is not None]
    assert len(handed_out) == AGENTS  # enough tickets for everyone: nobody came away empty
    assert len(set(handed_out)) == AGENTS  # and no ticket went to two agents
    for agent in agents:
        ticket = Ticket.objects.get(pk=taken[agent.pk])
        assert ticket.assignee == agent
        assert TicketEvent.objects.filter(ticket=ticket, field="assignee").count() == 1


# The default tiers and policies that a flush removes are put back by tests/conftest.py.
@pytest.mark.django_db(transaction=True)
def test_more_agents_than_tickets_leaves_the_late_ones_empty_handed(personas, contracts):
    log(personas.agent, personas.admin_a, severity="S1")
    log(personas.agent, personas.admin_b, severity="S2")
    agents = [factories.StaffFactory(full_name=f"Parallel {n}") for n in range(4)]
    start = threading.Barrier(len(agents))
    taken: list[int | None] = []

    def press(agent):
        try:
            start.wait(timeout=10)
            ticket = bulk.ticket_take_next(agent)
            taken.append(ticket.pk if ticket else None)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    handed_out = [pk for pk in taken if pk is not None]
    assert len(taken) == 4
    assert sorted(handed_out) == sorted(set(handed_out))
    assert len(handed_out) == 2
    assert Ticket.objects.filter(assignee__isnull=True).count() == 0
