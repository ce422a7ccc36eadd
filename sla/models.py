"""Support tiers, products, contracts, business calendars and SLA policies.

The deadline arithmetic itself is in :mod:`sla.engine` (pure functions, no ORM);
:meth:`BusinessCalendar.to_engine` turns a stored calendar into an engine calendar.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.timezone import now
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization, validate_timezone
from sla import engine


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    API = "api", "API"


class SupportTier(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    rank = models.PositiveSmallIntegerField(
        default=0, help_text=_("Orders tiers from the least to the most support.")
    )

    class Meta:
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductVersion(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=40)
    released_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["product__name", "-released_on", "version"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="product_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.version}"


class ContractQuerySet(models.QuerySet["Contract"]):
    def in_force(self, on: dt.date) -> ContractQuerySet:
        return self.filter(valid_from__lte=on, valid_to__gte=on)


class Contract(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contracts"
    )
    tier = models.ForeignKey(SupportTier, on_delete=models.PROTECT, related_name="contracts")
    valid_from = models.DateField()
    valid_to = models.DateField(help_text=_("Last day of cover, inclusive."))
    licence_key = models.CharField(max_length=64, unique=True)
    covered_versions = models.ManyToManyField(
        ProductVersion,
        related_name="contracts",
        blank=True,
        help_text=_("Products and versions this contract covers."),
    )
    channel_portal = models.BooleanField(_("portal"), default=True)
    channel_email = models.BooleanField(_("email"), default=True)
    channel_phone = models.BooleanField(_("phone"), default=False)
    created_at = models.DateTimeField(default=now)

    objects = ScopedManager(
        organization="organization",
        _manager_class=models.Manager.from_queryset(ContractQuerySet),
    )

    class Meta:
        ordering = ["organization__name", "-valid_from"]
        indexes = [
            # contract_in_force(): the one contract of an organisation valid on a day.
            models.Index(
                fields=["organization", "valid_from", "valid_to"], name="contract_org_validity_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")),
                name="contract_valid_to_after_from",
                violation_error_message=_("A contract cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization.code} {self.tier.name} {self.valid_from}–{self.valid_to}"

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": gettext("A contract cannot end before it starts.")})
        if self.organization_id and self.valid_from and self.valid_to:
            overlapping = (
                Contract._base_manager.filter(
                    organization_id=self.organization_id,
                    valid_from__lte=self.valid_to,
                    valid_to__gte=self.valid_from,
                )
                .exclude(pk=self.pk)
                .order_by("valid_from")
                .first()
            )
            if overlapping is not None:
                raise ValidationError(
                    gettext(
                        "%(organization)s already has a contract in force from %(start)s to "
                        "%(end)s; an organisation has at most one contract on any day."
                    )
                    % {
                        "organization": self.organization.code,
                        "start": date_format(overlapping.valid_from, "MEDIUM_DATE_FORMAT"),
                        "end": date_format(overlapping.valid_to, "MEDIUM_DATE_FORMAT"),
                    }
                )

    @property
    def entitled_channels(self) -> list[str]:
        return [
            channel
            for channel, entitled in (
                (Channel.PORTAL, self.channel_portal),
                (Channel.EMAIL, self.channel_email),
                (Channel.PHONE, self.channel_phone),
            )
            if entitled
        ]

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to


class Severity(models.TextChoices):
    S1 = "S1", _("S1 critical")
    S2 = "S2", _("S2 major")
    S3 = "S3", _("S3 minor")


SEVERITY_HELP = {
    Severity.S1: _("A show-stopper: the system is down or work has stopped, with no way round it."),
    Severity.S2: _("Service-affecting: the software does not work as specified, but can be used."),
    Severity.S3: _("No loss of function, such as a documentation problem or a cosmetic fault."),
}


class BusinessCalendar(models.Model):
    """Opening hours in a timezone, with holidays; or around the clock (24x7)."""

    name = models.CharField(max_length=120, unique=True)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    always_open = models.BooleanField(
        "24x7", default=False, help_text=_("Open around the clock: deadlines use wall-clock time.")
    )
    holiday_country = models.CharField(
        max_length=2, blank=True, help_text=_("ISO country code for public holidays, e.g. HU.")
    )
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    open_on_moved_working_days = models.BooleanField(
        _("open on moved working days"),
        default=False,
        help_text=_(
            "Open on the weekend days the holiday country works instead of a bridging day "
            "off (Hungary's working Saturdays), with the calendar's usual weekday hours."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.holiday_country:
            try:
                engine.holiday_dates(self.holiday_country, self.holiday_subdivision or None, [2026])
            except Exception as exc:
                raise ValidationError(
                    {
                        "holiday_country": gettext("Unknown holiday calendar: %(error)s")
                        % {"error": exc}
                    }
                ) from exc
        elif self.open_on_moved_working_days:
            raise ValidationError(
                {
                    "open_on_moved_working_days": gettext(
                        "Moved working days come from the holiday country: choose one."
                    )
                }
            )

    def to_engine(self, years: range | None = None) -> engine.Calendar:
        """The engine's calendar: opening hours, public holidays and hand-made dates,
        and the country's moved working days when the calendar opens on them.

        Holidays are loaded for a window of years around today, wide enough for any
        deadline of a running clock and the history the dashboard recomputes.
        """
        if years is None:
            this_year = now().year
            years = range(this_year - 4, this_year + 3)
        hours: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for opening in self.openings.all():
            hours.setdefault(opening.weekday, []).append((opening.opens, opening.closes))
        closed: set[dt.date] = set()
        working: frozenset[dt.date] = frozenset()
        if self.holiday_country and not self.always_open:
            subdivision = self.holiday_subdivision or None
            closed |= engine.holiday_dates(self.holiday_country, subdivision, years)
            if self.open_on_moved_working_days:
                # A date closed by hand stays closed: the engine lets a holiday win.
                working = engine.moved_working_days(self.holiday_country, subdivision, years)
        for extra in self.dates.all():
            if extra.closed:
                closed.add(extra.date)
            else:
                closed.discard(extra.date)
        return engine.Calendar(
            timezone=self.timezone,
            hours={weekday: tuple(ranges) for weekday, ranges in hours.items()},
            holidays=frozenset(closed),
            always_open=self.always_open,
            working_days=working,
        )

    def describe_hours(self) -> str:
        """Words for customers: "Monday to Friday 09:00–17:00 (Europe/Budapest)"."""
        if self.always_open:
            return gettext("around the clock")
        days = [str(WEEKDAYS[day]) for day in range(7)]
        by_day: dict[int, str] = {}
        for opening in self.openings.all():
            text = f"{opening.opens:%H:%M}–{opening.closes_display}"
            by_day[opening.weekday] = (
                f"{by_day[opening.weekday]}, {text}" if opening.weekday in by_day else text
            )
        groups: list[tuple[int, int, str]] = []
        for weekday in sorted(by_day):
            if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == by_day[weekday]:
                groups[-1] = (groups[-1][0], weekday, by_day[weekday])
            else:
                groups.append((weekday, weekday, by_day[weekday]))

        def span(first: int, last: int) -> str:
            if first == last:
                return days[first]
            return gettext("%(first)s to %(last)s") % {"first": days[first], "last": days[last]}

        parts = [f"{span(a, b)} {hours}" for a, b, hours in groups]
        return f"{'; '.join(parts)} ({self.timezone})"


class OpeningHours(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="openings"
    )
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (0, WEEKDAYS[0]),
            (1, WEEKDAYS[1]),
            (2, WEEKDAYS[2]),
            (3, WEEKDAYS[3]),
            (4, WEEKDAYS[4]),
            (5, WEEKDAYS[5]),
            (6, WEEKDAYS[6]),
        ]
    )
    opens = models.TimeField()
    closes = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["calendar", "weekday", "opens"]
        verbose_name_plural = "opening hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes_display}"

    @property
    def closes_display(self) -> str:
        return "24:00" if self.closes == engine.END_OF_DAY else f"{self.closes:%H:%M}"


class CalendarDate(models.Model):
    """A date added to the holidays by hand, or a public holiday worked as usual."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="dates")
    date = models.DateField()
    closed = models.BooleanField(
        default=True, help_text=_("Ticked: closed that day. Unticked: open although a holiday.")
    )
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_date_unique")
        ]

    def __str__(self) -> str:
        state = gettext("closed") if self.closed else gettext("open")
        return f"{self.date} {state}"


