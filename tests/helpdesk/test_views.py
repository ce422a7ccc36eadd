import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from helpdesk import views
from notifications import selectors, services


@pytest.fixture
def swept(db):
    """The SLA sweep ran a minute ago, as beat has it run every minute."""
    at = timezone.now() - dt.timedelta(minutes=1)
    services.sweep_record(at=at)
    return at


@pytest.mark.django_db
def test_healthz_says_database_broker_and_sweep_answer(client, swept):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": True,
        "broker": True,
        "sweep": True,
        "last_sweep": swept.isoformat(),
        "sweep_detail": "last sweep 60 s ago",
    }


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_down(client, settings, swept):
    # Nothing listens on port 1: the broker check must fail quickly, not hang.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] is False
    assert response.json()["database"] is True


@pytest.mark.django_db
def test_healthz_answers_503_when_the_sweep_stopped(client, time_machine, swept):
    time_machine.move_to(swept + dt.timedelta(minutes=3), tick=False)
    assert client.get("/healthz").status_code == 200
    time_machine.move_to(swept + dt.timedelta(minutes=3, seconds=1), tick=False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["sweep"] is False
    assert response.json()["last_sweep"] == swept.isoformat()


@pytest.mark.django_db
def test_healthz_waits_three_minutes_after_start_for_the_first_sweep(
    client, monkeypatch, time_machine
):
    """A new installation: beat has not swept yet. Healthy while this process is young
    enough for beat to have missed no minute's sweep twice, then a 503."""
    started = timezone.now()
    monkeypatch.setattr(views, "PROCESS_STARTED_AT", started)
    time_machine.move_to(started + dt.timedelta(minutes=3), tick=False)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["last_sweep"] is None
    assert response.json()["sweep_detail"] == "no sweep yet, 180 s after this process started"
    time_machine.move_to(started + dt.timedelta(minutes=3, seconds=1), tick=False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["sweep"] is False
    assert response.json()["sweep_detail"] == "no sweep yet, 181 s after this process started"


@pytest.mark.django_db
def test_healthz_judges_a_stopped_sweep_by_its_age_not_by_the_process_start(
    client, monkeypatch, time_machine, swept
):
    # A web process restarted just now does not hide that beat stopped long ago.
    time_machine.move_to(swept + dt.timedelta(hours=1), tick=False)
    monkeypatch.setattr(views, "PROCESS_STARTED_AT", timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["sweep_detail"] == "last sweep 3600 s ago, over 180 s"


@pytest.mark.django_db
def test_the_sweep_records_when_it_ran(eager_celery):
    from notifications.tasks import sla_sweep

    sla_sweep()
    assert timezone.now() - selectors.last_sweep() < dt.timedelta(seconds=5)


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000)
def test_production_redirects_to_https_and_sends_hsts(client):
    assert client.get("/accounts/login/").status_code == 301
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_pages_have_no_inline_scripts(client, personas):
    client.force_login(personas.admin_a)
    body = client.get("/portal/").content.decode()
    assert "<script>" not in body
    assert "<script src=" in body


@pytest.mark.django_db
def test_missing_page_is_the_friendly_404_in_the_layout(client, personas):
    client.force_login(personas.user_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "We couldn't find that page" in body
    assert 'href="/"' in body and "navbar" in body


@pytest.mark.django_db
def test_server_error_is_the_friendly_500_page(rf):
    from helpdesk.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_home_sends_customers_to_the_portal_and_staff_to_the_workspace(client, personas):
    client.force_login(personas.user_a)
    assert client.get("/")["Location"] == "/portal/"
    client.force_login(personas.agent)
    assert client.get("/")["Location"] == "/workspace/"


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
