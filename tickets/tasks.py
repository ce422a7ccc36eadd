"""Periodic work of the ticket domain, driven by the beat schedule in helpdesk/settings.py."""

from celery import shared_task

from tickets import services, uploads


@shared_task
def autoclose_resolved_tickets() -> int:
    """Close resolved tickets whose confirmation window has passed; safe to run twice
    (each ticket is closed in its own transaction after a state check)."""
    return services.tickets_autoclose()


@shared_task
def pending_uploads_purge() -> int:
    """Remove files pasted into messages that were never posted, a day on."""
    return uploads.pending_uploads_purge()
