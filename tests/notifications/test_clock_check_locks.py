"""A clock check locks only what it must, waits for a ticket change in progress rather
than skipping the clock, and says so when it does give up.

Each test holds a row lock in a second transaction (its own connection, in a thread)
while the check runs in the test's, on PostgreSQL.
"""

import datetime as dt
import logging
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from sla import services
from sla.models import BusinessCalendar, ClockState, SLAClock
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


class Holder(threading.Thread):
    """Lock rows in a transaction of its own and keep them for ``seconds``."""

    def __init__(self, lock, seconds: float) -> None:
        super().__init__(daemon=True)
        self.lock, self.seconds = lock, seconds
        self.locked = threading.Event()
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            with scopes_disabled(), transaction.atomic():
                self.lock()
                self.locked.set()
                threading.Event().wait(self.seconds)
        except BaseException as error:  # the test fails on it
            self.errors.append(error)
            self.locked.set()
        finally:
            connection.close()


def hold(lock, seconds: float) -> Holder:
    holder = Holder(lock, seconds)
    holder.start()
    assert holder.locked.wait(10)
    assert holder.errors == []
    return holder


@pytest.fixture
def due_clock(make_ticket) -> SLAClock:
    """An S1's first response on the 24x7 calendar, its warning due now."""
    ticket = make_ticket(severity="S1")
    clock = SLAClock.objects.get(ticket=ticket, kind="first_response")
    now = timezone.now()
    SLAClock.objects.filter(pk=clock.pk).update(
        warn_at=now, next_check_at=now, due_at=now + dt.timedelta(hours=1)
    )
    return SLAClock.objects.get(pk=clock.pk)


def check(clock: SLAClock):
    with transaction.atomic():
        return services.clock_check(clock_id=clock.pk, at=timezone.now())


def test_a_locked_calendar_does_not_stop_a_check(due_clock):
    # Nearly every clock shares the vendor's calendar: a check must not lock it.
    holder = hold(
        lambda: list(BusinessCalendar.objects.select_for_update().filter(pk=due_clock.calendar_id)),
        seconds=3,
    )
    result = check(due_clock)
    holder.join()
    assert holder.errors == []
    assert result is not None and result.event == "warning"
    assert SLAClock.objects.get(pk=due_clock.pk).warned_at is not None


def test_a_check_waits_for_a_change_of_its_ticket_instead_of_skipping(due_clock):
    holder = hold(
        lambda: list(Ticket.objects.select_for_update().filter(pk=due_clock.ticket_id)),
        seconds=0.5,
    )
    result = check(due_clock)
    holder.join()
    assert holder.errors == []
    assert result is not None and result.event == "warning"


def test_two_checks_of_one_clock_warn_once(due_clock):
    # The first check holds the clock; the second waits, then finds it no longer due.
    results = []

    def first():
        results.append(services.clock_check(clock_id=due_clock.pk, at=timezone.now()))
        threading.Event().wait(0.5)

    holder = hold(first, seconds=0)
    holder.join()
    results.append(check(due_clock))
    assert holder.errors == []
    assert [r.event if r else None for r in results] == ["warning", None]


def test_a_check_that_cannot_get_its_clock_says_so(due_clock, caplog):
    holder = hold(
        lambda: list(SLAClock.objects.select_for_update().filter(pk=due_clock.pk)),
        seconds=4,
    )
    with caplog.at_level(logging.WARNING, logger="sla.services"):
        result = check(due_clock)
    holder.join()
    assert holder.errors == []
    assert result is not None and result.event == "skipped"
    assert "stayed locked" in caplog.text
    # Still due: the next sweep finds it.
    clock = SLAClock.objects.get(pk=due_clock.pk)
    assert clock.state == ClockState.RUNNING and clock.warned_at is None
    assert check(clock).event == "warning"
