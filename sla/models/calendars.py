"""Business calendars: opening hours in a timezone, public holidays and dates set by hand."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dates import WEEKDAYS
from django.utils.timezone import now
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_timezone
from sla import engine


class BusinessCalendar(models.Model):
    """Opening hours in a timezone, with holidays; or around the clock (24x7)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    always_open = models.BooleanField(
        _("24x7"),
        default=False,
        help_text=_("Open around the clock: deadlines use wall-clock time."),
    )
    holiday_country = models.CharField(
        _("holiday country"),
        max_length=2,
        blank=True,
        help_text=_("ISO country code for public holidays, e.g. HU."),
    )
    holiday_subdivision = models.CharField(_("holiday region"), max_length=10, blank=True)
    open_on_moved_working_days = models.BooleanField(
        _("open on moved working days"),
        default=False,
        help_text=_(
            "Open on the weekend days the holiday country works instead of a bridging day "
            "off (Hungary's working Saturdays), with the calendar's usual weekday hours."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

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
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="openings",
        verbose_name=_("calendar"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("day of the week"),
        choices=[
            (0, WEEKDAYS[0]),
            (1, WEEKDAYS[1]),
            (2, WEEKDAYS[2]),
            (3, WEEKDAYS[3]),
            (4, WEEKDAYS[4]),
            (5, WEEKDAYS[5]),
            (6, WEEKDAYS[6]),
        ],
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(
        _("closes"), help_text=_("00:00 means midnight at the end of the day.")
    )

    class Meta:
        ordering = ["calendar", "weekday", "opens"]
        verbose_name_plural = _("opening hours")
        verbose_name = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes_display}"

    @property
    def closes_display(self) -> str:
        return "24:00" if self.closes == engine.END_OF_DAY else f"{self.closes:%H:%M}"


class CalendarDate(models.Model):
    """A date added to the holidays by hand, or a public holiday worked as usual."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="dates", verbose_name=_("calendar")
    )
    date = models.DateField(_("date"))
    closed = models.BooleanField(
        _("closed"),
        default=True,
        help_text=_("Ticked: closed that day. Unticked: open although a holiday."),
    )
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_date_unique")
        ]
        verbose_name = _("calendar date")
        verbose_name_plural = _("calendar dates")

    def __str__(self) -> str:
        state = gettext("closed") if self.closed else gettext("open")
        return f"{self.date} {state}"