class TargetKind(models.TextChoices):
    TRIAGE = "triage", _("Triage")
    FIRST_RESPONSE = "first_response", _("First response")
    UPDATE = "update", _("Update")
    WORKAROUND = "workaround", _("Workaround")
    RESOLUTION = "resolution", _("Resolution")
    # The update cadence of an accepted escalation's action plan: a clock with no policy
    # target, its duration copied from the plan (sla.services.escalation_cadence_start).
    ESCALATION_UPDATE = "escalation_update", _("Escalation update")


# What a policy's target may be: every kind but the escalation cadence, which comes
# from an action plan, never from the tier's policy.
POLICY_TARGET_KINDS = [
    (value, label) for value, label in TargetKind.choices if value != TargetKind.ESCALATION_UPDATE
]


class TargetUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    BUSINESS_DAYS = "business_days", _("business days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")


def describe_cadence(amount: int, unit: str, *, always_open: bool) -> str:
    """A recurring duration in words: "every 4 business hours", "every 2 hours, around
    the clock", "every business day", "every 2 weeks"."""
    unit = TargetUnit(unit)
    timed = unit in (TargetUnit.MINUTES, TargetUnit.HOURS)
    if amount == 1:
        text = {
            TargetUnit.MINUTES: gettext("every minute")
            if always_open
            else gettext("every business minute"),
            TargetUnit.HOURS: gettext("every hour")
            if always_open
            else gettext("every business hour"),
            TargetUnit.BUSINESS_DAYS: gettext("every business day"),
            TargetUnit.WEEKS: gettext("every week"),
            TargetUnit.MONTHS: gettext("every month"),
        }[unit]
    else:
        if unit == TargetUnit.MINUTES and always_open:
            text = ngettext("every %(n)s minute", "every %(n)s minutes", amount)
        elif unit == TargetUnit.MINUTES:
            text = ngettext("every %(n)s business minute", "every %(n)s business minutes", amount)
        elif unit == TargetUnit.HOURS and always_open:
            text = ngettext("every %(n)s hour", "every %(n)s hours", amount)
        elif unit == TargetUnit.HOURS:
            text = ngettext("every %(n)s business hour", "every %(n)s business hours", amount)
        elif unit == TargetUnit.BUSINESS_DAYS:
            text = ngettext("every %(n)s business day", "every %(n)s business days", amount)
        elif unit == TargetUnit.WEEKS:
            text = ngettext("every %(n)s week", "every %(n)s weeks", amount)
        else:
            text = ngettext("every %(n)s month", "every %(n)s months", amount)
        text = text % {"n": amount}
    if timed and always_open:
        return gettext("%(cadence)s, around the clock") % {"cadence": text}
    return text


