"""Customer satisfaction over a period, from the surveys' answers (surveys.models): the
score is the share of good answers, good / (good + bad), overall and by organisation,
agent, severity and support tier. An answer counts in the period it was first given.

One query reads the period's answers counted by all four dimensions at once; every
figure and table is summed from its rows, so a page pays one query whatever it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from accounts.models import Organization
from dashboard.tables import (
    NONE,
    Cell,
    Link,
    Period,
    Table,
    format_percent,
    share_of,
    ticket_linker,
    when_cell,
)
from sla.models import Severity
from surveys.models import Rating, SatisfactionSurvey

BREAKDOWN_ROWS = 25  # organisations or agents on a page, least satisfied first


@dataclass
class Score:
    good: int = 0
    bad: int = 0

    @property
    def answers(self) -> int:
        return self.good + self.bad

    @property
    def share(self) -> float | None:
        """Good answers, % of all (None without any answer)."""
        return share_of(self.good, self.answers)

    @property
    def percent(self) -> str:
        return format_percent(self.good, self.answers)


# The columns each answer is counted by.
_GROUP = (
    "organization__code",
    "organization__name",
    "ticket__assignee__full_name",
    "ticket__assignee__email",
    "ticket__severity",
    "ticket__contract__tier__name",
    "ticket__contract__tier__rank",
)


@dataclass
class Satisfaction:
    """The period's answers counted by organisation, agent, severity and tier."""

    period: Period
    rows: list[dict]
    previous: Score | None = None  # every answer of the previous period, when asked for

    @property
    def total(self) -> Score:
        return Score(sum(r["good"] for r in self.rows), sum(r["bad"] for r in self.rows))

    def scores(self, key: Callable[[dict], tuple]) -> dict[tuple, Score]:
        scores: dict[tuple, Score] = {}
        for row in self.rows:
            score = scores.setdefault(key(row), Score())
            score.good += row["good"]
            score.bad += row["bad"]
        return scores


def satisfaction(
    *, period: Period, organization: Organization | None = None, previous: Period | None = None
) -> Satisfaction:
    """The period's answers (one organisation's, or everyone's), counted; with
    ``previous``, the same query also counts that period's answers."""
    in_period = Q(answered_at__gte=period.start, answered_at__lt=period.end)
    counts = {
        "good": Count("pk", filter=in_period & Q(rating=Rating.GOOD)),
        "bad": Count("pk", filter=in_period & Q(rating=Rating.BAD)),
    }
    earliest = period.start
    if previous is not None:
        in_previous = Q(answered_at__gte=previous.start, answered_at__lt=previous.end)
        counts["previous_good"] = Count("pk", filter=in_previous & Q(rating=Rating.GOOD))
        counts["previous_bad"] = Count("pk", filter=in_previous & Q(rating=Rating.BAD))
        earliest = min(earliest, previous.start)
    with scopes_disabled():  # managers' figures span organisations; organization_for checked one
        answers = SatisfactionSurvey.objects.filter(
            answered_at__gte=earliest, answered_at__lt=period.end
        )
        if organization is not None:
            answers = answers.filter(organization=organization)
        rows = list(answers.values(*_GROUP).annotate(**counts).order_by())
    before = None
    if previous is not None:
        before = Score(
            sum(r.pop("previous_good") for r in rows), sum(r.pop("previous_bad") for r in rows)
        )
        rows = [r for r in rows if r["good"] or r["bad"]]
    return Satisfaction(period, rows, before)


BREAKDOWNS = {
    # name: (title, heading, what a row is counted by)
    "satisfaction_by_organisation": (
        gettext_lazy("Satisfaction by organisation"),
        gettext_lazy("Organisation"),
        lambda row: (row["organization__code"], row["organization__name"]),
    ),
    "satisfaction_by_agent": (
        gettext_lazy("Satisfaction by agent"),
        gettext_lazy("Agent"),
        lambda row: (row["ticket__assignee__full_name"], row["ticket__assignee__email"]),
    ),
    "satisfaction_by_severity": (
        gettext_lazy("Satisfaction by severity"),
        gettext_lazy("Severity"),
        lambda row: (row["ticket__severity"],),
    ),
    "satisfaction_by_tier": (
        gettext_lazy("Satisfaction by support tier"),
        gettext_lazy("Tier"),
        lambda row: (row["ticket__contract__tier__name"], row["ticket__contract__tier__rank"]),
    ),
}


