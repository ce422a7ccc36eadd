"""Site-wide endpoints that belong to no app: the home that sends each person to their
part of the help desk, the health check and the error pages."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

from accounts import permissions
from core.request_limits import API_PATH
from helpdesk.celery import app as celery_app
from notifications import selectors as notification_selectors


@login_required
def home(request):
    """Customers go to the portal, support staff to the workspace's queues; anyone else
    (an account with neither role yet) sees the plain welcome page."""
    if permissions.is_customer(request.user):
        return redirect("portal_home")
    if permissions.can_work_tickets(request.user):
        return redirect("workspace")
    return render(request, "accounts/home.html")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_answers() -> bool:
    try:
        with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return True
    except Exception:
        return False


@never_cache
@require_GET
def metrics(request):
    """Prometheus's scrape: the requests and latencies per view (django-prometheus) and
    the help desk's own figures (helpdesk.metrics). Only with ``Authorization: Bearer
    <METRICS_TOKEN>``; without a token configured, or with another, there is no such
    page (404), so that it tells a stranger nothing."""
    expected = f"Bearer {settings.METRICS_TOKEN}"
    given = request.headers.get("Authorization", "")
    if not settings.METRICS_TOKEN or not constant_time_compare(given, expected):
        raise Http404("No such page.")
    return ExportToDjangoView(request)


def _last_sweep():
    try:
        return notification_selectors.last_sweep()
    except Exception:
        return None


# When this process started: before the first sweep of a new installation, how long
# beat has had to run one.
PROCESS_STARTED_AT = timezone.now()


def sweep_health(
    *, last_sweep: dt.datetime | None, now: dt.datetime, started_at: dt.datetime
) -> tuple[bool, str]:
    """Whether beat and the workers keep sweeping the SLA clocks, and why (for /healthz).

    A sweep older than settings.HEALTH_SWEEP_MAX_AGE_SECONDS (a minute's sweep, missed
    twice) is a failure. No sweep at all is one only once this process has been up that
    long: a new installation's beat sweeps within its first minute, and a health check
    that failed before then would have the load balancer (or compose) give up on a web
    process that is fine."""
    max_age = dt.timedelta(seconds=settings.HEALTH_SWEEP_MAX_AGE_SECONDS)
    if last_sweep is not None:
        age = int((now - last_sweep).total_seconds())
        if now - last_sweep <= max_age:
            return True, f"last sweep {age} s ago"
        return False, f"last sweep {age} s ago, over {int(max_age.total_seconds())} s"
    up = now - started_at
    return up <= max_age, f"no sweep yet, {int(up.total_seconds())} s after this process started"


@never_cache
@require_GET
def healthz(request):
    """Whether the database and the broker answer, and whether beat and the workers
    keep sweeping the SLA clocks (sweep_health): 503 when one does not."""
    last_sweep = _last_sweep()
    sweeping, sweep_detail = sweep_health(
        last_sweep=last_sweep, now=timezone.now(), started_at=PROCESS_STARTED_AT
    )
    checks = {
        "database": _database_answers(),
        "broker": _broker_answers(),
        "sweep": sweeping,
    }
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            **checks,
            "last_sweep": last_sweep.isoformat() if last_sweep else None,
            "sweep_detail": sweep_detail,
        },
        status=200 if healthy else 503,
    )


def page_not_found(request, exception):
    """Django's 404 page; under the API, the API's JSON error instead, so that a script
    gets the same kind of answer for a path no view matches as for a missing ticket.
    Our page shows neither the path nor the exception, so it is rendered without
    Django's quoting of the path (50 ms for a path of a megabyte)."""
    if request.path.startswith(API_PATH):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith(API_PATH):
        return JsonResponse({"detail": "A server error: it is logged."}, status=500)
    # Rendered without the request context on purpose: the failure may lie there.
    return render(None, "500.html", status=500)
