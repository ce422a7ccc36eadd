"""Ticket events reach the endpoints that asked for them, signed, once per event and
endpoint; a receiver's failure is retried with a growing delay and shown with its answer.
A real HTTP receiver on the loopback address; Celery eager, in this process."""

import datetime as dt
import hashlib
import hmac
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core import events
from sla.models import SLAClock
from tests.webhooks.conftest import local
from tickets import escalations, services
from webhooks import handlers
from webhooks import services as webhooks
from webhooks.models import Delivery, DeliveryState, EventType

pytestmark = pytest.mark.django_db


def expected_signature(secret: str, header: str, body: bytes) -> bool:
    timestamp = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", header)
    assert timestamp, header
    signed = timestamp[1].encode() + b"." + body
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, timestamp[2])


def test_a_new_ticket_is_posted_signed_with_the_ticket_as_the_api_shows_it(
    receiver, endpoint_for, delivered, make_ticket
):
    endpoint = endpoint_for(receiver.url, events=[EventType.TICKET_CREATED])

    with delivered():
        ticket = make_ticket()

    [got] = receiver.received
    assert got.path == "/hooks/helpdesk"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Helpdesk-Event"] == "ticket.created"
    assert expected_signature(endpoint.secret, got.headers["X-Helpdesk-Signature"], got.body)
    assert got.json["type"] == "ticket.created"
    assert got.json["id"].startswith("evt_")
    assert got.json["ticket"]["reference"] == ticket.reference
    assert got.json["ticket"]["organization"] == {"code": "ACME", "name": "Acme Manufacturing"}
    assert got.json["ticket"]["url"].endswith(f"/tickets/{ticket.reference}/")
    # A customer's endpoint reads the portal's words for the status.
    assert got.json["ticket"]["status_display"] == "Received"
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.DELIVERED
    assert (delivery.response_status, delivery.response_body) == (200, '{"ok": true}')
    assert delivery.attempts == 1
    assert got.headers["X-Helpdesk-Delivery"] == str(delivery.pk)


def test_a_signature_with_another_secret_or_another_body_does_not_verify(
    receiver, endpoint_for, delivered, make_ticket
):
    endpoint = endpoint_for(receiver.url)
    with delivered():
        make_ticket()
    [got] = receiver.received
    header = got.headers["X-Helpdesk-Signature"]
    assert expected_signature(endpoint.secret, header, got.body)
    assert not expected_signature(endpoint.secret + "x", header, got.body)
    assert not expected_signature(endpoint.secret, header, got.body.replace(b"ACME", b"GLBX"))


def test_public_replies_are_posted_and_internal_notes_never_are(
    receiver, endpoint_for, delivered, make_ticket, personas
):
    endpoint_for(receiver.url, events=[EventType.TICKET_REPLIED])
    vendor = endpoint_for(receiver.url, owner=personas.administrator)
    ticket = make_ticket()
    receiver.received.clear()

    with delivered():
        services.ticket_reply(
            personas.agent, ticket=ticket, body="Secret: the DB is down", internal=True
        )
        services.ticket_reply(personas.agent, ticket=ticket, body="We are on it.")

    bodies = [got.json for got in receiver.received if got.json["type"] == "ticket.replied"]
    assert [body["reply"]["body"] for body in bodies] == ["We are on it.", "We are on it."]
    assert all("Secret" not in got.body.decode() for got in receiver.received)
    # The vendor's endpoint reads the workspace's words.
    vendor_body = Delivery.objects.get(endpoint=vendor, event=EventType.TICKET_REPLIED).payload
    assert vendor_body["ticket"]["status_display"] != ""


def test_an_organisations_endpoint_hears_only_of_its_own_tickets_and_the_vendors_of_all(
    receiver, endpoint_for, delivered, make_ticket, personas
):
    acme = endpoint_for(receiver.url)
    globex = endpoint_for(receiver.url, owner=personas.admin_b)
    vendor = endpoint_for(receiver.url, owner=personas.administrator)

    with delivered():
        make_ticket(requester=personas.admin_a)
        make_ticket(requester=personas.admin_b)

    def heard(endpoint):
        return sorted(
            d.payload["ticket"]["organization"]["code"]
            for d in Delivery.objects.filter(endpoint=endpoint)
        )

    assert heard(acme) == ["ACME"]
    assert heard(globex) == ["GLBX"]
    assert heard(vendor) == ["ACME", "GLBX"]
    assert len(receiver.received) == 4


