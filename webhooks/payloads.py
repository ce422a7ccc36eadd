"""What a delivery says: the event, and the ticket as the API shows it to the
endpoint's owner (a customer administrator's endpoint reads the portal's words for the
status, an administrator's the workspace's).

    {"id": "evt_…", "type": "ticket.replied", "created_at": "…",
     "ticket": {…the API's ticket…, "url": "https://…/tickets/ACME-1042/"},
     "reply": {…}}

``id`` names the event: the same for every endpoint and every attempt, so that a
receiver can tell a repeat from a new event.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.urls import reverse

from api.serializers import ReplySerializer, TicketSerializer
from tickets.models import EscalationRequest, Reply, Ticket


def event_id(key: str) -> str:
    return "evt_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def ticket_payload(*, event: str, key: str, ticket: Ticket, for_staff: bool, at: dt.datetime,
                   **extra) -> dict:  # fmt: skip
    ticket_data = dict(TicketSerializer(ticket, context={"for_staff": for_staff}).data)
    ticket_data["url"] = settings.SITE_URL.rstrip("/") + reverse(
        "ticket_detail", args=[ticket.reference]
    )
    return {
        "id": event_id(key),
        "type": event,
        "created_at": at.isoformat(),
        "ticket": ticket_data,
        **extra,
    }


def reply_data(reply: Reply) -> dict:
    return dict(ReplySerializer(reply).data)


def escalation_data(escalation: EscalationRequest) -> dict:
    return {
        "id": escalation.pk,
        "status": escalation.status,
        "reason": escalation.reason,
        "requested_at": escalation.created_at.isoformat(),
        "handled_at": escalation.handled_at.isoformat() if escalation.handled_at else None,
        "decision_note": escalation.decision_note,
    }
