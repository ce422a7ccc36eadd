"""What a tier promises: its deadlines for a given start, and its targets in words.

Both work on SLATarget rows the caller has already loaded (with their calendars, and for
`preview_targets` the calendars' openings and dates prefetched), so neither queries.
`preview_targets` backs ``manage.py sla_preview``; `describe_policy` the customer's
contract page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from sla import engine
from sla.models import BusinessCalendar, SLAPolicy, SLATarget, TargetKind, TargetUnit

KIND_ORDER = [
    TargetKind.TRIAGE,
    TargetKind.FIRST_RESPONSE,
    TargetKind.UPDATE,
    TargetKind.WORKAROUND,
    TargetKind.RESOLUTION,
]

SEVERITY_LABELS = {
    "S1": gettext_lazy("Critical"),
    "S2": gettext_lazy("Major"),
    "S3": gettext_lazy("Minor"),
}

ENHANCEMENT_SENTENCE = gettext_lazy(
    "Enhancement requests are not faults: they carry no response target and are "
    "considered for future releases."
)


# --- deadlines -----------------------------------------------------------------------------


def preview_targets(
    *,
    targets: Iterable[SLATarget],
    opened: dt.datetime,
    replied: dt.datetime | None = None,
) -> dict[str, dt.datetime]:
    """The deadline of each target for a ticket opened at ``opened``, keyed by kind.

    Each deadline is in its target calendar's timezone. A target that applies only while
    a calendar is closed (the after-hours triage) is left out when ``opened`` falls in that
    calendar's opening hours. The update clock starts at the first public reply: with
    ``replied`` the next update is due one cadence after it; without, one cadence after
    ``opened``, as if the first reply came at once.
    """
    if opened.tzinfo is None or (replied is not None and replied.tzinfo is None):
        raise ValueError("opened and replied must be aware datetimes.")
    # Holidays of the years any of these deadlines can reach, not of the years around today.
    years = range(opened.year - 1, opened.year + 3)
    engines: dict[int, engine.Calendar] = {}

    def engine_of(calendar: BusinessCalendar) -> engine.Calendar:
        if calendar.pk not in engines:
            engines[calendar.pk] = calendar.to_engine(years=years)
        return engines[calendar.pk]

    found: dict[str, dt.datetime] = {}
    for target in sorted(targets, key=lambda t: KIND_ORDER.index(TargetKind(t.kind))):
        if target.only_outside is not None and engine.is_open(
            engine_of(target.only_outside), opened
        ):
            continue
        start = opened
        if target.kind == TargetKind.UPDATE and replied is not None:
            start = replied
        unit = cast(engine.Unit, target.unit)  # the field's choices are the engine's units
        due = engine.deadline(engine_of(target.calendar), start, target.amount, unit)
        found[target.kind] = due.astimezone(ZoneInfo(target.calendar.timezone))
    return found


# --- words ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicySentence:
    """One line of the contract page: "Critical (S1): first response within 2 hours, …"."""

    severity: str
    label: str
    text: str

    def __str__(self) -> str:
        return f"{self.label}: {self.text}"


def describe_policy(policy: SLAPolicy) -> PolicySentence:
    """The policy's targets in words: triage, first response, updates, workaround,
    resolution, then any target that applies only after hours, which reads best last."""
    targets = sorted(
        policy.targets.all(),
        key=lambda t: (t.only_outside_id is not None, KIND_ORDER.index(TargetKind(t.kind))),
    )
    clauses = [describe_target(target) for target in targets]
    label = f"{SEVERITY_LABELS.get(policy.severity, policy.severity)} ({policy.severity})"
    return PolicySentence(
        severity=policy.severity,
        label=label,
        text="; ".join(clauses) if clauses else _("no response targets"),
    )


def describe_target(target: SLATarget) -> str:
    """ "first response by the next business day", "updates weekly", "triage within 15
    minutes, around the clock, when logged outside business hours"."""
    if target.kind == TargetKind.UPDATE:
        if target.until_workaround:
            text = _("updates %(cadence)s until a workaround is provided") % {
                "cadence": _cadence(target)
            }
        else:
            text = _("updates %(cadence)s") % {"cadence": _cadence(target)}
    else:
        text = _KIND_WORDS[TargetKind(target.kind)] % {"within": _within(target)}
    if target.only_outside is not None:
        if _is_timed(target) and target.calendar.always_open:
            # "within 15 minutes, around the clock, when logged …"
            text = _("%(target)s, when logged outside business hours") % {"target": text}
        else:
            text = _("%(target)s when logged outside business hours") % {"target": text}
    return text


