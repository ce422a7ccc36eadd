"""Webhook deliveries through real Celery worker processes on PostgreSQL: a receiver
that is down for a while gets every event once after it returns, and a delivery handed
to several worker processes at once is posted once."""

import re
import time

import pytest
from django.utils import timezone

from tests.conftest import wait_for
from tests.notifications.conftest import worker_processes_running
from tests.webhooks.conftest import Receiver, free_port
from webhooks import services
from webhooks.models import Delivery, DeliveryState, EventType

pytestmark = pytest.mark.django_db(transaction=True)

# The worker processes send to the tests' receivers on the loopback address, and retry
# after 1, 2, 4… seconds instead of 30, 60, 120…
WORKER_SETTINGS = {"WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true", "WEBHOOK_RETRY_BACKOFF_SECONDS": "1"}


def clean(log) -> None:
    output = log.read_text()
    assert not re.search(r"Traceback|\bERROR\b|\bCRITICAL\b", output), output[-5000:]


def test_a_receiver_down_for_a_while_gets_every_event_once_after_it_returns(
    endpoint_for, make_ticket, settings
):
    settings.WEBHOOK_SWEEP_GRACE_SECONDS = 0
    receiver = Receiver(port=free_port())  # not started: the receiver is down
    endpoint_for(receiver.url, events=[EventType.TICKET_CREATED, EventType.TICKET_REPLIED])
    with worker_processes_running(name="webhooks-down", concurrency=2, **WORKER_SETTINGS) as log:
        tickets = [make_ticket(title=f"Outage ticket {n}") for n in range(6)]
        failed_once = Delivery.objects.filter(state=DeliveryState.PENDING, attempts__gte=1)
        assert wait_for(lambda: failed_once.count() == 6, timeout=60), list(
            Delivery.objects.values_list("state", "attempts", "last_error")
        )
        assert all("Could not connect" in d.last_error for d in failed_once)

        receiver.start()
        try:
            delivered = Delivery.objects.filter(state=DeliveryState.DELIVERED)

            # The sweep, every half second (beat's is every minute).
            for _ in range(120):
                services.deliveries_redispatch_due(at=timezone.now())
                if delivered.count() == 6:
                    break
                time.sleep(0.5)
            assert delivered.count() == 6, list(
                Delivery.objects.values_list("state", "attempts", "last_error")
            )
            # More sweeps, and a moment for anything stray: nothing is sent again.
            for _ in range(3):
                services.deliveries_redispatch_due(at=timezone.now())
                time.sleep(0.5)
        finally:
            receiver.stop()
    references = sorted(got.json["ticket"]["reference"] for got in receiver.received)
    assert references == sorted(ticket.reference for ticket in tickets)
    assert len({got.json["id"] for got in receiver.received}) == 6
    assert all(d.attempts >= 2 for d in Delivery.objects.all())
    clean(log)


def test_a_delivery_handed_to_several_worker_processes_at_once_is_posted_once(
    endpoint_for, personas
):
    from helpdesk.celery import app

    receiver = Receiver(port=free_port(), delay=1.0)  # slow: the others arrive meanwhile
    receiver.start()
    try:
        endpoint = endpoint_for(receiver.url, owner=personas.administrator)
        with worker_processes_running(
            name="webhooks-race", concurrency=4, **WORKER_SETTINGS
        ) as log:
            delivery = services.endpoint_ping(personas.administrator, endpoint=endpoint)
            for _ in range(8):
                app.send_task("webhooks.tasks.deliver", args=[delivery.pk])
            done = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.DELIVERED)
            assert wait_for(done.exists, timeout=60)
            time.sleep(1.5)  # any second post would have arrived by now
            clean(log)
    finally:
        receiver.stop()
    assert len(receiver.received) == 1
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1
