"""Escalation requests and the update cadence of an accepted action plan."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization
from sla.models import BusinessCalendar, TargetUnit, describe_cadence
from tickets.models.ticket import Ticket


class EscalationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    # Resolved or closed before a manager decided: nothing is left to escalate.
    ENDED = "ended", _("Ended with the ticket")


# An action plan's update cadence: at most 999 of the engine's units.
CADENCE_MAX = 999


class EscalationRequest(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("ticket")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EscalationStatus.choices,
        default=EscalationStatus.PENDING,
    )
    created_at = models.DateTimeField(_("requested"), default=now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    handled_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("specialist"),
    )
    action_plan = models.TextField(_("action plan"), blank=True)
    communication_channel = models.CharField(_("communication channel"), max_length=100, blank=True)
    # The agreed communication frequency, as a duration of the SLA engine's units on a
    # calendar: it runs the ticket's escalation update clock until de-escalation. Empty
    # on requests not accepted, and on plans accepted before it was tracked whose free
    # text could not be read (tickets migration 0008 kept that text in the plan).
    cadence_amount = models.PositiveSmallIntegerField(
        _("updates every"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(CADENCE_MAX)],
    )
    cadence_unit = models.CharField(
        _("update unit"), max_length=20, choices=TargetUnit.choices, blank=True
    )
    cadence_calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("update calendar"),
    )
    participants = models.TextField(_("participants"), blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="escalation_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    cadence_amount__isnull=True, cadence_unit="", cadence_calendar__isnull=True
                )
                | (Q(cadence_amount__gte=1, cadence_calendar__isnull=False) & ~Q(cadence_unit="")),
                name="escalation_cadence_whole",
                violation_error_message=_("A cadence needs an amount, a unit and a calendar."),
            ),
        ]
        verbose_name = _("escalation request")
        verbose_name_plural = _("escalation requests")

    def __str__(self) -> str:
        return f"Escalation of {self.ticket_id}: {self.status}"

    @property
    def cadence_text(self) -> str:
        """The update cadence in words ("every 4 business hours"), or ""."""
        if self.cadence_amount is None or self.cadence_calendar is None:
            return ""
        return describe_cadence(
            self.cadence_amount,
            self.cadence_unit,
            always_open=self.cadence_calendar.always_open,
        )