# Each kind's words around its "within …" (a deadline in words).
_KIND_WORDS = {
    TargetKind.TRIAGE: gettext_lazy("triage %(within)s"),
    TargetKind.FIRST_RESPONSE: gettext_lazy("first response %(within)s"),
    TargetKind.WORKAROUND: gettext_lazy("workaround %(within)s"),
    TargetKind.RESOLUTION: gettext_lazy("resolution %(within)s"),
}


def _is_timed(target: SLATarget) -> bool:
    return target.unit in (TargetUnit.MINUTES, TargetUnit.HOURS)


def _timed(target: SLATarget, *, every: bool = False) -> str:
    """ "2 hours", "4 business hours", "30 minutes during business hours"; with
    ``every``, what follows "every": "hour", "2 hours" ("every hour", "every 2 hours")."""
    n = target.amount
    hours = target.unit == TargetUnit.HOURS
    if every and n == 1:
        if target.calendar.always_open:
            return _("every hour") if hours else _("every minute")
        return _("every business hour") if hours else _("every minute during business hours")
    if target.calendar.always_open:
        if hours:
            text = ngettext("%(n)s hour", "%(n)s hours", n)
        else:
            text = ngettext("%(n)s minute", "%(n)s minutes", n)
    elif hours:
        text = ngettext("%(n)s business hour", "%(n)s business hours", n)
    else:
        text = ngettext(
            "%(n)s minute during business hours", "%(n)s minutes during business hours", n
        )
    text = text % {"n": n}
    return _("every %(time)s") % {"time": text} if every else text


def _within(target: SLATarget) -> str:
    amount, unit = target.amount, target.unit
    if _is_timed(target):
        if target.calendar.always_open:
            return _("within %(time)s, around the clock") % {"time": _timed(target)}
        return _("within %(time)s") % {"time": _timed(target)}
    if unit == TargetUnit.BUSINESS_DAYS:
        # On a 24x7 calendar every day counts and ends at midnight.
        if target.calendar.always_open:
            if amount == 1:
                return _("by the end of the next day")
            return ngettext("within %(n)s day", "within %(n)s days", amount) % {"n": amount}
        if amount == 1:
            return _("by the next business day")
        return ngettext("within %(n)s business day", "within %(n)s business days", amount) % {
            "n": amount
        }
    if unit == TargetUnit.WEEKS:
        return ngettext("within %(n)s week", "within %(n)s weeks", amount) % {"n": amount}
    return ngettext("within %(n)s month", "within %(n)s months", amount) % {"n": amount}


def _cadence(target: SLATarget) -> str:
    amount, unit = target.amount, target.unit
    if _is_timed(target):
        # "every hour", "every business hour", "every minute during business hours"
        return _timed(target, every=True)
    if unit == TargetUnit.BUSINESS_DAYS:
        if target.calendar.always_open:
            if amount == 1:
                return _("once a day")
            return ngettext("every %(n)s day", "every %(n)s days", amount) % {"n": amount}
        if amount == 1:
            return _("once a business day")
        return ngettext("every %(n)s business day", "every %(n)s business days", amount) % {
            "n": amount
        }
    if unit == TargetUnit.WEEKS:
        if amount == 1:
            return _("weekly")
        return ngettext("every %(n)s week", "every %(n)s weeks", amount) % {"n": amount}
    if amount == 1:
        return _("monthly")
    return ngettext("every %(n)s month", "every %(n)s months", amount) % {"n": amount}
