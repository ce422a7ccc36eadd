"""Celery tasks of the outgoing webhooks: they take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from webhooks import services


@shared_task(acks_late=True)
def deliver(delivery_id: int) -> str:
    """Send one delivery. Safe to run twice or in parallel: the row is claimed with a
    conditional UPDATE, so only one run sends it; a failure waits for the sweep."""
    return services.delivery_send(delivery_id=delivery_id).value


@shared_task(acks_late=True)
def sweep() -> dict[str, int]:
    """Every minute: the deliveries whose next attempt is due, and the clearing of
    finished ones past their retention."""
    now = timezone.now()
    return {
        "handed_out": services.deliveries_redispatch_due(at=now),
        "cleared": services.deliveries_clear_finished(at=now),
    }
