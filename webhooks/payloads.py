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
from django.utils import translation

from api.serializers import ReplySerializer, TicketSerializer
from tickets.models import EscalationRequest, Reply, Ticket
from tickets.wording import target_name


def event_id(key: str) -> str:
    return "evt_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def ticket_payload(*, event: str, key: str, ticket: Ticket, for_staff: bool, at: dt.datetime,
                   **extra) -> dict:  # fmt: skip
    """Read by machines and stored as sent: in the help desk's own language, whoever's
    request (or language) the event came from."""
    with translation.override(settings.LANGUAGE_CODE):
        return _ticket_payload(
            event=event, key=key, ticket=ticket, for_staff=for_staff, at=at, **extra
        )


def _ticket_payload(*, event: str, key: str, ticket: Ticket, for_staff: bool, at: dt.datetime,
                    **extra) -> dict:  # fmt: skip
    ticket_data = dict(TicketSerializer(ticket, context={"for_staff": for_staff}).data)
    ticket_data["url"] = settings.SITE_URL.rstrip("/") + reverse(
        "ticket_detail", args=[ticket.reference]
    )
    body = {
        "id": event_id(key),
        "type": event,
        "created_at": at.isoformat(),
        "ticket": ticket_data,
        **extra,
    }
    if "target" in extra:
        # An SLA target's name, for staff or for the customer.
        name = target_name(extra["target"]["kind"], for_staff=for_staff)
        body["target"] = {**extra["target"], "name": name}
    return body


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