def test_status_severity_and_escalation_events_each_reach_the_endpoint_once(
    receiver, endpoint_for, delivered, make_ticket, personas
):
    endpoint_for(receiver.url)
    ticket = make_ticket(severity="S2")
    receiver.received.clear()

    with delivered():
        ticket = services.ticket_transition(
            personas.agent, ticket=ticket, action="start_progress", expected_version=ticket.version
        )
        services.ticket_set_severity(
            personas.agent, ticket=ticket, severity="S1", reason="Production is down."
        )
        escalations.escalation_request(
            personas.admin_a, ticket=ticket, reason="Month-end close is blocked."
        )

    types = [got.json["type"] for got in receiver.received]
    assert types == ["ticket.status_changed", "ticket.severity_changed", "ticket.escalation"]
    severity = receiver.received[1].json
    assert (severity["old_severity"], severity["ticket"]["severity"]) == ("S2", "S1")
    assert receiver.received[2].json["escalation"]["reason"] == "Month-end close is blocked."


def test_an_event_handled_twice_is_delivered_once(receiver, endpoint_for, delivered, make_ticket):
    endpoint_for(receiver.url)
    ticket = make_ticket()

    with delivered():
        handlers.ticket_created(ticket=ticket, version=ticket.version)
        handlers.ticket_created(ticket=ticket, version=ticket.version)

    assert Delivery.objects.count() == 1
    assert len(receiver.received) == 1


def test_an_endpoint_switched_off_hears_nothing_of_what_happens_meanwhile(
    receiver, endpoint_for, delivered, make_ticket, personas
):
    endpoint = endpoint_for(receiver.url)
    ticket = make_ticket()
    receiver.received.clear()
    webhooks.endpoint_update(
        personas.admin_a, endpoint=endpoint, events=endpoint.events, description="", is_active=False
    )
    with delivered():
        services.ticket_reply(personas.agent, ticket=ticket, body="Still on it.")
    assert receiver.received == []

    with delivered():
        webhooks.endpoint_update(
            personas.admin_a, endpoint=endpoint, events=endpoint.events, description="",
            is_active=True,
        )  # fmt: skip
    # Only what happened while it was on: the reply was not written for it.
    assert receiver.received == []


def test_a_failing_receiver_is_retried_with_a_growing_delay_and_its_answer_shown(
    receiver, endpoint_for, delivered, make_ticket, settings, at
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    start = at(local(25, 10))
    endpoint_for(receiver.url)
    receiver.status, receiver.answer = 503, b"maintenance\x00 until 11:00"

    with delivered():
        make_ticket()

    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert (delivery.attempts, delivery.response_status) == (1, 503)
    assert delivery.response_body == "maintenance until 11:00"  # no NUL in PostgreSQL text
    assert delivery.last_error == "The receiver answered 503."
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=30)
    # Too early: nothing is sent.
    assert webhooks.delivery_send(delivery_id=delivery.pk) is webhooks.Outcome.SKIPPED

    at(start + dt.timedelta(seconds=30))
    assert webhooks.delivery_send(delivery_id=delivery.pk) is webhooks.Outcome.RETRY
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=30 + 60)

    at(start + dt.timedelta(seconds=90))
    assert webhooks.delivery_send(delivery_id=delivery.pk) is webhooks.Outcome.FAILED
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 3)
    assert len(receiver.received) == 3
    # The same body every time, each signed anew.
    assert len({got.body for got in receiver.received}) == 1


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    receiver, endpoint_for, delivered, make_ticket
):
    endpoint_for(receiver.url)
    receiver.status, receiver.headers = 301, {"Location": "http://169.254.169.254/latest/"}

    with delivered():
        make_ticket()

    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert "redirect, not followed" in delivery.last_error
    assert len(receiver.received) == 1


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    endpoint_for, delivered, make_ticket, settings
):
    import socket

    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        endpoint_for(f"http://127.0.0.1:{silent.getsockname()[1]}/")
        with delivered():
            make_ticket()

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.response_status) == (DeliveryState.PENDING, None)
    assert delivery.last_error == "No answer within 0.5 s."


def test_the_sweep_sends_again_what_is_due_and_leaves_the_rest(
    receiver, endpoint_for, make_ticket, eager_celery, django_capture_on_commit_callbacks, at
):
    start = at(local(25, 10))
    endpoint_for(receiver.url)
    make_ticket()  # its event is stored, not dispatched: no on-commit run here
    from notifications.models import PendingEvent
    from notifications.services import event_dispatch

    with django_capture_on_commit_callbacks(execute=False):
        event_dispatch(event_id=PendingEvent.objects.get().pk, at=start)
    delivery = Delivery.objects.get()  # written, its task lost (the broker was down)

    assert webhooks.deliveries_redispatch_due(at=start + dt.timedelta(seconds=29)) == 0
    assert webhooks.deliveries_redispatch_due(at=start + dt.timedelta(seconds=30)) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert len(receiver.received) == 1


