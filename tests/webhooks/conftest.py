"""Fixtures of the webhook tests: a real HTTP receiver on a port of its own, which
records what it is sent and answers what the test tells it, and endpoints that may post
to it (the tests' receivers are on the loopback address, which production refuses)."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.notifications.conftest import (  # noqa: F401 - fixtures shared with those tests
    _anymail_test_backend,
    local,
    sweep,
)
from webhooks import services


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """``receiver.status`` is what it answers; ``receiver.received`` what it got."""

    port: int
    status: int = 200
    answer: bytes = b'{"ok": true}'
    delay: float = 0.0  # seconds before it answers
    headers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/helpdesk"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.received.append(Received(self.path, dict(self.headers), body))
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    running = Receiver(port=free_port())
    running.start()
    yield running
    running.stop()


@pytest.fixture
def endpoint_for(settings, personas):
    """``endpoint_for(url, events=[...], owner=personas.admin_a)``: an endpoint of a
    customer administrator's organisation, or the vendor's when the owner is the
    administrator (``organization=`` for one organisation's tickets)."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True

    def make(url: str, *, events=None, owner=None, organization=None, **extra):
        owner = owner or personas.admin_a
        if organization is None and owner != personas.administrator:
            organization = owner.membership.organization
        vendor = services.is_administrator(owner)
        return services.endpoint_create(
            owner,
            organization=organization,
            url=url,
            events=events or [value for value, _ in services.events_for(vendor=vendor)],
            **extra,
        )

    return make


@pytest.fixture
def delivered(django_capture_on_commit_callbacks, eager_celery):
    """``with delivered(): service(...)``: the change's events are dispatched and their
    deliveries sent, in this process, when the block's transaction would commit."""
    from contextlib import contextmanager

    @contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run
