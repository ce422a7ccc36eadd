"""The dashboard's summary tables: per-day figures computed from the tickets and their
SLA clocks, so that a period's compliance, intake, first-response and resolution times
read a few rows a day instead of every ticket.

Filled by dashboard.services.summary_refresh (the beat task dashboard.tasks.refresh_summaries
and the dashboard_summaries command); read by dashboard.selectors. Days are calendar days
in the vendor's timezone (settings.TIME_ZONE). The tables older than ResponseTimeDay
were created by the sla app and keep their names (``db_table``).
"""

from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization
from sla.models import POLICY_TARGET_KINDS, Severity, SupportTier


def plain_rows(queryset: models.QuerySet) -> list[tuple]:
    """The rows of a ``values()`` query as the database driver gives them. The summary
    tables are summed into thousands of rows of plain integers, and the ORM's conversion
    of each value cost as much as the query (the dashboard's breakdown by organisation)."""
    with connection.cursor() as cursor:
        cursor.execute(*queryset.query.sql_with_params())
        return cursor.fetchall()


class SummaryDay(models.Model):
    """A day of the summary tables and when it was last computed.

    Refreshing a day locks its row first, so two refreshes of one day never interleave.
    """

    day = models.DateField(_("day"), primary_key=True)
    computed_at = models.DateTimeField(_("computed"))
    # Counts the refreshes: the dashboard caches a period's figures under the sum of
    # its days' revisions, which any refresh of any of its days changes.
    revision = models.PositiveIntegerField(_("revision"), default=0)

    class Meta:
        db_table = "sla_summaryday"  # created by the sla app before the dashboard had one
        ordering = ["day"]
        verbose_name = _("summary day")
        verbose_name_plural = _("summary days")

    def __str__(self) -> str:
        return f"Summary of {self.day}, computed {self.computed_at:%Y-%m-%d %H:%M}"


class Grain(models.TextChoices):
    """How finely a row of ComplianceDay is broken down."""

    DETAIL = "detail", "organisation, tier, severity and agent"
    TIER = "tier", "tier"
    SEVERITY = "severity", "severity"
    ORGANIZATION = "organization", "organisation"
    AGENT = "agent", "agent"


class ComplianceDay(models.Model):
    """How many clocks of a kind settled on a day (met on time, or breached).

    ``detail`` rows break them down by organisation, tier, severity and agent (the
    ticket's assignee when computed) and serve one organisation's pages; the other
    grains hold the same clocks summed along one of those alone, so that the
    dashboard of every organisation reads a few rows a day instead of thousands.
    """

    day = models.DateField(_("day"))
    grain = models.CharField(
        _("breakdown"), max_length=12, choices=Grain.choices, default=Grain.DETAIL
    )
    kind = models.CharField(_("target"), max_length=20, choices=POLICY_TARGET_KINDS)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    tier = models.ForeignKey(
        SupportTier,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tier"),
    )
    severity = models.CharField(_("severity"), max_length=2, choices=Severity.choices, blank=True)
    agent = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    settled = models.PositiveIntegerField(_("settled"))
    met = models.PositiveIntegerField(_("met"), help_text=_("Met on time."))
    breached = models.PositiveIntegerField(_("breached"))

    objects = ScopedManager(organization="organization")

    class Meta:
        db_table = "sla_complianceday"  # created by the sla app before the dashboard had one
        ordering = ["day", "grain", "kind"]
        indexes = [
            # Every organisation's compliance over a period, along one dimension: the
            # sums read the index alone (90 days by organisation: 107,000 rows in 40 ms
            # instead of 90 ms from the table at a million tickets).
            models.Index(
                fields=["grain", "day"],
                include=["organization", "agent", "tier", "severity", "kind"]
                + ["settled", "met", "breached"],
                name="compliance_period_idx",
            ),
            # One organisation's compliance over a period (detail rows).
            models.Index(fields=["organization", "day"], name="compliance_org_day_idx"),
        ]
        verbose_name = _("compliance day")
        verbose_name_plural = _("compliance days")

    def __str__(self) -> str:
        return f"{self.day} {self.grain} {self.kind}: {self.met}/{self.settled}"


class TicketDay(models.Model):
    """Tickets of an organisation logged and resolved on a day, and still open at its end."""

    day = models.DateField(_("day"))
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    intake = models.PositiveIntegerField(_("new tickets"))
    resolved = models.PositiveIntegerField(_("resolved"))
    backlog = models.PositiveIntegerField(_("backlog"), help_text=_("Open at the end of the day."))

    objects = ScopedManager(organization="organization")

    class Meta:
        db_table = "sla_ticketday"  # created by the sla app before the dashboard had one
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "organization"], name="ticket_day_unique")
        ]
        indexes = [
            # One organisation's trend.
            models.Index(fields=["organization", "day"], name="ticket_day_org_idx"),
            # Every organisation's trend over a period, summed per day from the index
            # alone (90 days: 90,000 rows that the table would scatter over its pages).
            models.Index(
                fields=["day"],
                include=["intake", "resolved", "backlog"],
                name="ticket_day_period_idx",
            ),
        ]
        verbose_name = _("ticket day")
        verbose_name_plural = _("ticket days")

    def __str__(self) -> str:
        return f"{self.day} {self.organization_id}: +{self.intake} -{self.resolved}"


