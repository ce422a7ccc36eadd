"""Periodic work of the ticket domain, driven by the beat schedule in helpdesk/settings.py."""

from celery import shared_task

from tickets import services


@shared_task
def autoclose_resolved_tickets() -> int:
    """Close resolved tickets whose confirmation window has passed; safe to run twice
    (each ticket is closed in its own transaction after a state check)."""
    return services.tickets_autoclose()
