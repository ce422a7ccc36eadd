from django.urls import path, register_converter

from dashboard import views
from dashboard.forms import EARLIEST, LATEST


class YearConverter:
    """A report's year, within the dates the dashboard covers: any other is a 404 (year 0
    or 9999 would overflow the month's arithmetic into a server error)."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not EARLIEST.year <= year <= LATEST.year:
            raise ValueError(f"no report for {year}")  # Django answers 404
        return year

    def to_url(self, value: int) -> str:
        return f"{int(value):04d}"


class MonthConverter:
    regex = "0[1-9]|1[0-2]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):02d}"


register_converter(YearConverter, "yyyy")
register_converter(MonthConverter, "mm")

ORGANIZATION = "organisations/<slug:code>/"

urlpatterns = [
    path("", views.dashboard_home, name="dashboard"),
    path("now/", views.dashboard_now, name="dashboard_now"),
    path("export/<slug:table>.csv", views.dashboard_export, name="dashboard_export"),
    path(ORGANIZATION, views.dashboard_organization, name="dashboard_organization"),
    path(
        f"{ORGANIZATION}export/<slug:table>.csv",
        views.dashboard_organization_export,
        name="dashboard_organization_export",
    ),
    path(
        f"{ORGANIZATION}report/<yyyy:year>-<mm:month>/",
        views.dashboard_report,
        name="dashboard_report",
    ),
    path(
        f"{ORGANIZATION}report/<yyyy:year>-<mm:month>.csv",
        views.dashboard_report_csv,
        name="dashboard_report_csv",
    ),
    # A customer administrator's own organisation's report (the portal links to it).
    path("service-report/", views.customer_report_latest, name="customer_report_latest"),
    path(
        "service-report/<yyyy:year>-<mm:month>/",
        views.customer_report,
        name="customer_report",
    ),
    path(
        "service-report/<yyyy:year>-<mm:month>.csv",
        views.customer_report_csv,
        name="customer_report_csv",
    ),
]
