"""A parent incident's reply (or the resolution of its children) and a change of one of
its children at the same moment, in real processes on PostgreSQL.

The child's id is lower than the parent's. Detaching the child locks the pair in the
order of their ids (child, then parent); had the reply locked the parent first and then
its children, the two would deadlock and PostgreSQL would cancel one with an error. A
third connection holds the parent's row; the reply starts first and queues for it, then
the detach. Both must go through: the reply (or the resolution) reaches the child, and
the child ends detached.
"""

from __future__ import annotations

import pytest

from tests.racing import race
from tickets import links, services
from tickets.models import Reply, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = """
import json, sys
import django
django.setup()
from django_scopes import scopes_disabled
from accounts.models import User
from tickets import links, services
from tickets.models import Ticket

action, reference, agent = sys.argv[1], sys.argv[2], int(sys.argv[3])
with scopes_disabled():
    ticket = Ticket.objects.get(reference=reference)
actor = User.objects.get(pk=agent)
if action == "reply":
    services.ticket_reply(actor, ticket=ticket, body="We found the cause: a failed disk.")
elif action == "resolve_children":
    links.ticket_resolve_children(actor, parent=ticket)
else:
    links.ticket_remove_parent(actor, ticket=ticket)
print(json.dumps({"done": action}))
"""


@pytest.fixture
def incident(make_ticket, personas):
    """A child created before its parent incident: its id is the lower one."""
    child = make_ticket(requester=personas.user_a, title="Cannot post")
    parent = make_ticket(title="Data centre outage")
    links.ticket_set_parent(personas.agent, ticket=child, parent=parent)
    assert child.pk < parent.pk
    return Ticket.objects.get(pk=parent.pk), Ticket.objects.get(pk=child.pk)


def _race_with_detach(action: str, parent: Ticket, child: Ticket, agent) -> None:
    outcomes = race(
        SCRIPT,
        [
            [action, parent.reference, str(agent.pk)],
            ["remove_parent", child.reference, str(agent.pk)],
        ],
        hold="SELECT id FROM tickets_ticket WHERE id = %s FOR UPDATE",
        params=[parent.pk],
        one_by_one=True,
    )
    assert outcomes == [{"done": action}, {"done": "remove_parent"}]
    assert Ticket.objects.get(pk=child.pk).parent_id is None
    assert TicketEvent.objects.filter(ticket=child, kind="parent_removed").count() == 1


def test_a_reply_on_the_parent_and_a_childs_detach_at_once_both_go_through(incident, personas):
    parent, child = incident

    _race_with_detach("reply", parent, child, personas.agent)

    reply = Reply.objects.get(ticket=parent, body__startswith="We found the cause")
    [copy] = Reply.objects.filter(ticket=child, copied_from=reply)
    assert copy.body == reply.body


def test_resolving_the_children_and_a_childs_detach_at_once_both_go_through(incident, personas):
    parent, child = incident

    services.ticket_transition(personas.agent, ticket=parent, action="acknowledge")
    services.ticket_transition(
        personas.agent, ticket=parent, action="resolve", resolution="Replaced the failed disk."
    )

    _race_with_detach("resolve_children", parent, child, personas.agent)

    child = Ticket.objects.get(pk=child.pk)
    assert child.status == Status.RESOLVED
    assert child.resolution == "Replaced the failed disk."