class TicketTotalDay(models.Model):
    """Every organisation's :class:`TicketDay` rows of a day, summed: the dashboard's
    trend reads a row a day instead of a row per organisation and day."""

    day = models.DateField(_("day"), primary_key=True)
    intake = models.PositiveIntegerField(_("new tickets"))
    resolved = models.PositiveIntegerField(_("resolved"))
    backlog = models.PositiveIntegerField(_("backlog"), help_text=_("Open at the end of the day."))

    class Meta:
        ordering = ["day"]
        verbose_name = _("ticket total day")
        verbose_name_plural = _("ticket total days")

    def __str__(self) -> str:
        return f"{self.day}: +{self.intake} -{self.resolved}"


class ResolutionTime(models.Model):
    """How long a ticket took to resolve, in open time: from logging to resolution on the
    calendar of its SLA clocks, less the open time it spent waiting on the customer or
    resolved before a reopen. Policies need not set a resolution target, so this is
    measured for every ticket with an SLA (dashboard.services.summary_refresh)."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    severity = models.CharField(
        _("severity"),
        max_length=2,
        choices=Severity.choices,
        help_text=_("When the ticket was first answered."),
    )
    resolved_at = models.DateTimeField(_("resolved"))
    open_minutes = models.PositiveIntegerField(_("open minutes"))

    objects = ScopedManager(organization="organization")

    class Meta:
        db_table = "sla_resolutiontime"  # created by the sla app before the dashboard had one
        ordering = ["resolved_at"]
        indexes = [
            # Percentiles of resolution time over a period (dashboard.selectors.durations).
            models.Index(
                fields=["resolved_at"],
                name="resolution_time_idx",
                include=["open_minutes", "severity", "organization"],
            ),
        ]
        verbose_name = _("resolution time")
        verbose_name_plural = _("resolution times")

    def __str__(self) -> str:
        return f"Ticket {self.ticket_id} resolved in {self.open_minutes} open minutes"


class ResponseTimeDay(models.Model):
    """How many first responses met on a day took each whole number of open minutes, by
    severity, across every organisation: the day's histogram of first-response times.

    Exact, not bucketed: a period's median and 90th percentile worked out from the sums
    of its days' rows are those of the clocks themselves (dashboard.durations), read
    from a row per distinct value instead of a row per clock, and for the previous
    period too. One organisation's pages still read its own clocks."""

    day = models.DateField(_("day"))
    severity = models.CharField(_("severity"), max_length=2, choices=Severity.choices, blank=True)
    minutes = models.PositiveIntegerField(_("open minutes"))
    responses = models.PositiveIntegerField(_("first responses"))

    class Meta:
        ordering = ["day", "severity", "minutes"]
        constraints = [
            # Also the dashboard's index: a period's days are one range of it
            # (dashboard.durations). No covering columns: SQLite would drop the constraint.
            models.UniqueConstraint(
                fields=["day", "severity", "minutes"], name="response_time_day_unique"
            )
        ]
        verbose_name = _("response time day")
        verbose_name_plural = _("response time days")

    def __str__(self) -> str:
        return f"{self.day} {self.severity}: {self.responses} in {self.minutes} open minutes"


class ResolutionTimeDay(models.Model):
    """How many tickets resolved on a day took each whole number of open minutes, by
    severity, across every organisation: the day's histogram of :class:`ResolutionTime`.

    Kept equal to those rows grouped by the vendor day of their resolution: whenever the
    refresh rewrites a ticket's resolution time it also rewrites the histograms of the
    day it leaves and the day it joins (dashboard.services), so a period's median and
    90th percentile worked out from the summed rows are those of the rows themselves.
    One organisation's pages still read its own rows."""

    day = models.DateField(_("day"))
    severity = models.CharField(_("severity"), max_length=2, choices=Severity.choices, blank=True)
    minutes = models.PositiveIntegerField(_("open minutes"))
    resolutions = models.PositiveIntegerField(_("resolved tickets"))

    class Meta:
        ordering = ["day", "severity", "minutes"]
        constraints = [
            # Also the dashboard's index, as ResponseTimeDay's.
            models.UniqueConstraint(
                fields=["day", "severity", "minutes"], name="resolution_time_day_unique"
            )
        ]
        verbose_name = _("resolution time day")
        verbose_name_plural = _("resolution time days")

    def __str__(self) -> str:
        return f"{self.day} {self.severity}: {self.resolutions} in {self.minutes} open minutes"
