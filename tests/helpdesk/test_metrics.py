"""/metrics: Prometheus's requests and latencies per view, and the help desk's own
figures, behind a bearer token."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from notifications.models import OutboundEmail, OutboundState, PendingEvent
from sla.models import ClockState, SLAClock

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-metrics-token"


def _gauge(body: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{name}{re.escape(labels)} (\S+)$", body, re.MULTILINE)
    assert match, f"{name}{labels} not in the scrape"
    return float(match.group(1))


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def get():
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        return response.content.decode()

    return get


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Token {TOKEN}"])
def test_without_the_token_there_is_no_such_page(client, settings, header):
    settings.METRICS_TOKEN = TOKEN
    headers = {"Authorization": header} if header else {}
    assert client.get("/metrics", headers=headers).status_code == 404


def test_without_a_token_configured_the_page_does_not_exist(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_requests_are_counted_per_view(client, scrape):
    client.get("/healthz")
    body = scrape()
    assert re.search(
        r'^django_http_requests_total_by_view_transport_method_total\{.*view="healthz".*\} [1-9]',
        body,
        re.MULTILINE,
    )
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in body


def test_the_help_desks_own_figures(scrape, make_ticket, personas, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)  # the ages below are read at this instant
    quiet = scrape()
    assert _gauge(quiet, "helpdesk_sla_sweep_lag_seconds") == 0
    assert _gauge(quiet, "helpdesk_emails", '{state="failed"}') == 0

    ticket = make_ticket()  # S1: its clocks run, and its event waits for a worker
    clock = SLAClock.objects.filter(ticket=ticket, state=ClockState.RUNNING).first()
    SLAClock.objects.filter(pk=clock.pk).update(next_check_at=now - dt.timedelta(minutes=3))
    # Another ticket's clocks breached a minute ago (a ticket logged in business hours
    # has a single clock, the first response, so the breach is not taken from this one).
    breached = make_ticket()
    SLAClock.objects.filter(ticket=breached).update(
        state=ClockState.BREACHED, breached_at=now - dt.timedelta(minutes=1)
    )
    PendingEvent.objects.update(created_at=now - dt.timedelta(minutes=10), attempts=2)
    OutboundEmail.objects.create(
        organization=ticket.organization,
        ticket=ticket,
        kind="ticket_created",
        event_key="metrics-test",
        recipient="someone@acme.example",
        subject="Test",
        body_text="Test",
        message_id="<test@helpdesk.example>",
        state=OutboundState.FAILED,
    )

    body = scrape()
    assert _gauge(body, "helpdesk_sla_sweep_lag_seconds") == 180
    assert _gauge(body, "helpdesk_sla_clocks_due") == 1
    assert _gauge(body, "helpdesk_events_pending") >= 1
    assert _gauge(body, "helpdesk_events_failed") >= 1
    assert _gauge(body, "helpdesk_events_oldest_pending_seconds") == 600
    assert _gauge(body, "helpdesk_emails", '{state="failed"}') == 1
    assert _gauge(body, "helpdesk_open_tickets", '{status="new"}') == 2
    assert _gauge(body, "helpdesk_sla_breaches_today") >= 1


def test_webhook_deliveries_waiting_and_failed_are_counted(
    scrape, personas, time_machine, settings
):
    from webhooks import services
    from webhooks.models import Delivery, DeliveryState

    now = timezone.now()
    time_machine.move_to(now, tick=False)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    endpoint = services.endpoint_create(
        personas.admin_a, organization=personas.org_a, url="http://127.0.0.1:9/",
        events=["ticket.created"],
    )  # fmt: skip
    for n, (state, attempts) in enumerate(
        [(DeliveryState.PENDING, 3), (DeliveryState.PENDING, 0), (DeliveryState.FAILED, 16),
         (DeliveryState.DELIVERED, 1)]
    ):  # fmt: skip
        Delivery.objects.create(
            endpoint=endpoint, organization=personas.org_a, event="ticket.created",
            event_key=f"metrics:{n}", payload={}, state=state, attempts=attempts,
            created_at=now - dt.timedelta(minutes=40 - n),
        )  # fmt: skip

    body = scrape()
    assert _gauge(body, "helpdesk_webhook_deliveries", '{state="pending"}') == 2
    assert _gauge(body, "helpdesk_webhook_deliveries", '{state="failed"}') == 1
    # The oldest that failed and waits: 40 minutes (the other waiting one is new).
    assert _gauge(body, "helpdesk_webhook_oldest_waiting_seconds") == 40 * 60


def test_the_demo_answers_its_documented_token_with_the_gauges(client, settings):
    """`make demo` runs with the token docs/production.md shows (Makefile, DEMO_ENV)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    makefile = (root / "Makefile").read_text()
    token = re.search(r"^DEMO_METRICS_TOKEN := (\S+)$", makefile, flags=re.M)[1]
    assert "METRICS_TOKEN=$(DEMO_METRICS_TOKEN)" in makefile
    assert f"Bearer {token}" in (root / "docs" / "production.md").read_text()
    settings.METRICS_TOKEN = token
    body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").content.decode()
    for gauge in ("helpdesk_sla_sweep_lag_seconds", "helpdesk_emails", "helpdesk_open_tickets"):
        assert f"\n{gauge}" in body, gauge
