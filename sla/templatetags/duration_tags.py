"""Durations in words in templates: ``{{ clock.late|open_time:clock.engine_calendar }}``
writes "1 business day 3 h" (see sla.durations for the rules)."""

import datetime as dt

from django import template

from sla import durations, engine

register = template.Library()


def _duration(value: dt.timedelta | int | float) -> dt.timedelta:
    """A timedelta, or a number of minutes (the models' ``*_minutes`` columns)."""
    return value if isinstance(value, dt.timedelta) else dt.timedelta(minutes=value)


@register.filter
def open_time(
    value: dt.timedelta | int | float | None, calendar: engine.Calendar | None = None
) -> str:
    """Open time in words on ``calendar`` (business days on business hours); wall-clock
    words without one. Empty for None."""
    if value is None or value == "":
        return ""
    if calendar is None:
        return durations.wall_time_words(_duration(value))
    return durations.open_time_words(calendar, _duration(value))


@register.filter
def wall_time(value: dt.timedelta | int | float | None) -> str:
    """Wall-clock time in words: "74 days", "3 days 4 h". Empty for None."""
    if value is None or value == "":
        return ""
    return durations.wall_time_words(_duration(value))
