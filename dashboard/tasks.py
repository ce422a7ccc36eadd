"""Periodic work of the SLA domain, driven by the beat schedule in helpdesk/settings.py."""

import datetime as dt

from celery import shared_task

from dashboard import services as dashboard_services


@shared_task
def refresh_summaries() -> None:
    """Keep the dashboard's summary of today and yesterday current (vendor days): hands
    each day to its own task. Older days are final (see dashboard.services)."""
    today = dashboard_services.vendor_today()
    for day in (today - dt.timedelta(days=1), today):
        refresh_summary_day.delay(day.isoformat())


@shared_task
def refresh_summary_day(day: str) -> None:
    """Recompute one day's summary rows; safe to run twice or in parallel (row lock)."""
    dashboard_services.summary_refresh(day=dt.date.fromisoformat(day))
