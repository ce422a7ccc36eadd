"""Most urgent first: the one order of every list that says so.

Breached tickets first, the longest overdue (in open time) first; then running
deadlines, the soonest first; then tickets without a running deadline (paused while
waiting on the customer, or without an SLA). Priority, then severity, then age break
ties (``tickets.models.URGENCY_ORDER``).

A ticket keeps the earliest deadline it is still owed in ``sla_due_at`` (a breached
target stays owed until it is met), so ordering by that column, as the urgency index
does, already puts the overdue tickets first and the rest in order. What one column
cannot give is open time overdue across calendars: at Monday 10:00 a 24x7 deadline of
08:00 is two open hours late, a business-hours deadline of Friday 17:00 only one. Within
one calendar the earlier deadline is always the later in open time too, so the overdue
rows are read per calendar in the index's order (no more than the page needs of each),
and merged by the open time each has been overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import overload

from django.db import connection
from django.db.models import Q, QuerySet

from sla import engine
from sla.services import engine_calendars
from tickets.models import PRIORITY_RANK, SEVERITY_RANK, URGENCY_ORDER, Ticket


class UrgentFirst(Sequence[Ticket]):
    """A queryset's tickets most urgent first as of ``at``, sliced like a list (what
    Django's Paginator and a "first N" need).

    A page costs at most three queries whatever the number of tickets: the overdue keys
    of each calendar it needs (one UNION ALL of index scans of ticket_open_overdue_idx,
    a page's worth each), the overdue rows by id, and the running and clockless rows in
    the urgency index's order (ticket_open_urgency_idx); a page past the first counts
    the overdue tickets first. The engine calendars (``calendars``, one query, shared
    with the countdowns) come from their cache.
    """

    def __init__(
        self, tickets: QuerySet[Ticket], *, at: dt.datetime, any_overdue: bool = True
    ) -> None:
        """``any_overdue=False``: the caller has just counted no overdue ticket among
        these (the queues' cached counts). Then a page is one query in the urgency
        index's order, which is still the right one for a ticket that has become
        overdue since the count (its deadline sorts first)."""
        self.tickets = tickets.order_by(*URGENCY_ORDER)
        self.at = at
        self.any_overdue = any_overdue

    @cached_property
    def calendars(self) -> dict[int, engine.Calendar]:
        return engine_calendars()

    @property
    def overdue(self) -> QuerySet[Ticket]:
        return self.tickets.filter(sla_due_at__lte=self.at)

    @property
    def later(self) -> QuerySet[Ticket]:
        return self.tickets.filter(Q(sla_due_at__gt=self.at) | Q(sla_due_at=None))

    def __len__(self) -> int:
        return self.tickets.count()

    def __iter__(self) -> Iterator[Ticket]:
        yield from self[0 : len(self)]

    @overload
    def __getitem__(self, index: int) -> Ticket: ...

    @overload
    def __getitem__(self, index: slice) -> list[Ticket]: ...

    def __getitem__(self, index: int | slice) -> Ticket | list[Ticket]:
        if isinstance(index, int):
            rows = self[index : index + 1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        start, stop = index.start or 0, index.stop
        if index.step not in (None, 1) or start < 0 or stop is None:
            raise ValueError("UrgentFirst takes plain slices from 0 up")
        if stop <= start:
            return []
        if not self.any_overdue:
            return list(self.tickets[start:stop])
        if start == 0:
            # The keys say how many are overdue when they are fewer than `stop` (no
            # calendar had more to give); further on, counting is cheaper than the keys.
            ranked = self._ranked_overdue(stop)
            overdue = len(ranked) if len(ranked) < stop else stop
        else:
            overdue = self.overdue.count()
            ranked = self._ranked_overdue(stop) if start < overdue else []
        wanted = [key[0] for key in ranked[start:stop]]
        found = {ticket.pk: ticket for ticket in self.tickets.filter(pk__in=wanted)}
        rows = [found[pk] for pk in wanted if pk in found]
        if stop > overdue:
            rows += list(self.later[max(start - overdue, 0) : stop - overdue])
        return rows

    def _ranked_overdue(self, stop: int) -> list[tuple]:
        """Up to ``stop`` overdue tickets of each calendar, as (id, deadline, calendar,
        priority rank, severity rank, logged), the longest overdue in open time first."""
        keyed = self.overdue.annotate(
            priority_rank=PRIORITY_RANK, severity_rank=SEVERITY_RANK
        ).values_list(
            "pk", "sla_due_at", "sla_due_calendar_id", "priority_rank", "severity_rank",
            "created_at",
        )  # fmt: skip
        parts = [keyed.filter(sla_due_calendar_id=pk)[:stop] for pk in self.calendars]
        parts.append(keyed.filter(sla_due_calendar_id=None)[:stop])
        if connection.features.supports_slicing_ordering_in_compound:
            keys = list(parts[0].union(*parts[1:], all=True))
        else:  # SQLite (the demo): one query a calendar
            keys = [key for part in parts for key in part]

        def overdue_by(due: dt.datetime, calendar_id: int | None) -> dt.timedelta:
            cal = self.calendars.get(calendar_id) if calendar_id is not None else None
            # A deadline without its calendar (set before calendars were kept) counts
            # wall-clock time.
            return engine.late_by(cal, due, self.at) if cal else self.at - due

        return sorted(keys, key=lambda k: (-overdue_by(k[1], k[2]), k[3], k[4], k[5], k[0]))
