"""The outbox: an email is sent exactly once, retried with backoff when the provider
fails, kept with its error when it never succeeds, and never lost when Redis is down.

The provider is faked by small EmailBackend classes below (anymail's test backend
cannot fail): that is the outside world, the one thing tests may fake.
"""

import datetime as dt
import threading
import time

import pytest
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.urls import reverse
from django_scopes import scopes_disabled

from notifications import services
from notifications.models import (
    Kind,
    Notification,
    OutboundEmail,
    OutboundState,
    PendingEvent,
)
from notifications.tasks import send_email, sla_sweep
from tests.conftest import wait_for
from tests.notifications.conftest import local
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


class FlakyBackend(BaseEmailBackend):
    """A provider that fails ``failures`` times, then accepts (into mail.outbox)."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise AnymailAPIError("503 Service Unavailable from the ESP")
        mail.outbox.extend(messages)
        return len(messages)


class RefusingBackend(BaseEmailBackend):
    """A provider that refuses the recipient (unknown mailbox)."""

    calls = 0

    def send_messages(self, messages):
        RefusingBackend.calls += 1
        raise AnymailRecipientsRefused("All message recipients were rejected: unknown user")


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.calls = 0
    FlakyBackend.failures = 0
    return FlakyBackend


def _outbound(ticket, recipient="alice@example.com", kind=Kind.REPLY_ADDED, key="reply:1"):
    from notifications import emails

    rendered = emails.Rendered(subject=f"[{ticket.reference}] Hello", text="Body", html="")
    return services.outbound_write(
        key={"kind": kind, "event_key": key}, recipient=recipient, rendered=rendered, ticket=ticket
    )


@pytest.fixture
def ticket(make_ticket, at):
    at(local(25, 10))
    return make_ticket(severity="S2")


def test_a_transient_provider_error_is_retried_with_backoff_then_sent(flaky, ticket, settings):
    flaky.failures = 2
    outbound = _outbound(ticket)

    send_email.apply(args=[outbound.pk])

    outbound.refresh_from_db()
    assert outbound.state == OutboundState.SENT
    assert outbound.attempts == 3
    assert len(mail.outbox) == 1
    assert services.backoff(1) == dt.timedelta(seconds=0)  # tests set the base to 0
    settings.EMAIL_RETRY_BACKOFF_SECONDS = 30
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_an_email_that_keeps_failing_is_kept_as_failed_with_its_error(
    flaky, ticket, settings, personas
):
    settings.EMAIL_MAX_ATTEMPTS = 4
    flaky.failures = 100
    outbound = _outbound(ticket)

    result = send_email.apply(args=[outbound.pk])

    outbound.refresh_from_db()
    assert result.get() == "failed"
    assert outbound.state == OutboundState.FAILED
    assert outbound.attempts == 4 == flaky.calls
    assert "503 Service Unavailable" in outbound.last_error
    assert not outbound.refused
    assert mail.outbox == []
    # The team hears that the customer did not get it (nobody is assigned yet).
    assert Notification.objects.filter(recipient=personas.agent, kind=Kind.DELIVERY_FAILED).exists()


def test_a_refused_recipient_fails_at_once_without_retry_and_is_shown_to_agents(
    settings, ticket, personas, client
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.calls = 0
    ticket_services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    outbound = _outbound(ticket, recipient="nobody@acme.example")

    send_email.apply(args=[outbound.pk])

    outbound.refresh_from_db()
    assert RefusingBackend.calls == 1
    assert outbound.state == OutboundState.FAILED
    assert outbound.refused
    assert "unknown user" in outbound.last_error
    notice = Notification.objects.get(recipient=personas.agent, kind=Kind.DELIVERY_FAILED)
    assert notice.title == f"[{ticket.reference}] Email to nobody@acme.example not delivered"
    client.force_login(personas.agent)
    page = client.get(reverse("outbound_failed_list")).content.decode()
    assert "nobody@acme.example" in page and "Address refused" in page


def test_an_administrator_retries_a_failed_email_from_the_admin(
    flaky, ticket, personas, client, eager_celery, django_capture_on_commit_callbacks
):
    outbound = _outbound(ticket)
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        state=OutboundState.FAILED, attempts=6, last_error="AnymailAPIError: down"
    )
    client.force_login(personas.administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:notifications_outboundemail_changelist"),
            {"action": "retry", "_selected_action": [outbound.pk]},
        )

    assert response.status_code == 302
    outbound.refresh_from_db()
    assert outbound.state == OutboundState.SENT
    assert outbound.attempts == 1
    assert len(mail.outbox) == 1


def test_sending_an_email_twice_sends_it_once(ticket, eager_celery):
    outbound = _outbound(ticket)

    assert services.outbound_send(outbound_id=outbound.pk) is services.SendOutcome.SENT
    assert services.outbound_send(outbound_id=outbound.pk) is services.SendOutcome.SKIPPED
    send_email.apply(args=[outbound.pk])

    assert len(mail.outbox) == 1


def test_the_natural_key_refuses_a_second_row_for_the_same_event_and_recipient(ticket):
    assert _outbound(ticket) is not None
    assert _outbound(ticket) is None
    assert OutboundEmail.objects.count() == 1


def test_the_one_duplicate_window_a_worker_dying_after_the_provider_accepted(
    ticket, settings, time_machine
):
    """Measured: the provider accepted, the worker died before recording it. The claim
    keeps everyone off the row until its lease runs out; then the sweep sends it once
    more. So a crash at that instant costs at most one duplicate, never more."""
    settings.EMAIL_SENDING_LEASE_SECONDS = 600
    outbound = _outbound(ticket)
    time_machine.move_to(local(25, 10, 1), tick=False)
    # The worker claimed it and the provider accepted it...
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        state=OutboundState.SENDING,
        attempts=1,
        claimed_at=local(25, 10, 1),
        next_attempt_at=local(25, 10, 11),
    )
    mail.outbox.append(object())  # ...and then the worker died before recording it.

    time_machine.move_to(local(25, 10, 5), tick=False)
    assert services.outbound_send(outbound_id=outbound.pk) is services.SendOutcome.SKIPPED
    assert services.outbound_resend_due(at=local(25, 10, 5)) == 0

    time_machine.move_to(local(25, 10, 13), tick=False)
    assert services.outbound_send(outbound_id=outbound.pk) is services.SendOutcome.SENT
    assert services.outbound_send(outbound_id=outbound.pk) is services.SendOutcome.SKIPPED
    assert len(mail.outbox) == 2  # the original and exactly one duplicate


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_email_at_once_send_it_once(ticket):
    with scopes_disabled():
        outbound = _outbound(ticket)
    barrier = threading.Barrier(4)
    outcomes = []

    def worker():
        barrier.wait()
        try:
            outcomes.append(services.outbound_send(outbound_id=outbound.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(o.value for o in outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mail.outbox) == 1


# --- Redis down ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_ticket_logged_while_redis_is_down_is_kept_and_mailed_once_when_it_is_back(
    private_redis, personas, make_ticket, time_machine
):
    from celery.contrib.testing.worker import start_worker

    from helpdesk.celery import app

    time_machine.move_to(local(25, 10), tick=True)
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        before = make_ticket(severity="S2", title="Before the outage")  # publishes: connected
        assert wait_for(lambda: len(mail.outbox) == 1)

        private_redis.stop()
        started = time.monotonic()
        ticket = make_ticket(severity="S2")  # commits its event, cannot enqueue it
        assert time.monotonic() - started < 3, "the request must not hang on the broker"

        with scopes_disabled():
            assert Ticket.objects.filter(pk=ticket.pk).exists()
            event = PendingEvent.objects.get()
            assert event.name == "ticket_created"
            assert not OutboundEmail.objects.filter(ticket=ticket).exists()

        private_redis.start()
        # Redis is back, empty. Within the first minute the sweep leaves the event alone
        # (its task may simply be queued); after it, the sweep dispatches it, and the
        # worker writes and sends the email.
        assert sla_sweep()["events"] == 0
        time_machine.shift(dt.timedelta(minutes=2))
        assert sla_sweep()["events"] == 1

        def sent():
            with scopes_disabled():
                return OutboundEmail.objects.filter(
                    ticket=ticket, state=OutboundState.SENT
                ).exists()

        assert wait_for(sent, timeout=60)
        assert not PendingEvent.objects.exists()
        swept = sla_sweep()
        assert (swept["events"], swept["emails"]) == (0, 0)
    assert [m.subject for m in mail.outbox] == [
        f"[{before.reference}] We received your request: Before the outage",
        f"[{ticket.reference}] We received your request: {ticket.title}",
    ]
