"""Severities, SLA policies and their targets, and durations in words."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from sla.models.calendars import BusinessCalendar
from sla.models.contracts import SupportTier


class Severity(models.TextChoices):
    S1 = "S1", _("S1 critical")
    S2 = "S2", _("S2 major")
    S3 = "S3", _("S3 minor")


SEVERITY_HELP = {
    Severity.S1: _("A show-stopper: the system is down or work has stopped, with no way round it."),
    Severity.S2: _("Service-affecting: the software does not work as specified, but can be used."),
    Severity.S3: _("No loss of function, such as a documentation problem or a cosmetic fault."),
}


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
    tier = models.ForeignKey(
        SupportTier,
        on_delete=models.CASCADE,
        related_name="policies",
        verbose_name=_("support tier"),
    )
    severity = models.CharField(_("severity"), max_length=2, choices=Severity.choices)
    warn_share = models.FloatField(
        _("warning share"),
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
    policy = models.ForeignKey(
        SLAPolicy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("SLA policy")
    )
    kind = models.CharField(_("target"), max_length=20, choices=POLICY_TARGET_KINDS)
    amount = models.PositiveIntegerField(_("amount"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=20, choices=TargetUnit.choices)
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="targets",
        verbose_name=_("calendar"),
    )
    until_workaround = models.BooleanField(
        _("only until a workaround"),
        default=False,
        help_text=_("For updates: only until a workaround is provided."),
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
        verbose_name_plural = _("SLA targets")

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
