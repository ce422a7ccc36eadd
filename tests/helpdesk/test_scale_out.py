"""Scale-out (#24): two web machines and two worker machines on one PostgreSQL and one Redis.

Two gunicorn servers (each with its own settings, as two machines would have) stand behind
a small round-robin proxy of this test's own, which hands each request to the next server
and records which one answered it; two ``celery worker`` groups of two processes each (two
more machines) take the work both servers put on the shared broker. Through the proxy, with
a real HTTP client keeping its cookies, a customer signs in and logs tickets on the portal's
form. The test shows that the session holds on both servers, that a file uploaded through
one server downloads through the other (from a folder both servers share, and from an S3
bucket of moto's server), that every ticket's event is handled once by one of the two
worker groups, both of which take part, and that no process logs an error.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from django.contrib.auth.hashers import make_password

from accounts.models import User
from helpdesk.celery import app
from notifications.models import Kind, Notification, OutboundEmail, OutboundState, PendingEvent
from tests.conftest import wait_for
from tests.factories import DEFAULT_PASSWORD
from tests.notifications.conftest import worker_database_url
from tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
TICKETS = 8
TAG = "scale-"  # the X-Request-ID of each of the test's requests begins with it
ERROR_LINE = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|\"level\": \"(ERROR|CRITICAL)\"")
# Headers of one connection, not of the request: a proxy never passes them on.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- The load balancer: round robin, recording who answered ---------------------------


@dataclass(frozen=True)
class Served:
    method: str
    path: str
    backend: str
    status: int
    request_id: str


class RoundRobin(ThreadingHTTPServer):
    """Hands each request to the next backend in turn and records who answered it."""

    daemon_threads = True

    def __init__(self, backends: dict[str, int]) -> None:
        super().__init__(("127.0.0.1", free_port()), _Forward)
        self.backends = backends
        self._turns = itertools.cycle(backends.items())
        self._lock = threading.Lock()
        self.served: list[Served] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def next_backend(self) -> tuple[str, int]:
        with self._lock:
            return next(self._turns)

    def record(self, served: Served) -> None:
        with self._lock:
            self.served.append(served)

    def served_by(self, backend: str) -> list[Served]:
        return [s for s in self.served if s.backend == backend]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


class _Forward(BaseHTTPRequestHandler):
    server: RoundRobin

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        if not self.headers.get("X-Request-ID", "").startswith(TAG):
            # The port may have been another test's a moment ago (a receiver its workers
            # still retry): only this test's requests take a turn.
            self.send_error(403, "Not a request of this test")
            return
        name, port = self.server.next_backend()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            answer = response.getheaders()  # every Set-Cookie, not only the last
        finally:
            upstream.close()
        # Recorded before the client has its answer, so that the test reads every one.
        self.server.record(
            Served(
                self.command,
                self.path,
                name,
                response.status,
                self.headers.get("X-Request-ID", ""),
            )
        )
        self.send_response(response.status)
        for header, value in answer:
            if header.lower() not in HOP_BY_HOP | {"date", "server"}:
                self.send_header(header, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass  # the backends log every request themselves


# --- The processes: two web machines, two worker machines -----------------------------


def cache_url() -> str:
    """Redis's next database after the broker's (the suite's cache database), under a
    key prefix of this run's own: the web servers share it, and so their sessions."""
    url = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    database = int(url.path.strip("/") or 0) + 1
    return urlunsplit(
        url._replace(path=f"/{database}", query=f"key_prefix=scale-{secrets.token_hex(4)}")
    )


class Machines:
    """The processes of the machines, each with its own environment and log, started at
    once and stopped at once (each stop waits for the work in hand)."""

    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs, self.env = logs, env
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str]) -> Path:
        log = self.logs / f"{name}.log"
        with log.open("w") as out:
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", *command],
                    cwd=ROOT,
                    env={**os.environ, **self.env, "HOSTNAME": name},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        return log

    def web(self, name: str) -> tuple[int, Path]:
        """gunicorn with two workers, as production runs it (docker-compose.yml), on a
        free port: its port, and its log (gunicorn's lines and the app's)."""
        port = free_port()
        command = ["gunicorn", "helpdesk.wsgi:application", "--workers", "2"]
        return port, self.start(name, [*command, "--bind", f"127.0.0.1:{port}"])

    def worker(self, name: str) -> Path:
        """``celery worker`` with two prefork processes under its own host name, as the
        compose file runs it (and tests/notifications/conftest.py for the worker tests)."""
        return self.start(
            name,
            ["celery", "-A", "helpdesk", "worker", "--pool=prefork", "--concurrency=2",
             "--loglevel=INFO", "--without-mingle", "--without-gossip", "--without-heartbeat",
             f"--hostname={name}@%h"],
        )  # fmt: skip

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


