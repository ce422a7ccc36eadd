"""Outgoing webhooks: endpoints that hear about ticket events, and their deliveries.

A customer administrator registers endpoints for their organisation's tickets, an
administrator for every organisation's (``organization`` empty). An event reaches an
endpoint as one Delivery row, written by the event's handler after the change
committed (the events outbox, core.events); the row's natural key (endpoint, event
key) makes it once per event and endpoint however often the handler runs. A worker
claims the row, posts it signed, and records the answer; a failure waits for the
sweep with a growing delay (webhooks.services).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization
from tickets.converters import is_reference


class EventType(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_REPLIED = "ticket.replied", _("Public reply")
    STATUS_CHANGED = "ticket.status_changed", _("Status changed")
    SEVERITY_CHANGED = "ticket.severity_changed", _("Severity changed")
    ESCALATION = "ticket.escalation", _("Escalation requested or handled")
    SLA_WARNING = "ticket.sla_warning", _("SLA target about to be missed")
    SLA_BREACHED = "ticket.sla_breached", _("SLA target missed")
    PING = "ping", _("Test event")


# The vendor's own alarm before a deadline: for the vendor's endpoints only. A breach
# is the customer's to hear of too (the API shows them a ticket's sla_breached).
STAFF_ONLY_EVENTS = frozenset({EventType.SLA_WARNING})


class Endpoint(models.Model):
    """Where events are posted. A customer administrator's endpoint hears of their
    organisation's tickets in the portal's words; the vendor's (registered by an
    administrator) of one organisation's or of every one's, in the workspace's words,
    SLA warnings and breaches included."""

    is_vendor = models.BooleanField(_("vendor's endpoint"), default=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        help_text=_("Empty: every organisation's tickets (the vendor's endpoints only)."),
        verbose_name=_("organisation"),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=100, blank=True)
    events = models.JSONField(_("events"), default=list)
    # The key of the HMAC-SHA256 signature; the receiver holds the same.
    secret = models.CharField(_("secret"), max_length=64)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_vendor=True) | Q(organization__isnull=False),
                name="endpoint_customer_has_organization",
            )
        ]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.description or self.url

    def event_names(self) -> list[str]:
        labels = dict(EventType.choices)
        return [str(labels.get(name, name)) for name in self.events]


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    # The ticket's organisation (an administrator's endpoint hears of every one); none
    # for an administrator's test event.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    event = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    event_key = models.CharField(_("event key"), max_length=200)
    payload = models.JSONField(_("payload"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=now)
    created_at = models.DateTimeField(_("created"), default=now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # The last attempt's answer: its HTTP status (none when no answer came), the start
    # of its body, or what went wrong before an answer.
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response body"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration in milliseconds"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("deliveries")
        constraints = [
            # Once per event and endpoint: a handler that runs again adds nothing.
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="delivery_natural_key"),
        ]
        indexes = [
            # The sweep: waiting or stalled rows whose time has come.
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due_idx",
                condition=Q(state__in=["pending", "sending"]),
            ),
            # An endpoint's page: its latest deliveries.
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_idx"),
            # The sweep's clearing of finished deliveries past their retention.
            models.Index(
                fields=["created_at"],
                name="delivery_finished_idx",
                condition=Q(state__in=["delivered", "failed"]),
            ),
        ]
        verbose_name = _("webhook delivery")

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint} ({self.state})"

    @property
    def ticket_reference(self) -> str:
        """The reference of the ticket the delivery is about, if it names a valid one."""
        ticket = self.payload.get("ticket") if isinstance(self.payload, dict) else None
        reference = ticket.get("reference") if isinstance(ticket, dict) else None
        return reference if isinstance(reference, str) and is_reference(reference) else ""
