"""Two merges of the same pair at once, in two real processes on PostgreSQL: A into B
and B into A. Both start while a third connection holds the two tickets' rows, so both
are inside ``ticket_merge`` waiting for the same locks when it lets go. Exactly one
merge goes through; the other, under the lock, finds its target (or its source) merged
and is refused. Nothing is lost or doubled: every reply and file ends on the one ticket
left open, once."""

from __future__ import annotations

import pytest

from tests.racing import race
from tickets import services
from tickets.models import Reply, Status, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

MERGE = """
import json, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled
from accounts.models import User
from tickets import merging
from tickets.models import Ticket

source, target, agent = sys.argv[1], sys.argv[2], int(sys.argv[3])
with scopes_disabled():
    tickets = {t.reference: t for t in Ticket.objects.filter(reference__in=[source, target])}
try:
    merging.ticket_merge(
        User.objects.get(pk=agent), source=tickets[source], target=tickets[target]
    )
except ValidationError as refused:
    print(json.dumps({"merged": False, "why": " ".join(refused.messages)}))
else:
    print(json.dumps({"merged": True}))
"""


def test_two_opposite_merges_at_once_one_goes_through_and_nothing_is_lost(make_ticket, personas):
    first = make_ticket(title="Invoices fail")
    second = make_ticket(requester=personas.user_a, title="Posting broken")
    for ticket in (first, second):
        for text in ("one", "two"):
            services.ticket_reply(personas.agent, ticket=ticket, body=f"{ticket.reference} {text}")
    bodies_before = set(Reply.objects.values_list("body", flat=True))

    # Both rows held, so that both merges are waiting inside the service at once.
    outcomes = race(
        MERGE,
        [
            [source.reference, target.reference, str(personas.agent.pk)]
            for source, target in ((first, second), (second, first))
        ],
        hold="SELECT id FROM tickets_ticket WHERE id = ANY(%s) FOR UPDATE",
        params=[[first.pk, second.pk]],
    )

    assert sorted(o["merged"] for o in outcomes) == [False, True], outcomes
    [refusal] = [o["why"] for o in outcomes if not o["merged"]]
    assert "merged" in refusal

    first, second = (Ticket._base_manager.get(pk=t.pk) for t in (first, second))
    merged, kept = (first, second) if first.merged_into_id else (second, first)
    assert merged.merged_into_id == kept.pk and kept.merged_into_id is None
    assert (merged.status, kept.status) == (Status.CLOSED, Status.ACKNOWLEDGED)
    # Every reply once, on the ticket kept, with the merged one's own words added once.
    assert not Reply.objects.filter(ticket=merged).exists()
    bodies = list(Reply.objects.filter(ticket=kept).values_list("body", flat=True))
    assert len(bodies) == len(bodies_before) + 1
    assert set(bodies) == bodies_before | {f"**{merged.title}**\n\n{merged.description}"}
