"""The dashboard's tables and periods: what a page shows and its CSV holds, cell by cell,
and the whole vendor days a figure covers. Plain Python: no queries here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from dashboard.services import day_start, vendor_today
from sla.durations import open_hours_words, whole_minutes

NONE = "—"

# --- Tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    text: str
    url: str
    # A reference such as "ACME-44" reads as one word: never "ACME-" above "44".
    nowrap: bool = False

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class When:
    """An instant, or a vendor day: the page writes it the way the rest of the product
    does, "Fri 20 Nov, 14:41" ("Thu 20 Nov 2025, 14:41" in another year), in the
    viewer's time zone; the CSV keeps text a spreadsheet reads, "2026-11-20 14:41"."""

    value: dt.datetime | dt.date
    prefix: str = ""  # words before it, such as "overdue since "

    def _local(self) -> dt.datetime | dt.date:
        if isinstance(self.value, dt.datetime):
            return timezone.localtime(self.value)
        return self.value

    @property
    def iso(self) -> str:
        """The <time datetime> value (HTML allows at most three digits of a second)."""
        return _iso(self._local())

    @property
    def words(self) -> str:
        """What the page shows, without the prefix: date_format's words, the day's part
        formatted once per day and language (a page writes a few hundred instants, on far
        fewer days; the formats hold no time zone, only the wall clock)."""
        return _words(self._local())

    def iso_and_words(self) -> tuple[str, str]:
        """Both, from one look-up of the viewer's time: a page's table writes hundreds."""
        local = self._local()
        return _iso(local), _words(local)

    def __str__(self) -> str:
        """The CSV's text."""
        local = self._local()
        if isinstance(local, dt.datetime):
            return f"{self.prefix}{local:%Y-%m-%d %H:%M}"
        return f"{self.prefix}{local.isoformat()}"


def _iso(local: dt.datetime | dt.date) -> str:
    if isinstance(local, dt.datetime):
        return local.isoformat(timespec="seconds")
    return local.isoformat()


def _words(local: dt.datetime | dt.date) -> str:
    language = translation.get_language()
    if isinstance(local, dt.datetime):
        # The viewer's today, in the time zone _local() has just looked up.
        other_year = local.year != dt.datetime.now(local.tzinfo).year
        fmt = _formats(language)["DAY_DATETIME_FORMAT" if other_year else "DAY_TIME_FORMAT"]
        if fmt.endswith("H:i") and not fmt.endswith("\\H:i"):
            return _day_words(local.date(), fmt[:-3], language) + f"{local:%H:%M}"
        return dateformat.format(local, fmt)
    other_year = local.year != timezone.localdate().year
    fmt = _formats(language)["DAY_DATE_FORMAT" if other_year else "DAY_MONTH_FORMAT"]
    return _day_words(local, fmt, language)


Cell = str | Link | When


@lru_cache(maxsize=16)
def _formats(language: str | None) -> dict[str, str]:
    """The formats When writes, in a language (get_format asks for the language each time)."""
    names = ("DAY_TIME_FORMAT", "DAY_DATETIME_FORMAT", "DAY_MONTH_FORMAT", "DAY_DATE_FORMAT")
    return {name: get_format(name, language) for name in names}


@lru_cache(maxsize=2048)
def _day_words(day: dt.date, fmt: str, language: str | None) -> str:
    """A day in a date format, in a language (the key: the words are that language's)."""
    return dateformat.format(day, fmt)


