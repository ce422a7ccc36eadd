"""Two merges of the same pair at once, in two real processes on PostgreSQL: A into B
and B into A. Both start while a third connection holds the two tickets' rows, so both
are inside ``ticket_merge`` waiting for the same locks when it lets go. Exactly one
merge goes through; the other, under the lock, finds its target (or its source) merged
and is refused. Nothing is lost or doubled: every reply and file ends on the one ticket
left open, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.notifications.conftest import worker_database_url
from tickets import services
from tickets.models import Reply, Status, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]

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


def _waiting_for_locks(connection) -> int:
    row = connection.execute(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()
    return row[0]


def test_two_opposite_merges_at_once_one_goes_through_and_nothing_is_lost(make_ticket, personas):
    first = make_ticket(title="Invoices fail")
    second = make_ticket(requester=personas.user_a, title="Posting broken")
    for ticket in (first, second):
        for text in ("one", "two"):
            services.ticket_reply(personas.agent, ticket=ticket, body=f"{ticket.reference} {text}")
    bodies_before = set(Reply.objects.values_list("body", flat=True))

    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    with psycopg.connect(worker_database_url()) as blocker:
        # Hold both rows, so that both merges are waiting inside the service at once.
        blocker.execute(
            "SELECT id FROM tickets_ticket WHERE id = ANY(%s) FOR UPDATE",
            [[first.pk, second.pk]],
        )
        with psycopg.connect(worker_database_url(), autocommit=True) as observer:
            processes = [
                subprocess.Popen(  # noqa: S603 - this interpreter, our own script
                    [
                        sys.executable,
                        "-c",
                        MERGE,
                        source.reference,
                        target.reference,
                        str(personas.agent.pk),
                    ],
                    cwd=ROOT,
                    env=environment,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for source, target in ((first, second), (second, first))
            ]
            deadline = time.monotonic() + 120
            while _waiting_for_locks(observer) < 2:
                assert time.monotonic() < deadline, "the two merges never waited together"
                assert all(p.poll() is None for p in processes), [
                    p.communicate() for p in processes
                ]
                time.sleep(0.05)
        blocker.commit()
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "Traceback" not in err, err
        outcomes.append(json.loads(out.strip().splitlines()[-1]))

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
