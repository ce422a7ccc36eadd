"""The managers' SLA dashboard, each organisation's page and its monthly service report,
and that report for a customer administrator's own organisation (linked from the portal,
which may not import the dashboard: tests/helpdesk/test_architecture.py).

Every table on a page has a CSV twin built by the same selector with the same filters.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from accounts import permissions
from accounts.models import Organization
from accounts.permissions import require
from core import spreadsheets
from dashboard import current, durations, headline, period, satisfaction, selectors
from dashboard import reports as dashboard_reports
from dashboard.forms import PeriodForm
from dashboard.services import vendor_today
from dashboard.tables import Period, Table
from tickets import live

manager_only = require(permissions.can_view_dashboard)
# At most this old, and replaced sooner by each summary refresh (see _period_context).
PERIOD_CACHE_SECONDS = 10 * 60
cem_or_manager = require(permissions.can_view_organization_pages)
customer_admin_only = require(permissions.is_customer_admin)


@dataclass(frozen=True)
class Filters:
    period: Period
    now: dt.datetime
    organization: Organization | None = None


def _filters(request, organization: Organization | None = None) -> tuple[PeriodForm, Filters]:
    form = PeriodForm(request.GET if "period" in request.GET else None)
    return form, Filters(form.get_period(), timezone.now(), organization)


def _breakdown(name: str) -> Callable[[Filters], Table]:
    def build(f: Filters) -> Table:
        return period.compliance_breakdown(
            name, period=f.period, organization=f.organization, every=True
        )[0]

    return build


def _satisfaction(name: str) -> Callable[[Filters], Table]:
    def build(f: Filters) -> Table:
        figures = satisfaction.satisfaction(period=f.period, organization=f.organization)
        return satisfaction.breakdown(name, figures, every=True)

    return build


# Each table a page shows, by the name its CSV link uses.
TABLES: dict[str, Callable[[Filters], Table]] = {
    "open_by_severity": lambda f: current.open_by_severity(now=f.now, organization=f.organization),
    "at_risk": lambda f: current.at_risk(now=f.now, organization=f.organization),
    "escalation_requests": lambda f: current.escalation_requests(organization=f.organization),
    "escalated_tickets": lambda f: current.escalated_tickets(organization=f.organization),
    "unassigned_s1": lambda f: current.unassigned_critical(now=f.now, organization=f.organization),
    "compliance": lambda f: period.compliance_by_kind(period=f.period, organization=f.organization)[
        0
    ],
    "by_tier": _breakdown("by_tier"),
    "by_severity": _breakdown("by_severity"),
    "by_organisation": _breakdown("by_organisation"),
    "by_agent": _breakdown("by_agent"),
    "durations": lambda f: durations.durations(period=f.period, organization=f.organization)[0],
    "breaches": lambda f: period.breaches(
        period=f.period, now=f.now, organization=f.organization, every=True
    ),
    "trend": lambda f: period.trend(period=f.period, organization=f.organization)[0],
    **{name: _satisfaction(name) for name in satisfaction.BREAKDOWNS},
}
ACROSS_ORGANISATIONS = ("by_organisation", "satisfaction_by_organisation")
TABLES_ORGANIZATION = {
    **{name: build for name, build in TABLES.items() if name not in ACROSS_ORGANISATIONS},
    "open_tickets": lambda f: current.open_tickets(now=f.now, organization=f.organization),
}


def _csv_response(filename: str, tables: Iterable[Table]) -> HttpResponse:
    """One table as CSV; several (a report) one after another, each under its title."""
    buffer = io.StringIO()
    # Titles and names are customers' text: no cell may reach a spreadsheet as a formula.
    writer = spreadsheets.writer(buffer)
    tables = list(tables)
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([table.title])
        writer.writerows(table.csv_rows())
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


NOW_TABLES = (
    "open_by_severity",
    "at_risk",
    "unassigned_s1",
    "escalation_requests",
    "escalated_tickets",
)


def _now_context(f: Filters, csv_url: Callable[[str], str]) -> dict:
    """The live section. Every manager sees the same tables: they are shared for up to
    live.LIVE_SECONDS and computed again at once after any ticket change, so a dozen
    dashboards polling every 30 seconds cost one computation per change, not a dozen.
    "Updated" shows when they were computed. The CSV exports are always computed."""
    now, tables = live.shared(
        "dashboard-now",
        # Shared by the managers who read the same language.
        [str(f.organization.pk if f.organization else ""), translation.get_language()],
        lambda: (f.now, {name: TABLES[name](f) for name in NOW_TABLES}),
    )
    for table in tables.values():
        table.csv_url = csv_url(table.name)
    return {"now": now, "now_tables": tables, "on_call": current.on_call(now=f.now)}


def _period_figures(f: Filters, breakdowns: list[str]) -> tuple[dict, dict, headline.Raw]:
    """The period's tables, charts and what its headline figures are made of: the
    compliance, durations and satisfaction queries count the previous period too."""
    previous = f.period.previous
    compliance, compliance_chart, (targets, targets_before) = period.compliance_by_kind(
        period=f.period, organization=f.organization, previous=previous
    )
    tables = {"compliance": compliance}
    charts = {"compliance": compliance_chart}
    # One query for every satisfaction figure of the page.
    answers = satisfaction.satisfaction(
        period=f.period, organization=f.organization, previous=previous
    )
    for name in breakdowns:
        if name in satisfaction.BREAKDOWNS:
            tables[name] = satisfaction.breakdown(name, answers)
        else:
            tables[name], charts[name] = period.compliance_breakdown(
                name, period=f.period, organization=f.organization
            )
    tables["durations"], (responses, responses_before) = durations.durations(
        period=f.period, organization=f.organization, previous=previous
    )
    tables["breaches"] = period.breaches(
        period=f.period,
        now=f.now,
        organization=f.organization,
        total=int(str(compliance.rows[-1][3])),
    )
    tables["trend"], charts["trend"] = period.trend(period=f.period, organization=f.organization)
    raw = headline.Raw(
        targets, targets_before, responses, responses_before, answers.total, answers.previous
    )
    return tables, charts, raw


def _period_context(f: Filters, csv_url: Callable[[str], str], breakdowns: list[str]) -> dict:
    """The period's figures, computed once per summary refresh: they are cached under
    the period, the organisation and the revision of the period's summaries, so the
    next refresh (every five minutes, by beat) replaces them. Without any summary yet
    they are computed on every view.

    The page caches its rendered period sections under the same key ({% cache %} with
    ``period_cache_key``), so they are only computed, from the cache or afresh, when a
    section is not in the cache already: ``tables`` and ``charts`` are lazy.
    """
    freshness = period.freshness(period=f.period)
    key = ""
    if freshness.days:
        key = ":".join(
            map(
                str,
                [
                    "dashboard-period",
                    # The figures' words and the page's sections are in the viewer's language.
                    translation.get_language(),
                    f.organization.pk if f.organization else "all",
                    f.period.first,
                    f.period.last,
                    ",".join(breakdowns),
                    freshness.days,
                    freshness.revision,
                ],
            )
        )

    def figures() -> tuple[dict, dict, headline.Raw]:
        found = cache.get(key) if key else None
        if found is None:
            found = _period_figures(f, breakdowns)
            if key:
                cache.set(key, found, PERIOD_CACHE_SECONDS)
        for table in found[0].values():
            table.csv_url = csv_url(table.name)
        return found

    computed = SimpleLazyObject(figures)
    return {
        "period": f.period,
        "vendor_timezone": settings.TIME_ZONE,
        "freshness": freshness,
        "tables": SimpleLazyObject(lambda: computed[0]),
        "charts": SimpleLazyObject(lambda: computed[1]),
        "headline_raw": SimpleLazyObject(lambda: computed[2]),
        "previous_period": f.period.previous,
        "period_cache_key": key,
        # No summary yet: render afresh every time (a zero timeout stores nothing).
        "period_cache_seconds": PERIOD_CACHE_SECONDS if key else 0,
    }


def _headline(context: dict, f: Filters) -> list[headline.Figure]:
    """A page's headline: the period's figures (cached with its tables) and the open
    S1 tickets of its live table, so it costs no query of its own."""
    return headline.figures(
        context["headline_raw"],
        period=f.period,
        open_s1=headline.open_critical(context["now_tables"]["open_by_severity"]),
        open_s1_covers=headline.now_words(context["now"]),
    )


# --- The dashboard --------------------------------------------------------------------


def _dashboard_csv_url(period: Period) -> Callable[[str], str]:
    return lambda name: f"{reverse('dashboard_export', kwargs={'table': name})}?{period.query}"


@require_GET
@manager_only
def dashboard_home(request):
    form, f = _filters(request)
    csv_url = _dashboard_csv_url(f.period)
    context = {
        "form": form,
        **_now_context(f, csv_url),
        **_period_context(
            f,
            csv_url,
            [
                "by_tier",
                "by_severity",
                "by_organisation",
                "by_agent",
                *satisfaction.BREAKDOWNS,
            ],
        ),
        "engaged": dashboard_reports.organizations_engaged(user=request.user),
    }
    context["headline"] = _headline(context, f)
    return render(request, "dashboard/dashboard_home.html", context)


@require_GET
@manager_only
def dashboard_now(request):
    """The "now" section alone, which the page polls every 30 seconds."""
    _form, f = _filters(request)
    context = _now_context(f, _dashboard_csv_url(f.period))
    return render(request, "dashboard/dashboard_home.html#now", context)


@require_GET
@manager_only
def dashboard_export(request, table: str):
    if table not in TABLES:
        raise Http404("No such table.")
    _form, f = _filters(request)
    name = f"sla-{table.replace('_', '-')}-{f.period.first}-{f.period.last}.csv"
    return _csv_response(name, [TABLES[table](f)])


# --- Organisations --------------------------------------------------------------------


def _organization_csv_url(organization: Organization, period: Period) -> Callable[[str], str]:
    def url(name: str) -> str:
        path = reverse(
            "dashboard_organization_export", kwargs={"code": organization.code, "table": name}
        )
        return f"{path}?{period.query}"

    return url


@require_GET
@cem_or_manager
def dashboard_organization(request, code: str):
    organization = selectors.organization_for(user=request.user, code=code)
    form, f = _filters(request, organization)
    csv_url = _organization_csv_url(organization, f.period)
    now_tables = {
        name: TABLES_ORGANIZATION[name](f)
        for name in ("open_by_severity", "open_tickets", "escalation_requests", "escalated_tickets")
    }
    for table in now_tables.values():
        table.csv_url = csv_url(table.name)
    context = {
        "form": form,
        "organization": organization,
        "now": f.now,
        "now_tables": now_tables,
        **_period_context(
            f,
            csv_url,
            ["by_severity", "by_agent", "satisfaction_by_severity", "satisfaction_by_agent"],
        ),
        "months": dashboard_reports.report_months(),
    }
    context["headline"] = _headline(context, f)
    return render(request, "dashboard/dashboard_organization.html", context)


@require_GET
@cem_or_manager
def dashboard_organization_export(request, code: str, table: str):
    organization = selectors.organization_for(user=request.user, code=code)
    if table not in TABLES_ORGANIZATION:
        raise Http404("No such table.")
    _form, f = _filters(request, organization)
    name = f"sla-{organization.code}-{table.replace('_', '-')}-{f.period.first}-{f.period.last}.csv"
    return _csv_response(name, [TABLES_ORGANIZATION[table](f)])


def _report_tables(
    organization: Organization, year: int, month: int
) -> tuple[Period, dict, list[headline.Figure]]:
    if not 1 <= month <= 12 or dt.date(year, month, 1) > vendor_today():
        raise Http404("No report for that month.")
    report_period = Period.month(year, month)
    previous = report_period.previous
    f = Filters(report_period, timezone.now(), organization)
    compliance, _chart, (targets, targets_before) = period.compliance_by_kind(
        period=report_period, organization=organization, previous=previous
    )
    times, (responses, responses_before) = durations.durations(
        period=report_period, organization=organization, previous=previous
    )
    trend = TABLES["trend"](f)
    score, answers, score_before = satisfaction.answers_in(
        period=report_period, organization=organization, previous=previous
    )
    open_s1, open_s1_before = dashboard_reports.open_critical_at_end(
        period=report_period, organization=organization, now=f.now
    )
    figures = headline.figures(
        headline.Raw(targets, targets_before, responses, responses_before, score, score_before),
        period=report_period,
        open_s1=open_s1,
        open_s1_covers=headline.end_words(report_period, f.now),
        open_s1_before=open_s1_before,
    )
    tables = {
        "summary": dashboard_reports.report_summary(
            period=report_period,
            organization=organization,
            compliance=compliance,
            trend_table=trend,
            satisfaction=score,
        ),
        "compliance": compliance,
        "by_severity": TABLES["by_severity"](f),
        "durations": times,
        "breaches": TABLES["breaches"](f),
        "escalations": dashboard_reports.escalations_in(
            period=report_period, organization=organization
        ),
        "satisfaction": answers,
        "tickets": dashboard_reports.tickets_logged(
            period=report_period, organization=organization
        ),
        "trend": trend,
    }
    return report_period, tables, figures


def _report(request, code: str, year: int, month: int):
    organization = selectors.organization_for(user=request.user, code=code)
    return (organization, *_report_tables(organization, year, month))


@require_GET
@cem_or_manager
def dashboard_report(request, code: str, year: int, month: int):
    organization, period, tables, figures = _report(request, code, year, month)
    return render(
        request,
        "dashboard/dashboard_report.html",
        {
            "organization": organization,
            "period": period,
            "previous_period": period.previous,
            "headline": figures,
            "tables": tables,
            "generated_at": timezone.now(),
            "vendor_timezone": settings.TIME_ZONE,
            "csv_url": reverse(
                "dashboard_report_csv",
                kwargs={"code": organization.code, "year": year, "month": month},
            ),
        },
    )


@require_GET
@cem_or_manager
def dashboard_report_csv(request, code: str, year: int, month: int):
    organization, period, tables, _figures = _report(request, code, year, month)
    name = f"service-report-{organization.code}-{period.first:%Y-%m}.csv"
    return _csv_response(name, tables.values())


# --- The customer's own service report ---------------------------------------------------
# A customer administrator reads their own organisation's report: the organisation is the
# signed-in person's, never a code from the URL, so no other organisation's is reachable.


def _customer_report(request, year: int, month: int):
    organization = permissions.organization_of(request.user)
    if organization is None:  # an administrator of an organisation no longer active
        raise Http404("No report.")
    months = dashboard_reports.customer_report_months(organization=organization)
    if (year, month) not in {(m.first.year, m.first.month) for m in months}:
        raise Http404("No report for that month.")
    period, tables, figures = _report_tables(organization, year, month)
    return organization, months, period, dashboard_reports.in_customer_words(tables), figures


@require_GET
@customer_admin_only
def customer_report_latest(request):
    """This month's report, or the month the picker names (?month=2026-11)."""
    organization = permissions.organization_of(request.user)
    if organization is None:
        raise Http404("No report.")
    months = {
        f"{m.first:%Y-%m}": m
        for m in dashboard_reports.customer_report_months(organization=organization)
    }
    chosen = request.GET.get("month") or next(iter(months))
    if chosen not in months:
        raise Http404("No report for that month.")
    first = months[chosen].first
    return redirect("customer_report", year=first.year, month=first.month)


@require_GET
@customer_admin_only
def customer_report(request, year: int, month: int):
    organization, months, period, tables, figures = _customer_report(request, year, month)
    return render(
        request,
        "dashboard/dashboard_customer_report.html",
        {
            "organization": organization,
            "period": period,
            "previous_period": period.previous,
            "headline": figures,
            "months": months,
            "tables": tables,
            "generated_at": timezone.now(),
            "vendor_timezone": settings.TIME_ZONE,
            "csv_url": reverse("customer_report_csv", kwargs={"year": year, "month": month}),
        },
    )


@require_GET
@customer_admin_only
def customer_report_csv(request, year: int, month: int):
    organization, _months, period, tables, _figures = _customer_report(request, year, month)
    name = f"service-report-{organization.code}-{period.first:%Y-%m}.csv"
    return _csv_response(name, tables.values())
