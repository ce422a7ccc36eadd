"""Errors reach Sentry when SENTRY_DSN is set, without personal data.

Sentry's SDK is initialised as the settings are read, once per process, so the help desk
runs in a subprocess with a DSN that points at a tiny HTTP server of this test, which
keeps what the SDK posts to /api/<project>/envelope/."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sentry_sdk
from django.db import connection

from tests import factories

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "ingrid.private@acme.example"

# The help desk as gunicorn runs it (its WSGI application, with its real middleware), under
# a URL whose view fails after reading the signed-in person's email into a local variable.
PROBE = f"""
import django
import sentry_sdk
from django.urls import include, path

django.setup()

from django.core.wsgi import get_wsgi_application
from django.test import Client, RequestFactory, override_settings

from accounts.models import User


def failing_view(request):
    email = request.user.email
    raise RuntimeError("the probe's failure in a view")


urlpatterns = [path("boom/", failing_view), path("", include("helpdesk.urls"))]
handler500 = "helpdesk.views.server_error"

signed_in = Client()
signed_in.force_login(User.objects.get(email={EMAIL!r}))
session_key = signed_in.cookies["sessionid"].value
environ = RequestFactory().get(
    "/boom/?page=2",
    HTTP_COOKIE=f"sessionid={{session_key}}; csrftoken=probe-csrf-token",
    HTTP_USER_AGENT="probe-agent/1.0",
).environ
with override_settings(ROOT_URLCONF="__main__"):
    statuses = []
    body = get_wsgi_application()(environ, lambda status, headers: statuses.append(status))
print(statuses[0].split()[0], session_key)
sentry_sdk.flush(timeout=10)
"""


class SentryStandIn(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[str, bytes]] = []


class _Handler(BaseHTTPRequestHandler):
    server: SentryStandIn

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def sentry_stand_in():
    server = SentryStandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _database_url() -> str:
    """This test's database, for the subprocess."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"


def _events(received: list[tuple[str, bytes]]) -> list[dict]:
    """The error events of the envelopes: a header line, then item headers and payloads."""
    events = []
    for _path, body in received:
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def test_without_a_dsn_nothing_is_sent():
    assert not sentry_sdk.get_client().is_active()


@pytest.mark.django_db(transaction=True)
def test_an_error_in_a_view_reaches_sentry_without_personal_data(sentry_stand_in):
    organization = factories.OrganizationFactory(code="ACME")
    factories.customer(organization, email=EMAIL)
    port = sentry_stand_in.server_address[1]
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": _database_url(),
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/42",
            "SENTRY_ENVIRONMENT": "probe",
            "SENTRY_RELEASE": "helpdesk@probe",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    status, session_key = result.stdout.split()
    assert status == "500"

    assert {path for path, _body in sentry_stand_in.received} == {"/api/42/envelope/"}
    (event,) = _events(sentry_stand_in.received)
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "the probe's failure in a view"
    assert event["environment"] == "probe"
    assert event["release"] == "helpdesk@probe"
    assert event["request"]["url"] == "http://testserver/boom/"
    assert event["request"]["query_string"] == "page=2"
    assert event["request"]["headers"]["User-Agent"] == "probe-agent/1.0"
    # No person, cookie, session or local variable (the view held the email in one).
    sent = b"".join(body for _path, body in sentry_stand_in.received).decode()
    assert EMAIL not in sent
    assert session_key not in sent
    assert "probe-csrf-token" not in sent
    assert event["request"]["headers"]["Cookie"] == "[Filtered]"
    assert not event["request"].get("cookies")
    assert "email" not in event.get("user", {})
    frames = exception["stacktrace"]["frames"]
    assert frames and not any("vars" in frame for frame in frames)
