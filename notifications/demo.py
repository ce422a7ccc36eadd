"""Demo on-call rota: weekly shifts rotating among the agents, from last week to eight
weeks ahead, so that a critical ticket logged after hours pages somebody."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from notifications.models import OnCallShift

ROTA = ["alex.agent@vendor.example", "priya.agent@vendor.example", "tom.agent@vendor.example"]
HANDOVER = dt.time(9, 0)  # Monday morning, vendor time


def seed(stdout) -> None:
    vendor_tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate(timezone=vendor_tz)
    monday = today - dt.timedelta(days=today.weekday())
    agents = list(User.objects.filter(email__in=ROTA).order_by("email"))
    if not agents:
        return
    for week in range(-1, 9):
        day = monday + dt.timedelta(weeks=week)
        starts_at = dt.datetime.combine(day, HANDOVER, tzinfo=vendor_tz)
        ends_at = dt.datetime.combine(day + dt.timedelta(weeks=1), HANDOVER, tzinfo=vendor_tz)
        covered = OnCallShift.objects.filter(
            is_override=False, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).exists()
        if covered:
            continue
        # The same agent for the same calendar week whenever the demo is seeded.
        agent = agents[day.isocalendar().week % len(agents)]
        OnCallShift.objects.create(
            user=agent, starts_at=starts_at, ends_at=ends_at, note="Demo rota"
        )
