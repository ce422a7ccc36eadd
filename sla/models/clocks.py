"""SLA clocks: one run of one target on one ticket, and its deadline."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization
from sla.models.calendars import BusinessCalendar
from sla.models.policies import Severity, SLATarget, TargetKind, TargetUnit, describe_cadence


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class SLAClockQuerySet(models.QuerySet["SLAClock"]):
    def active(self) -> SLAClockQuerySet:
        return self.filter(state__in=[ClockState.RUNNING, ClockState.PAUSED])

    def due_for_check(self, at: dt.datetime) -> SLAClockQuerySet:
        """Running clocks whose warning or deadline has come: what the sweep handles."""
        return self.filter(state=ClockState.RUNNING, next_check_at__lte=at)

    def first_responses_measured(self) -> SLAClockQuerySet:
        """The first responses whose open time is measured: what the dashboard's
        first-response figures count (from its daily histograms, or one organisation's
        directly)."""
        return self.filter(
            kind=TargetKind.FIRST_RESPONSE, elapsed_open_minutes__isnull=False, met_at__isnull=False
        )


class SLAClock(models.Model):
    """One run of one SLA target on one ticket.

    The update target runs once per cycle: each public staff reply ends the running
    cycle and starts the next, so every promised update is measured on its own. The
    target's amount, unit and calendar are copied at the start so that editing a policy
    never silently moves a running deadline; a severity change recomputes explicitly.
    An escalation's update cadence runs the same way with no target: its amount, unit
    and calendar come from the accepted action plan.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="clocks", verbose_name=_("ticket")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    kind = models.CharField(_("target"), max_length=20, choices=TargetKind.choices)
    target = models.ForeignKey(
        SLATarget,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("SLA target"),
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="+", verbose_name=_("calendar")
    )
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=20, choices=TargetUnit.choices)
    warn_share = models.FloatField(_("warning share"), default=0.75)
    severity = models.CharField(_("severity"), max_length=2, choices=Severity.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=ClockState.choices, default=ClockState.RUNNING
    )
    started_at = models.DateTimeField(_("started"))
    # Closed pauses as [[paused_at, resumed_at], ...] in ISO 8601 UTC; the engine shifts
    # the deadline by the open time inside them.
    pauses = models.JSONField(_("pauses"), default=list, blank=True)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warning due"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    late_minutes = models.PositiveIntegerField(
        _("minutes late"),
        null=True,
        blank=True,
        help_text=_("How late the breach was, in open minutes."),
    )
    # Open time from start to met, less the open time spent paused: the dashboard's
    # median and 90th percentile of response and resolution times.
    elapsed_open_minutes = models.PositiveIntegerField(
        _("open minutes taken"), null=True, blank=True
    )
    # The next instant the sweep must look at this clock: the warning, then the deadline.
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)

    objects = ScopedManager(
        organization="organization",
        _manager_class=models.Manager.from_queryset(SLAClockQuerySet),
    )

    class Meta:
        ordering = ["ticket", "started_at", "kind"]
        verbose_name = _("SLA clock")
        indexes = [
            # The SLA sweep: SLAClock.objects.due_for_check(now), running clocks only.
            models.Index(
                fields=["next_check_at"],
                name="clock_sweep_idx",
                condition=Q(state="running"),
            ),
            # Compliance reports: clocks of a kind that ended in a period.
            models.Index(fields=["kind", "state", "started_at"], name="clock_report_idx"),
            # The clock service: the active clocks of one ticket.
            models.Index(fields=["ticket", "state"], name="clock_ticket_state_idx"),
            # Dashboard summary refresh: the clocks whose outcome became known on a day
            # (dashboard.services.summary_refresh).
            models.Index(
                Coalesce("breached_at", "met_at"),
                name="clock_settled_idx",
                condition=Q(state__in=["met", "breached"]),
            ),
            # Percentiles of open time by kind over a period (dashboard.selectors.durations).
            models.Index(
                fields=["kind", "met_at"],
                name="clock_duration_idx",
                include=["elapsed_open_minutes", "severity", "organization"],
                condition=Q(met_at__isnull=False),
            ),
            # Dashboard breach list, latest first (dashboard.period.breaches). The id
            # too, the list's tiebreak: deadlines fall together (a calendar's opening
            # hour), and with the time alone every breach of the period was joined and
            # sorted to show the first hundred.
            models.Index(
                fields=["breached_at", "id"],
                name="clock_breach_idx",
                condition=Q(breached_at__isnull=False),
            ),
            # The same list on one organisation's dashboard and monthly report.
            models.Index(
                fields=["organization", "breached_at", "id"],
                name="clock_org_breach_idx",
                condition=Q(breached_at__isnull=False),
            ),
        ]
        verbose_name_plural = _("SLA clocks")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} clock of ticket {self.ticket_id}: {self.state}"

    @property
    def is_active(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.PAUSED)

    @property
    def was_late(self) -> bool:
        return self.breached_at is not None

    def describe_cadence(self) -> str:
        """The clock's duration as a cadence: "every 4 business hours"."""
        return describe_cadence(self.amount, self.unit, always_open=self.calendar.always_open)