class SLAPolicy(models.Model):
    tier = models.ForeignKey(SupportTier, on_delete=models.CASCADE, related_name="policies")
    severity = models.CharField(max_length=2, choices=Severity.choices)
    warn_share = models.FloatField(
        default=0.75,
        validators=[MinValueValidator(0.05)],
        help_text=_("Warn when this share of a target's open time has passed (0.75 = 75%)."),
    )

    class Meta:
        ordering = ["tier__rank", "severity"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["tier", "severity"], name="policy_tier_severity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tier.name} {self.severity}"

    def clean(self) -> None:
        super().clean()
        if self.warn_share is not None and not 0 < self.warn_share < 1:
            raise ValidationError(
                {"warn_share": gettext("Use a share between 0 and 1, such as 0.75.")}
            )


class SLATarget(models.Model):
    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(max_length=20, choices=POLICY_TARGET_KINDS)
    amount = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit = models.CharField(max_length=20, choices=TargetUnit.choices)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="targets")
    until_workaround = models.BooleanField(
        default=False, help_text=_("For updates: only until a workaround is provided.")
    )
    only_outside = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("only when closed"),
        help_text=_(
            "Applies only to tickets opened while this calendar is closed: the "
            "after-hours critical triage covered by the on-call agent."
        ),
    )

    class Meta:
        ordering = ["policy", "kind"]
        verbose_name = _("SLA target")
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], name="target_policy_kind_unique"),
            models.CheckConstraint(condition=Q(amount__gte=1), name="target_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.get_kind_display()}: {self.describe()}"

    def describe(self) -> str:
        """ "2 hours, around the clock", "next business day", "1 week"."""
        amount = self.amount
        if self.unit == TargetUnit.BUSINESS_DAYS and amount == 1:
            return gettext("next business day")
        text = {
            TargetUnit.MINUTES: ngettext("%(n)s minute", "%(n)s minutes", amount),
            TargetUnit.HOURS: ngettext("%(n)s hour", "%(n)s hours", amount),
            TargetUnit.BUSINESS_DAYS: ngettext("%(n)s business day", "%(n)s business days", amount),
            TargetUnit.WEEKS: ngettext("%(n)s week", "%(n)s weeks", amount),
            TargetUnit.MONTHS: ngettext("%(n)s month", "%(n)s months", amount),
        }[TargetUnit(self.unit)] % {"n": amount}
        if self.unit not in (TargetUnit.MINUTES, TargetUnit.HOURS):
            return text
        if self.calendar.always_open:
            return gettext("%(time)s, around the clock") % {"time": text}
        return gettext("%(time)s of business hours") % {"time": text}

    def clean(self) -> None:
        super().clean()
        if self.amount is not None and self.amount < 1:
            raise ValidationError({"amount": gettext("A target needs a positive amount.")})


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


class SLAClock(models.Model):
    """One run of one SLA target on one ticket.

    The update target runs once per cycle: each public staff reply ends the running
    cycle and starts the next, so every promised update is measured on its own. The
    target's amount, unit and calendar are copied at the start so that editing a policy
    never silently moves a running deadline; a severity change recomputes explicitly.
    An escalation's update cadence runs the same way with no target: its amount, unit
    and calendar come from the accepted action plan.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="clocks")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=TargetKind.choices)
    target = models.ForeignKey(SLATarget, on_delete=models.SET_NULL, null=True, related_name="+")
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=20, choices=TargetUnit.choices)
    warn_share = models.FloatField(default=0.75)
    severity = models.CharField(max_length=2, choices=Severity.choices)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    # Closed pauses as [[paused_at, resumed_at], ...] in ISO 8601 UTC; the engine shifts
    # the deadline by the open time inside them.
    pauses = models.JSONField(default=list, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    late_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("How late the breach was, in open minutes.")
    )
    # Open time from start to met, less the open time spent paused: the dashboard's
    # median and 90th percentile of response and resolution times.
    elapsed_open_minutes = models.PositiveIntegerField(null=True, blank=True)
    # The next instant the sweep must look at this clock: the warning, then the deadline.
    next_check_at = models.DateTimeField(null=True, blank=True)

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
            # Dashboard breach list, latest first (dashboard.selectors.breaches).
            models.Index(
                fields=["breached_at"],
                name="clock_breach_idx",
                condition=Q(breached_at__isnull=False),
            ),
        ]

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