def test_an_sla_warning_reaches_the_vendor_and_a_breach_the_customer_too(
    receiver, endpoint_for, make_ticket, personas, at, sweep
):
    at(local(25, 10))
    customer = endpoint_for(receiver.url, events=[EventType.SLA_BREACHED])
    vendor = endpoint_for(
        receiver.url,
        owner=personas.administrator,
        events=[EventType.SLA_WARNING, EventType.SLA_BREACHED],
    )
    ticket = make_ticket()

    sweep(local(25, 11, 30))
    sweep(local(25, 12, 0))
    sweep(local(25, 12, 0))

    heard = [
        (d.event, d.payload["target"]["kind"]) for d in Delivery.objects.filter(endpoint=vendor)
    ]
    assert sorted(heard) == sorted(
        [
            (EventType.SLA_WARNING, "first_response"),
            (EventType.SLA_BREACHED, "first_response"),
        ]
    )
    [told] = Delivery.objects.filter(endpoint=customer)
    assert (told.event, told.payload["target"]["name"]) == (
        EventType.SLA_BREACHED,
        "First response",
    )
    clock = SLAClock.objects.get(ticket=ticket, kind="first_response")
    breach = Delivery.objects.get(endpoint=vendor, event=EventType.SLA_BREACHED)
    assert breach.payload["target"]["due_at"] == clock.due_at.isoformat()
    assert breach.payload["ticket"]["sla_breached"] is True


def test_a_test_event_is_sent_at_once(receiver, endpoint_for, delivered, personas):
    endpoint = endpoint_for(receiver.url, owner=personas.administrator)
    with delivered():
        webhooks.endpoint_ping(personas.administrator, endpoint=endpoint)
    [got] = receiver.received
    assert got.json["type"] == "ping"
    assert expected_signature(endpoint.secret, got.headers["X-Helpdesk-Signature"], got.body)


def test_a_new_secret_signs_from_then_on(receiver, endpoint_for, delivered, personas):
    endpoint = endpoint_for(receiver.url)
    old = endpoint.secret
    webhooks.endpoint_secret_roll(personas.admin_a, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    with delivered():
        webhooks.endpoint_ping(personas.admin_a, endpoint=endpoint)
    [got] = receiver.received
    assert expected_signature(endpoint.secret, got.headers["X-Helpdesk-Signature"], got.body)


# --- Who may register what ------------------------------------------------------------


def test_only_an_organisations_administrator_or_the_vendors_register_endpoints(personas, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    url = "http://127.0.0.1:9/"
    events_ = [EventType.TICKET_CREATED]
    for user, organization in (
        (personas.user_a, personas.org_a),  # a plain customer user
        (personas.admin_a, personas.org_b),  # another organisation's
        (personas.agent, None),  # staff, not an administrator
        (personas.manager, personas.org_a),
    ):
        with pytest.raises(PermissionDenied):
            webhooks.endpoint_create(user, organization=organization, url=url, events=events_)
    own = webhooks.endpoint_create(
        personas.admin_a, organization=personas.org_a, url=url, events=events_
    )
    everyone = webhooks.endpoint_create(
        personas.administrator, organization=None, url=url, events=events_
    )
    assert (own.is_vendor, everyone.is_vendor) == (False, True)
    with pytest.raises(PermissionDenied):
        webhooks.endpoint_delete(personas.admin_b, endpoint=own)
    with pytest.raises(PermissionDenied):
        webhooks.endpoint_secret_roll(personas.admin_a, endpoint=everyone)


def test_a_customers_endpoint_cannot_hear_the_vendors_sla_warnings(personas, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    with pytest.raises(ValidationError) as refused:
        webhooks.endpoint_create(
            personas.admin_a,
            organization=personas.org_a,
            url="http://127.0.0.1:9/",
            events=[EventType.TICKET_CREATED, EventType.SLA_WARNING],
        )
    assert "events" in refused.value.message_dict


def test_the_webhooks_subscribe_to_every_event_they_offer():
    offered = ["ticket_created", "reply_added", "status_changed", "severity_changed"]
    offered += ["escalation_requested", "escalation_handled", "sla_warning", "sla_breach"]
    for name in offered:
        assert any(h.__module__ == "webhooks.handlers" for h in events._handlers[name]), name


def test_finished_deliveries_are_cleared_after_their_retention_and_waiting_ones_kept(
    endpoint_for, personas, settings
):
    settings.WEBHOOK_RETENTION_DAYS = 30
    endpoint = endpoint_for("http://127.0.0.1:9/")
    now = timezone.now()
    for n, (state, days) in enumerate(
        [(DeliveryState.DELIVERED, 31), (DeliveryState.FAILED, 31), (DeliveryState.PENDING, 31),
         (DeliveryState.DELIVERED, 29)]
    ):  # fmt: skip
        Delivery.objects.create(
            endpoint=endpoint, organization=personas.org_a, event="ticket.created",
            event_key=f"old:{n}", payload={}, state=state,
            created_at=now - dt.timedelta(days=days),
        )  # fmt: skip

    assert webhooks.deliveries_clear_finished(at=now, batch=1) == 1
    assert webhooks.deliveries_clear_finished(at=now) == 1
    assert webhooks.deliveries_clear_finished(at=now) == 0
    assert sorted(Delivery.objects.values_list("event_key", flat=True)) == ["old:2", "old:3"]
