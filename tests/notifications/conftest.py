"""Fixtures of the notification tests (contracts, tickets and the clock are in
tests/conftest.py): a Wednesday morning in Budapest, the anymail test backend, Celery
run in-process where delivery through the broker is not the point, and a helper that
runs a service's after-commit work (handlers, then sending)."""

import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection

from tests.conftest import wait_for

BUDAPEST = ZoneInfo("Europe/Budapest")


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    """An instant of November 2026 in Budapest (CET, UTC+1; no holidays that month).
    The 25th is a Wednesday: the vendor is open 09:00-17:00."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BUDAPEST)


@pytest.fixture
def daytime(at):
    return at(local(25, 10))  # Wednesday 10:00 in Budapest: the vendor is open


@pytest.fixture(autouse=True)
def _anymail_test_backend(settings):
    """The outside provider, faked by anymail's test backend (Django's test setup would
    otherwise swap in locmem, which reports no provider message id)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.EMAIL_MESSAGE_ID_DOMAIN = "helpdesk.test"
    settings.SUPPORT_EMAIL = "support@helpdesk.test"
    settings.EMAIL_RETRY_BACKOFF_SECONDS = 0


@pytest.fixture
def deliver(django_capture_on_commit_callbacks, eager_celery):
    """``with deliver(): service(...)`` runs the after-commit handlers and sends."""

    @contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


@pytest.fixture
def sweep(at, eager_celery, django_capture_on_commit_callbacks):
    """Run the beat task at an instant, with its per-row tasks and sends in-process."""
    from notifications.tasks import sla_sweep

    def run(instant: dt.datetime):
        at(instant)
        with django_capture_on_commit_callbacks(execute=True):
            return sla_sweep()

    return run


# --- A broker of the test's own, to stop and start (the shared Redis stays up) ------


class PrivateRedis:
    """A redis-server of this test's own, to stop and start (the shared one stays up)."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        assert wait_for(self._answers, timeout=10), "redis-server did not start"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def private_redis(monkeypatch):
    """Celery's broker is a redis-server this test starts and stops. Celery reads
    CELERY_BROKER_URL from the environment before its configuration: both change."""
    from helpdesk.celery import app

    redis = PrivateRedis()
    redis.start()
    saved = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    app.conf.broker_url = redis.url
    app._pool = app.amqp._producer_pool = None
    yield redis
    app.conf.broker_url = saved
    app._pool = app.amqp._producer_pool = None
    if redis.process.poll() is None:
        redis.stop()


# --- Worker processes of the tests' own -------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    """The test database, for a worker process started by a test."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@contextmanager
def worker_processes_running(*, name: str, concurrency: int = 2, **env: str):
    """``celery worker`` with prefork processes on the test database and the test
    broker (and ``env`` on top of this process's environment); yields its log's path.
    The broker's queue is purged before and after."""
    from helpdesk.celery import app

    app.control.purge()
    log = Path(tempfile.mkstemp(prefix=f"{name}-worker-", suffix=".log")[1])
    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "LOG_LEVEL": "WARNING",
        **env,
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--pool=prefork",
             f"--concurrency={concurrency}", "--loglevel=INFO", "--without-mingle",
             "--without-gossip", f"--hostname={name}-test@%h"],
            cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        assert wait_for(lambda: " ready." in log.read_text(), timeout=60), log.read_text()
        yield log
    finally:
        process.terminate()
        process.wait(timeout=30)
        app.control.purge()
