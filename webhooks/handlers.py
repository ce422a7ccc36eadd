"""Which domain events reach the webhooks, under which name and key.

A worker runs these after the change committed (core.events, the events outbox), next
to the notifications' handlers of the same event; each writes the event's deliveries
(webhooks.services.deliveries_create), keyed so that running it again adds nothing.
Internal notes never leave the help desk.
"""

from __future__ import annotations

from django.utils import timezone

from core.events import on
from webhooks import payloads, services
from webhooks.models import EventType


@on("ticket_created")
def ticket_created(*, ticket, version):
    services.deliveries_create(
        event=EventType.TICKET_CREATED,
        key=f"ticket_created:{ticket.pk}",
        ticket=ticket,
        at=timezone.now(),
    )


@on("reply_added")
def reply_added(*, ticket, version, reply):
    if reply.is_internal:
        return
    services.deliveries_create(
        event=EventType.TICKET_REPLIED,
        key=f"reply:{reply.pk}",
        ticket=ticket,
        at=timezone.now(),
        reply=payloads.reply_data(reply),
    )


@on("status_changed")
def status_changed(*, ticket, version, action, reply=None, old_severity=""):
    public = reply if reply is not None and not reply.is_internal else None
    services.deliveries_create(
        event=EventType.STATUS_CHANGED,
        key=f"status:{ticket.pk}:{version}",
        ticket=ticket,
        at=timezone.now(),
        action=action,
        reply=payloads.reply_data(public) if public else None,
    )


@on("severity_changed")
def severity_changed(*, ticket, version, old, reason, at=None):
    services.deliveries_create(
        event=EventType.SEVERITY_CHANGED,
        key=f"severity:{ticket.pk}:{version}",
        ticket=ticket,
        at=timezone.now(),
        old_severity=old,
        reason=reason,
    )


@on("escalation_requested")
def escalation_requested(*, ticket, version, escalation):
    services.deliveries_create(
        event=EventType.ESCALATION,
        key=f"escalation:{escalation.pk}:requested",
        ticket=ticket,
        at=timezone.now(),
        escalation=payloads.escalation_data(escalation),
    )


@on("escalation_handled")
def escalation_handled(*, ticket, version, escalation):
    services.deliveries_create(
        event=EventType.ESCALATION,
        key=f"escalation:{escalation.pk}:{escalation.status}:{version}",
        ticket=ticket,
        at=timezone.now(),
        escalation=payloads.escalation_data(escalation),
    )


@on("sla_warning")
def sla_warning(*, ticket, version, clock, due_at):
    _clock_event(EventType.SLA_WARNING, ticket=ticket, clock=clock, due_at=due_at)


@on("sla_breach")
def sla_breach(*, ticket, version, clock, due_at):
    _clock_event(EventType.SLA_BREACHED, ticket=ticket, clock=clock, due_at=due_at)


def _clock_event(event: EventType, *, ticket, clock, due_at: str) -> None:
    services.deliveries_create(
        event=event,
        key=f"{event.value}:{clock.pk}:{due_at}",
        ticket=ticket,
        at=timezone.now(),
        # The target's name as each endpoint's owner reads it (webhooks.payloads).
        target={"kind": clock.kind, "due_at": due_at},
    )
