"""Demo webhooks: Acme's ops chat hears of its tickets (with a history of deliveries,
one failed by a proxy), and the vendor's Jira sync, switched off. Their hosts are
made up, so the demo's new events wait and retry on Acme's page, as a receiver that is
down would make them."""

from __future__ import annotations

import datetime as dt

from accounts.models import Organization, User
from tickets.models import Ticket
from webhooks import payloads, signing
from webhooks.models import Delivery, DeliveryState, Endpoint, EventType

ACME_URL = "https://hooks.acme.example/helpdesk"
VENDOR_URL = "https://jira.vendor.example/rest/webhooks/helpdesk"
DELIVERED_TICKETS = 8


def seed(stdout) -> None:
    acme = Organization.objects.get(code="ACME")
    if not Endpoint.objects.filter(organization=acme, url=ACME_URL).exists():
        endpoint = Endpoint.objects.create(
            organization=acme,
            url=ACME_URL,
            description="Acme ops chat",
            events=[EventType.TICKET_CREATED, EventType.TICKET_REPLIED, EventType.STATUS_CHANGED],
            secret=signing.new_secret(),
            created_by=User.objects.get(email="anna.admin@acme.example"),
        )
        _history(endpoint)
    if not Endpoint.objects.filter(is_vendor=True, url=VENDOR_URL).exists():
        Endpoint.objects.create(
            is_vendor=True,
            url=VENDOR_URL,
            description="Jira sync (every customer)",
            events=[EventType.ESCALATION, EventType.SEVERITY_CHANGED, EventType.SLA_BREACHED],
            secret=signing.new_secret(),
            is_active=False,
            created_by=User.objects.get(email="ada.admin@vendor.example"),
        )


def _history(endpoint: Endpoint) -> None:
    """The last tickets Acme logged, each delivered at its creation; one took three
    attempts, and one failed for good behind Acme's proxy."""
    tickets = Ticket.objects.filter(organization=endpoint.organization).order_by("-created_at")
    for n, ticket in enumerate(tickets.select_related("organization")[:DELIVERED_TICKETS]):
        at = ticket.created_at
        key = f"ticket_created:{ticket.pk}"
        failed, retried = n == 1, n == 3
        Delivery.objects.create(
            endpoint=endpoint,
            organization=ticket.organization,
            event=EventType.TICKET_CREATED,
            event_key=key,
            payload=payloads.ticket_payload(
                event=EventType.TICKET_CREATED, key=key, ticket=ticket, for_staff=False, at=at
            ),
            state=DeliveryState.FAILED if failed else DeliveryState.DELIVERED,
            attempts=16 if failed else 3 if retried else 1,
            created_at=at,
            next_attempt_at=at,
            delivered_at=None if failed else at + dt.timedelta(minutes=2 if retried else 0),
            response_status=502 if failed else 200,
            response_body="<html><h1>502 Bad Gateway</h1></html>" if failed else '{"ok":true}',
            last_error="The receiver answered 502." if failed else "",
            duration_ms=30_000 if failed else 140 + 17 * n,
        )