# --- What the client does --------------------------------------------------------------


def form_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} in the page"
    return found[1]


def request_logs(log: Path) -> list[dict]:
    """The app's line per request (LOG_FORMAT=json, logger helpdesk.requests)."""
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{") and '"helpdesk.requests"' in line:
            lines.append(json.loads(line))
    return lines


def test_two_web_and_two_worker_machines_share_sessions_files_and_events_once(
    personas, contracts, attachment_store, tmp_path, settings
):
    # Production's password hasher: the servers know no other (the suite's is MD5).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    User.objects.filter(pk=personas.admin_a.pk).update(password=make_password(DEFAULT_PASSWORD))
    # What every machine shares: the release's settings, the database, Redis, the store.
    shared = {
        "DATABASE_URL": worker_database_url(),
        "CACHE_URL": cache_url(),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "CONN_MAX_AGE": "60",
        **attachment_store,
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    app.control.purge()  # messages left by an earlier, interrupted run are not ours
    machines = Machines(logs, shared)
    with ExitStack() as running:
        running.callback(app.control.purge)
        running.callback(machines.stop)
        webs = {name: machines.web(name) for name in ("web-a", "web-b")}
        workers = {name: machines.worker(name) for name in ("worker-a", "worker-b")}
        for log in workers.values():
            assert wait_for(lambda log=log: " ready." in log.read_text(), timeout=60), (
                log.read_text()
            )
        for port, log in webs.values():
            assert wait_for(lambda port=port: healthy(port), timeout=60), log.read_text()
        balancer = running.enter_context(RoundRobin({n: p for n, (p, _) in webs.items()}))

        numbers = itertools.count(1)

        def tag(request: httpx.Request) -> None:
            request.headers["X-Request-ID"] = f"{TAG}{next(numbers)}"

        client = running.enter_context(
            httpx.Client(base_url=balancer.url, timeout=30, event_hooks={"request": [tag]})
        )

        # Sign in on one server; the session is good on both.
        client.get("/accounts/login/")
        signed_in = client.post(
            "/accounts/login/",
            data={
                "login": personas.admin_a.email,
                "password": DEFAULT_PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
        )
        assert signed_in.status_code == 302, signed_in.text[:2000]
        homes = [client.get("/portal/") for _ in range(2)]
        # (A visitor without the session would be sent to the sign-in page instead.)
        assert [h.status_code for h in homes] == [200, 200]
        assert all("Acme Manufacturing · customer administrator" in h.text for h in homes)
        assert {s.backend for s in balancer.served if s.path == "/portal/"} == set(webs), (
            balancer.served
        )

        # Tickets logged on the portal's form, which comes from one server and is sent to
        # the other; the next ticket's is sent to the first (the page in between).
        colleague = str(personas.user_a.pk)
        upload = b"2026-12-06 23:41:07 E2044 posting batch 1042 timed out\n" * 50
        created = []
        for n in range(TICKETS):
            page = client.get("/tickets/new/").text
            files = {"attachments": ("posting.log", upload, "text/plain")} if n == 0 else None
            response = client.post(
                "/tickets/new/",
                data={
                    "csrfmiddlewaretoken": form_value(page, "csrfmiddlewaretoken"),
                    "intake_key": form_value(page, "intake_key"),
                    "type": "incident",
                    "severity": "S3",
                    "title": f"Posting batch {n} times out",
                    "description": "The batch posting stops after two minutes.",
                    "product_version": str(contracts["version"].pk),
                    "watchers": [colleague],
                },
                files=files,
            )
            assert response.status_code == 302, response.text[:3000]
            ticket_page = client.get(response.headers["location"])
            assert ticket_page.status_code == 200
            created.append(response.headers["location"].strip("/").split("/")[-1])
        posts = [s for s in balancer.served if s.method == "POST" and s.path == "/tickets/new/"]
        assert {s.backend for s in posts} == set(webs)
        assert created == [f"ACME-{n}" for n in range(1, TICKETS + 1)]

        # The file uploaded through one server downloads through the other.
        ticket = Ticket.objects.get(reference=created[0])
        attachment = Attachment.objects.get(ticket=ticket)
        url = f"/tickets/{ticket.reference}/attachments/{attachment.pk}/"
        downloads = [client.get(url) for _ in range(2)]
        assert [d.status_code for d in downloads] == [200, 200]
        assert all(d.content == upload for d in downloads)
        uploaded_on = posts[0].backend
        assert {s.backend for s in balancer.served if s.path == url} == set(webs)
        assert any(s.backend != uploaded_on for s in balancer.served if s.path == url)

        # Every ticket's event handled once: two notices and two emails (requester and
        # watcher), each email claimed and sent once.
        tickets = Ticket.objects.filter(reference__in=created)
        emails = OutboundEmail.objects.filter(ticket__in=tickets, kind=Kind.TICKET_CREATED)

        def handled() -> bool:
            return (
                not PendingEvent.objects.exists()
                and emails.filter(state=OutboundState.SENT).count() == 2 * TICKETS
            )

        assert wait_for(handled, timeout=30), list(emails.values_list("state", "last_error"))
        assert emails.count() == 2 * TICKETS
        assert set(emails.values_list("attempts", flat=True)) == {1}
        for ticket in tickets:
            assert sorted(
                Notification.objects.filter(ticket=ticket, kind=Kind.TICKET_CREATED).values_list(
                    "recipient__email", flat=True
                )
            ) == sorted([personas.admin_a.email, personas.user_a.email])
        # Read the workers' logs after their last task has been logged.
        assert wait_for(lambda: _succeeded(workers, "send_email") == 2 * TICKETS, timeout=10)

    dispatched = {name: _succeeded({name: log}, "dispatch_event") for name, log in workers.items()}
    sent = {name: _succeeded({name: log}, "send_email") for name, log in workers.items()}
    assert sum(dispatched.values()) == TICKETS, dispatched  # once each, by one group
    assert sum(sent.values()) == 2 * TICKETS, sent
    assert all(dispatched[n] + sent[n] > 0 for n in workers), (dispatched, sent)

    # Each server logged exactly the requests the balancer says it handed it.
    for name, (_, log) in webs.items():
        logged = {line["request_id"] for line in request_logs(log)} - {None}
        logged = {request_id for request_id in logged if request_id.startswith(TAG)}
        assert logged == {s.request_id for s in balancer.served_by(name)}
    assert all(s.status < 400 for s in balancer.served)

    for log in [*(log for _, log in webs.values()), *workers.values()]:
        text = log.read_text()
        assert not ERROR_LINE.search(text), f"{log.name}:\n{text[-5000:]}"


def _succeeded(workers: dict[str, Path], task: str) -> int:
    """Tasks of this name that the workers' logs say succeeded (Celery's INFO line)."""
    pattern = re.compile(
        rf"Task notifications\.tasks\.{task}\[[0-9a-f-]+\] succeeded in .*: (True|'sent')"
    )
    return sum(len(pattern.findall(log.read_text())) for log in workers.values())
