"""Most urgent first, the same everywhere: breached tickets first, the longest overdue in
open time first; then running deadlines, soonest first; then paused and clockless
tickets; priority, severity and age break ties.

ACME is on Privilege (S1: first response in 2 hours around the clock), GLBX on Standard
(S2: first response by close of business two business days on, vendor calendar
Mon-Fri 09:00-17:00 Budapest; S3: one week). 30 November 2026 is a Monday.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from sla.models import ClockState, SLAClock
from sla.services import clock_check
from tickets import services
from tickets.models import Ticket
from tickets.urgency import UrgentFirst
from workspace import bulk, queues

pytestmark = pytest.mark.django_db

BUDAPEST = ZoneInfo("Europe/Budapest")


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=BUDAPEST)


@pytest.fixture
def desk(at, make_ticket, personas):
    """At Monday 10:00: an S1 logged at 06:00 whose 24x7 targets are late (the
    after-hours triage by 3 h 45), a business-hours first response one open hour late
    (due Friday 17:00: earlier on the wall clock, later in open time), running
    deadlines, a ticket waiting on the customer and an enhancement."""
    glbx, agent = personas.admin_b, personas.agent
    made = {}
    at(local(25, 10))
    made["friday"] = make_ticket(requester=glbx, severity="S2", title="Late since Friday")
    made["week"] = make_ticket(requester=glbx, severity="S3", title="Due next Wednesday")
    made["paused"] = make_ticket(requester=glbx, severity="S2", title="Waiting on them")
    services.ticket_assign(agent, ticket=made["paused"], assignee=agent)
    services.ticket_transition(agent, ticket=made["paused"], action="wait_on_customer")
    made["idea"] = make_ticket(requester=glbx, type="enhancement", severity="", title="An idea")
    at(local(30, 6))
    made["night"] = make_ticket(severity="S1", title="Late since dawn")
    at(local(30, 9, 30))
    made["today"] = make_ticket(requester=glbx, severity="S2", title="Due Wednesday")
    at(local(30, 10))
    return made


def titles(rows) -> list[str]:
    return [ticket.title for ticket in rows]


EXPECTED = [
    "Late since dawn",  # after-hours triage due 06:15: 3 h 45 overdue (24x7)
    "Late since Friday",  # 1 open hour overdue (Friday 17:00 to Monday 10:00)
    "Due Wednesday",  # running: Wednesday 2 December 17:00
    "Due next Wednesday",  # running: a week from 25 November, Wednesday 2 December 17:00
    "Waiting on them",  # paused: S2
    "An idea",  # no clock
]


def test_breached_tickets_come_first_longest_overdue_in_open_time(desk, personas):
    found = queues.queue_tickets(
        user=personas.agent, filters=queues.QueueFilters(), at=local(30, 10)
    )
    assert titles(found) == EXPECTED
    # The wall clock alone would have put Friday's deadline first.
    assert Ticket.objects.get(title="Late since Friday").sla_due_at < local(30, 8)


def test_the_order_holds_across_pages(desk):
    ordered = UrgentFirst(Ticket.objects.open(), at=local(30, 10))
    pages = [ordered[start : start + 2] for start in range(0, 6, 2)]
    assert titles(ticket for page in pages for ticket in page) == EXPECTED
    assert titles([ordered[1]]) == [EXPECTED[1]]
    assert len(ordered) == 6


def test_a_breach_recorded_by_the_sweep_keeps_the_ticket_on_top(desk, at, personas):
    first = SLAClock.objects.get(ticket=desk["night"], kind="first_response")
    assert clock_check(clock_id=first.pk, at=local(30, 10)).event == "breach"
    services.ticket_deadline_refresh(ticket_id=desk["night"].pk)  # as the sweep does
    night = Ticket.objects.get(pk=desk["night"].pk)
    assert night.sla_breached and night.sla_due_at == local(30, 6, 15)  # the triage
    found = queues.queue_tickets(
        user=personas.agent, filters=queues.QueueFilters(), at=local(30, 10)
    )
    assert titles(found) == EXPECTED
    # Once answered, the breach is no longer owed and the ticket drops to its next
    # deadline (none: Privilege updates start with this reply, every 2 hours).
    services.ticket_reply(personas.agent, ticket=night, body="Restarted the posting job.")
    night.refresh_from_db()
    assert not night.sla_breached
    assert night.sla_due_at == local(30, 12)
    assert SLAClock.objects.get(pk=first.pk).state == ClockState.BREACHED


def test_the_workspace_and_the_ticket_list_show_the_same_order(desk, client, personas):
    client.force_login(personas.agent)
    for url in (reverse("workspace"), reverse("ticket_list")):
        html = client.get(url).content.decode()
        positions = [html.index(title) for title in EXPECTED]
        assert positions == sorted(positions), url


def test_the_breached_queue_lists_the_longest_overdue_first(desk, personas):
    found = queues.queue_tickets(
        user=personas.agent, filters=queues.QueueFilters(queue="breached"), at=local(30, 10)
    )
    assert titles(found) == EXPECTED[:2]


def test_take_next_hands_out_the_longest_overdue_in_open_time(desk, personas):
    taken = bulk.ticket_take_next(personas.agent)
    assert taken.title == "Late since dawn"
    assert bulk.ticket_take_next(personas.agent).title == "Late since Friday"


def test_ties_go_to_priority_then_severity_then_age(at, make_ticket, personas):
    glbx = personas.admin_b
    at(local(25, 10))
    older = make_ticket(requester=glbx, severity="S3", title="S3 older")
    at(local(25, 10, 1))
    s2 = make_ticket(requester=glbx, severity="S2", title="S2")
    newer = make_ticket(requester=glbx, severity="S3", title="S3 newer")
    urgent = make_ticket(requester=glbx, severity="S3", title="S3 urgent")
    services.ticket_set_priority(personas.agent, ticket=urgent, priority="urgent")
    # Overdue since Friday 17:00, all of them: no open time at all by Monday 09:00.
    Ticket.objects.filter(pk__in=[older.pk, s2.pk, newer.pk, urgent.pk]).update(
        sla_due_at=local(27, 17)
    )
    found = UrgentFirst(Ticket.objects.open(), at=local(30, 9))
    assert titles(found) == ["S3 urgent", "S2", "S3 older", "S3 newer"]