def breakdown(name: str, figures: Satisfaction, *, every: bool = False) -> Table:
    """Good, bad and the score per organisation, agent, severity or tier. Organisations
    and agents come least satisfied first: a page shows BREAKDOWN_ROWS, the CSV
    (``every``) all of them."""
    lazy_title, lazy_heading, key = BREAKDOWNS[name]
    scores = figures.scores(key)
    organization_url = reverse("dashboard_organization", kwargs={"code": "CODE"})

    def label(group: tuple) -> Cell:
        if name == "satisfaction_by_organisation":
            url = organization_url.replace("CODE", group[0])
            return Link(f"{group[1]} ({group[0]})", f"{url}?{figures.period.query}")
        if name == "satisfaction_by_agent":
            return (group[0] or group[1]) if group[1] else _("Unassigned")
        if name == "satisfaction_by_severity":
            return str(Severity(group[0]).label) if group[0] else _("No severity")
        return group[0] or _("No contract")

    def order(group: tuple):
        if name == "satisfaction_by_severity":
            return (group[0] or "S9",)
        if name == "satisfaction_by_tier":
            return (group[1] is None, group[1] or 0, group[0] or "")
        share = scores[group].share
        return (share is None, share or 0.0, str(label(group)).lower())

    ordered = sorted(scores, key=order)
    ranked = name in ("satisfaction_by_organisation", "satisfaction_by_agent")
    shown = ordered[:BREAKDOWN_ROWS] if ranked and not every else ordered
    note = ""
    if len(shown) < len(ordered):
        note = _("The %(shown)s least satisfied of %(total)s; the CSV has them all.") % {
            "shown": len(shown),
            "total": len(ordered),
        }
    return Table(
        name,
        str(lazy_title),
        [str(lazy_heading), _("Answers"), _("Good"), _("Bad"), _("Good, %")],
        [
            [
                label(group),
                str(scores[group].answers),
                str(scores[group].good),
                str(scores[group].bad),
                scores[group].percent,
            ]
            for group in shown
        ],
        note=note,
    )


def _score(answers: list[SatisfactionSurvey]) -> Score:
    return Score(
        sum(a.rating == Rating.GOOD for a in answers), sum(a.rating == Rating.BAD for a in answers)
    )


def answers_in(
    *, period: Period, organization: Organization, previous: Period | None = None
) -> tuple[Score, Table, Score | None]:
    """The monthly report's answers: each one of the organisation's in the period, and
    their score; with ``previous``, the score of that period's (from the same query)."""
    earliest = min(period.start, previous.start) if previous is not None else period.start
    with scopes_disabled():  # the organisation was checked by organization_for
        found = list(
            SatisfactionSurvey.objects.filter(
                organization=organization,
                answered_at__gte=earliest,
                answered_at__lt=period.end,
            )
            .select_related("ticket", "respondent")
            .order_by("answered_at", "pk")
        )
    answers = [a for a in found if a.answered_at >= period.start]
    before = None
    if previous is not None:
        before = _score([a for a in found if previous.start <= a.answered_at < previous.end])
    score = _score(answers)
    link = ticket_linker()
    table = Table(
        "satisfaction",
        _("Customer satisfaction"),
        [_("Ticket"), _("Answered"), _("By"), _("Answer"), _("Comment")],
        [
            [
                link(a.ticket.reference),
                when_cell(a.answered_at),
                (a.respondent.full_name or a.respondent.email) if a.respondent else NONE,
                a.get_rating_display(),
                a.comment,
            ]
            for a in answers
        ],
        figures_from=99,
    )
    return score, table, before
