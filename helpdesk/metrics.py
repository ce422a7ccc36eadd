"""The help desk's own figures for Prometheus, read at each scrape (a few indexed
queries), beside django-prometheus's requests and latencies per view.

Alert on them (docs/production.md): the sweep falling behind, emails failing, events
waiting too long.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min
from django.utils import timezone
from django_scopes import scopes_disabled
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from dashboard.services import day_start, vendor_today
from notifications.models import OutboundEmail, OutboundState, PendingEvent
from sla.models import ClockState, SLAClock
from tickets.models import OPEN_STATUSES, Ticket
from webhooks.models import Delivery, DeliveryState


def _seconds_since(instant: dt.datetime | None, now: dt.datetime) -> float:
    return max(0.0, (now - instant).total_seconds()) if instant else 0.0


GAUGES = {
    "helpdesk_sla_sweep_lag_seconds": [],
    "helpdesk_sla_clocks_due": [],
    "helpdesk_events_pending": [],
    "helpdesk_events_failed": [],
    "helpdesk_events_oldest_pending_seconds": [],
    "helpdesk_emails": ["state"],
    "helpdesk_open_tickets": ["status"],
    "helpdesk_sla_breaches_today": [],
    "helpdesk_webhook_deliveries": ["state"],
    "helpdesk_webhook_oldest_waiting_seconds": [],
}


class HelpdeskCollector(Collector):
    def describe(self):
        """The names alone, so that registering the collector reads nothing."""
        for name, labels in GAUGES.items():
            yield GaugeMetricFamily(name, "", labels=labels)

    def collect(self):
        now = timezone.now()
        with scopes_disabled():  # the figures of every organisation, for the operators
            due = SLAClock.objects.filter(
                state=ClockState.RUNNING, next_check_at__lte=now
            ).aggregate(count=Count("pk"), oldest=Min("next_check_at"))
            events = PendingEvent.objects.aggregate(count=Count("pk"), oldest=Min("created_at"))
            events_failed = PendingEvent.objects.filter(attempts__gt=0).count()
            emails = dict(
                OutboundEmail.objects.exclude(state=OutboundState.SENT)
                .values_list("state")
                .annotate(count=Count("pk"))
            )
            tickets = dict(
                Ticket.objects.filter(status__in=OPEN_STATUSES)
                .values_list("status")
                .annotate(count=Count("pk"))
            )
            breaches = SLAClock.objects.filter(
                breached_at__gte=day_start(vendor_today(now)), breached_at__lte=now
            ).count()
            waiting = [DeliveryState.PENDING, DeliveryState.SENDING]
            deliveries = dict(
                Delivery.objects.filter(state__in=[*waiting, DeliveryState.FAILED])
                .values_list("state")
                .annotate(count=Count("pk"))
            )
            oldest_waiting = Delivery.objects.filter(state__in=waiting, attempts__gt=0).aggregate(
                oldest=Min("created_at")
            )["oldest"]

        lag = GaugeMetricFamily(
            "helpdesk_sla_sweep_lag_seconds",
            "How long the longest-waiting SLA clock has been due and not yet checked.",
        )
        lag.add_metric([], _seconds_since(due["oldest"], now))
        yield lag
        yield GaugeMetricFamily(
            "helpdesk_sla_clocks_due", "SLA clocks due and not yet checked.", value=due["count"]
        )
        yield GaugeMetricFamily(
            "helpdesk_events_pending",
            "Domain events recorded and not yet handled.",
            value=events["count"],
        )
        yield GaugeMetricFamily(
            "helpdesk_events_failed",
            "Pending events whose handling failed at least once (retried with a delay).",
            value=events_failed,
        )
        yield GaugeMetricFamily(
            "helpdesk_events_oldest_pending_seconds",
            "Age of the oldest event not yet handled.",
            value=_seconds_since(events["oldest"], now),
        )
        outbox = GaugeMetricFamily(
            "helpdesk_emails", "Emails of the outbox not yet sent, by state.", labels=["state"]
        )
        for state in (OutboundState.PENDING, OutboundState.SENDING, OutboundState.FAILED):
            outbox.add_metric([str(state)], emails.get(state, 0))
        yield outbox
        queues = GaugeMetricFamily(
            "helpdesk_open_tickets", "Open tickets, by status.", labels=["status"]
        )
        for status in OPEN_STATUSES:
            queues.add_metric([str(status)], tickets.get(status, 0))
        yield queues
        yield GaugeMetricFamily(
            "helpdesk_sla_breaches_today",
            "SLA targets breached since the start of the vendor's day.",
            value=breaches,
        )
        hooks = GaugeMetricFamily(
            "helpdesk_webhook_deliveries",
            "Webhook deliveries waiting, being sent, or failed for good, by state.",
            labels=["state"],
        )
        for delivery_state in (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.FAILED):
            hooks.add_metric([str(delivery_state)], deliveries.get(delivery_state, 0))
        yield hooks
        yield GaugeMetricFamily(
            "helpdesk_webhook_oldest_waiting_seconds",
            "Age of the oldest webhook delivery that failed at least once and waits to be "
            "tried again (a receiver down).",
            value=_seconds_since(oldest_waiting, now),
        )
