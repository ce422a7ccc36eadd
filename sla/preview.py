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

from sla import engine
from sla.models import BusinessCalendar, SLAPolicy, SLATarget, TargetKind, TargetUnit

KIND_ORDER = [
    TargetKind.TRIAGE,
    TargetKind.FIRST_RESPONSE,
    TargetKind.UPDATE,
    TargetKind.WORKAROUND,
    TargetKind.RESOLUTION,
]

SEVERITY_LABELS = {"S1": "Critical", "S2": "Major", "S3": "Minor"}

ENHANCEMENT_SENTENCE = (
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
        text="; ".join(clauses) if clauses else "no response targets",
    )


def describe_target(target: SLATarget) -> str:
    """ "first response by the next business day", "updates weekly", "triage within 15
    minutes, around the clock, when logged outside business hours"."""
    if target.kind == TargetKind.UPDATE:
        text = f"updates {_cadence(target)}"
        if target.until_workaround:
            text += " until a workaround is provided"
    else:
        text = f"{_KIND_WORDS[TargetKind(target.kind)]} {_within(target)}"
    if target.only_outside is not None:
        if _is_timed(target) and target.calendar.always_open:
            text += ","  # "within 15 minutes, around the clock, when logged …"
        text += " when logged outside business hours"
    return text


_KIND_WORDS = {
    TargetKind.TRIAGE: "triage",
    TargetKind.FIRST_RESPONSE: "first response",
    TargetKind.WORKAROUND: "workaround",
    TargetKind.RESOLUTION: "resolution",
}


def _is_timed(target: SLATarget) -> bool:
    return target.unit in (TargetUnit.MINUTES, TargetUnit.HOURS)


def _count(amount: int, word: str) -> str:
    return f"{amount} {word}" if amount == 1 else f"{amount} {word}s"


def _timed(target: SLATarget) -> str:
    """ "2 hours", "4 business hours", "30 minutes during business hours"."""
    word = "hour" if target.unit == TargetUnit.HOURS else "minute"
    if target.calendar.always_open:
        return _count(target.amount, word)
    if word == "hour":
        return _count(target.amount, "business hour")
    return f"{_count(target.amount, word)} during business hours"


def _within(target: SLATarget) -> str:
    amount, unit = target.amount, target.unit
    if _is_timed(target):
        text = f"within {_timed(target)}"
        return f"{text}, around the clock" if target.calendar.always_open else text
    if unit == TargetUnit.BUSINESS_DAYS:
        # On a 24x7 calendar every day counts and ends at midnight.
        if target.calendar.always_open:
            return "by the end of the next day" if amount == 1 else f"within {amount} days"
        return "by the next business day" if amount == 1 else f"within {amount} business days"
    if unit == TargetUnit.WEEKS:
        return f"within {_count(amount, 'week')}"
    return f"within {_count(amount, 'month')}"


def _cadence(target: SLATarget) -> str:
    amount, unit = target.amount, target.unit
    if _is_timed(target):
        if amount == 1:
            # "every hour", "every business hour", "every minute during business hours"
            return f"every {_timed(target).removeprefix('1 ')}"
        return f"every {_timed(target)}"
    if unit == TargetUnit.BUSINESS_DAYS:
        day = "day" if target.calendar.always_open else "business day"
        return f"once a {day}" if amount == 1 else f"every {amount} {day}s"
    if unit == TargetUnit.WEEKS:
        return "weekly" if amount == 1 else f"every {amount} weeks"
    return "monthly" if amount == 1 else f"every {amount} months"
