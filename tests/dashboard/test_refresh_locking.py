"""Two days' summary refreshes at the same moment, each in a real process on PostgreSQL,
when reopened tickets moved resolutions between the days.

A refresh locks its own day first, then each earlier day a resolution moved away from
(to rewrite that day's histogram). Monday's refresh takes Monday, then Saturday and
Sunday; Sunday's takes Sunday, then Saturday. Had the earlier days been locked oldest
first, the two would wait on each other (Monday holding Saturday, Sunday holding Sunday)
and PostgreSQL would cancel one with a deadlock: every refresh now takes its days newest
first. A third connection holds Saturday's row; Monday's refresh starts first and queues
for it, then Sunday's. Both must go through, and every day's histogram must count the
resolutions resolved that day.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboard.models import ResolutionTime, ResolutionTimeDay, SummaryDay
from dashboard.services import day_start
from tests.racing import race
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

SATURDAY, SUNDAY, MONDAY = dt.date(2026, 10, 3), dt.date(2026, 10, 4), dt.date(2026, 10, 5)

SCRIPT = """
import datetime as dt, json, sys
import django
django.setup()
from dashboard import services

services.summary_refresh(day=dt.date.fromisoformat(sys.argv[1]))
print(json.dumps({"refreshed": sys.argv[1]}))
"""


def _resolved(ticket: Ticket, *, now: dt.date, before: dt.date) -> None:
    """Resolved on ``now`` after a first resolution on ``before``, whose measured time
    the summaries still have."""
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Status.RESOLVED, resolved_at=day_start(now) + dt.timedelta(hours=11)
    )
    ResolutionTime.objects.create(
        ticket=ticket,
        organization_id=ticket.organization_id,
        severity=ticket.severity,
        resolved_at=day_start(before) + dt.timedelta(hours=11),
        open_minutes=60,
    )


def test_two_days_refreshed_at_once_after_resolutions_moved_between_them_both_go_through(
    make_ticket,
):
    _resolved(make_ticket(severity="S2"), now=MONDAY, before=SATURDAY)
    _resolved(make_ticket(severity="S2"), now=MONDAY, before=SUNDAY)
    _resolved(make_ticket(severity="S3"), now=SUNDAY, before=SATURDAY)
    for day in (SATURDAY, SUNDAY, MONDAY):
        SummaryDay.objects.create(day=day, computed_at=timezone.now())

    outcomes = race(
        SCRIPT,
        [[MONDAY.isoformat()], [SUNDAY.isoformat()]],
        hold="SELECT day FROM sla_summaryday WHERE day = %s FOR UPDATE",
        params=[SATURDAY],
        one_by_one=True,
    )

    assert outcomes == [{"refreshed": MONDAY.isoformat()}, {"refreshed": SUNDAY.isoformat()}]
    resolutions = {
        day: sum(ResolutionTimeDay.objects.filter(day=day).values_list("resolutions", flat=True))
        for day in (SATURDAY, SUNDAY, MONDAY)
    }
    assert resolutions == {SATURDAY: 0, SUNDAY: 1, MONDAY: 2}
    # Saturday's figures changed twice, Sunday's by both refreshes.
    revisions = dict(SummaryDay.objects.values_list("day", "revision"))
    assert revisions == {SATURDAY: 2, SUNDAY: 2, MONDAY: 1}
