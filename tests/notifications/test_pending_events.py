"""The outbox of events: a change commits with its event, a worker fans the event out
into notifications and emails, and an event whose dispatch fails or never reaches the
broker is dispatched again by the sweep, never lost and never doubled."""

import datetime as dt

import pytest
from django.core import mail

from core import events
from notifications import services
from notifications.models import Kind, Notification, OutboundEmail, PendingEvent
from notifications.selectors import events_due
from tests.conftest import wait_for
from tests.notifications.conftest import local
from tickets import live
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db


def test_a_change_commits_with_its_event_and_the_request_notifies_nobody_itself(
    personas, make_ticket, daytime, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        ticket = make_ticket(watchers=[personas.user_a])

    event = PendingEvent.objects.get()
    assert event.name == "ticket_created"
    assert event.payload == {
        "ticket": {"model": "tickets.ticket", "pk": ticket.pk},
        "version": ticket.version,
    }
    assert event.next_attempt_at == daytime
    # The event's hand-over to the broker, and the live figures' new revision: no more.
    assert len(callbacks) == 2 and live._new_revision in callbacks
    assert not Notification.objects.exists() and not OutboundEmail.objects.exists()

    assert services.event_dispatch(event_id=event.pk, at=daytime) is True

    assert not PendingEvent.objects.exists()
    assert set(
        Notification.objects.filter(kind=Kind.TICKET_CREATED).values_list(
            "recipient__email", flat=True
        )
    ) == {personas.admin_a.email, personas.user_a.email}
    assert OutboundEmail.objects.filter(kind=Kind.TICKET_CREATED).count() == 2


def test_an_event_dispatched_twice_notifies_once(personas, make_ticket, daytime):
    make_ticket()
    event = PendingEvent.objects.get()

    assert services.event_dispatch(event_id=event.pk, at=daytime) is True
    assert services.event_dispatch(event_id=event.pk, at=daytime) is False  # done already
    assert events.dispatch(event.name, event.payload) is None  # replayed by hand

    assert Notification.objects.filter(recipient=personas.admin_a).count() == 1
    assert OutboundEmail.objects.filter(recipient=personas.admin_a.email).count() == 1


def test_a_failing_handler_keeps_the_event_with_its_error_and_writes_nothing(
    personas, make_ticket, daytime, monkeypatch
):
    ticket = make_ticket()
    event = PendingEvent.objects.get()
    failures = [RuntimeError("template error")]

    def flaky(**payload):
        if failures:
            raise failures.pop()

    # After the real handler: what it wrote must be rolled back with the failure.
    handlers = {name: list(found) for name, found in events._handlers.items()}
    handlers["ticket_created"].append(flaky)
    monkeypatch.setattr(events, "_handlers", handlers)

    assert services.event_dispatch(event_id=event.pk, at=daytime) is False

    event.refresh_from_db()
    assert event.attempts == 1
    assert "RuntimeError: template error" in event.last_error
    assert event.next_attempt_at == daytime + dt.timedelta(minutes=1)
    assert not Notification.objects.exists() and not OutboundEmail.objects.exists()
    # The sweep finds it once its delay and the grace minute are over, not before.
    assert events_due(at=daytime + dt.timedelta(minutes=1), grace=dt.timedelta(minutes=1)) == []
    later = daytime + dt.timedelta(minutes=2)
    assert events_due(at=later, grace=dt.timedelta(minutes=1)) == [event.pk]

    assert services.event_dispatch(event_id=event.pk, at=later) is True
    assert not PendingEvent.objects.exists()
    assert Notification.objects.filter(ticket=ticket, recipient=personas.admin_a).count() == 1


def test_repeated_failures_wait_longer_each_time_up_to_an_hour():
    assert [services.event_backoff(n).total_seconds() / 60 for n in (1, 2, 3, 7, 8, 20)] == [
        1,
        2,
        4,
        60,
        60,
        60,
    ]


def test_an_event_about_a_row_that_is_gone_is_dropped(personas, make_ticket, daytime):
    ticket = make_ticket()
    reply = ticket_services.ticket_reply(personas.agent, ticket=ticket, body="On it.")
    PendingEvent.objects.all().delete()
    event = PendingEvent.objects.create(
        name="reply_added",
        payload={
            "ticket": {"model": "tickets.ticket", "pk": ticket.pk},
            "version": 2,
            "reply": {"model": "tickets.reply", "pk": reply.pk + 1000},
        },
    )

    assert services.event_dispatch(event_id=event.pk, at=daytime) is True

    assert not PendingEvent.objects.exists()
    assert not Notification.objects.exists()


def test_muted_changes_record_no_event(personas, make_ticket, daytime):
    with events.muted():
        make_ticket()

    assert not PendingEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_dispatches_the_event_and_sends_its_email(
    celery_worker, personas, make_ticket, time_machine
):
    time_machine.move_to(local(25, 10), tick=True)
    ticket = make_ticket(severity="S2")

    assert wait_for(lambda: len(mail.outbox) == 1, timeout=60)
    assert mail.outbox[0].to == [personas.admin_a.email]
    assert ticket.reference in mail.outbox[0].subject
    assert wait_for(lambda: not PendingEvent.objects.exists())
    assert Notification.objects.filter(ticket=ticket, recipient=personas.admin_a).exists()