@dataclass
class Table:
    """A titled table of text, link and instant cells: what the page shows and the CSV holds.

    A row holds the page's cells, then one for each of ``csv_columns``: figures only the
    CSV carries, such as the minutes behind a duration the page writes in words."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""
    # Columns from this index on hold figures (right-aligned on the page).
    figures_from: int = 1
    csv_url: str = ""
    csv_columns: list[str] = field(default_factory=list)

    def page_cells(self, row: list[Cell]) -> list[Cell]:
        return row[: len(self.columns)]

    def csv_rows(self) -> Iterator[list[str]]:
        yield [*self.columns, *self.csv_columns]
        for row in self.rows:
            yield [str(cell) for cell in row]


def format_percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole else NONE


def share_of(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def format_open_hours(minutes: float | None) -> str:
    """Open time summed over several calendars in words (sla.durations): "3 h 5 min"."""
    if minutes is None:
        return NONE
    return open_hours_words(dt.timedelta(minutes=minutes))


def format_minutes(minutes: float | None) -> str:
    """A CSV's minutes column: whole minutes, rounded down like the words beside it;
    empty without a figure, so that a spreadsheet reads the column as numbers."""
    return "" if minutes is None else str(whole_minutes(dt.timedelta(minutes=minutes)))


def when_cell(value: dt.datetime | None) -> Cell:
    """A When, or a dash where there is no instant."""
    return When(value) if value else NONE


def ticket_link(reference: str) -> Link:
    url = reverse("ticket_detail", kwargs={"reference": reference})
    return Link(reference, url, nowrap=True)


def ticket_linker():
    """ticket_link for many rows: reverse() once, then fill in each reference."""
    url = reverse("ticket_detail", kwargs={"reference": "REFERENCE-0"})
    return lambda reference: Link(reference, url.replace("REFERENCE-0", reference), nowrap=True)


def format_person(user: User | None, empty: str | None = None) -> str:
    if user is not None:
        return user.full_name or user.email
    return _("Unassigned") if empty is None else empty


def more_note(shown: int, total: int, what: str) -> str:
    if total <= shown:
        return ""
    return _("The first %(shown)s of %(total)s %(what)s.") % {
        "shown": shown,
        "total": total,
        "what": what,
    }


# --- Periods -------------------------------------------------------------------------

PRESETS = {
    "week": gettext_lazy("This week"),
    "30d": gettext_lazy("Last 30 days"),
    "quarter": gettext_lazy("This quarter"),
    "custom": gettext_lazy("Custom dates"),
}


@dataclass(frozen=True)
class Period:
    """Whole vendor days from ``first`` to ``last`` inclusive."""

    first: dt.date
    last: dt.date
    key: str = "custom"

    @classmethod
    def preset(cls, key: str, today: dt.date | None = None) -> Period:
        today = today or vendor_today()
        if key == "week":
            return cls(today - dt.timedelta(days=today.weekday()), today, key)
        if key == "quarter":
            return cls(today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), today, key)
        return cls(today - dt.timedelta(days=29), today, "30d")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - dt.timedelta(days=1), "month")

    @property
    def previous(self) -> Period:
        """The period a headline figure is compared with: the month before a month, the
        same weekdays of the week before, the same first days of the quarter before, or
        else as many days just before."""
        length = (self.last - self.first).days + 1
        if self.key == "month":
            before = self.first - dt.timedelta(days=1)
            return Period.month(before.year, before.month)
        if self.key == "week":
            return Period(self.first - dt.timedelta(days=7), self.last - dt.timedelta(days=7))
        if self.key == "quarter":
            before = self.first - dt.timedelta(days=1)
            first = before.replace(month=3 * ((before.month - 1) // 3) + 1, day=1)
            return Period(first, min(before, first + dt.timedelta(days=length - 1)))
        return Period(self.first - dt.timedelta(days=length), self.first - dt.timedelta(days=1))

    @property
    def start(self) -> dt.datetime:
        return day_start(self.first)

    @property
    def end(self) -> dt.datetime:
        return day_start(self.last + dt.timedelta(days=1))

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def label(self) -> str:
        if self.key == "month":
            return date_format(self.first, "YEAR_MONTH_FORMAT")
        first = date_format(self.first, "MEDIUM_DATE_FORMAT")
        return f"{first} – {date_format(self.last, 'MEDIUM_DATE_FORMAT')}"

    @cached_property
    def query(self) -> str:
        if self.key in ("week", "30d", "quarter"):
            return urlencode({"period": self.key})
        return urlencode({"period": "custom", "start": self.first, "end": self.last})
