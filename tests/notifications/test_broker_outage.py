"""A Redis outage under a real, busy Celery worker: the worker survives it, and every
email is delivered exactly once after Redis comes back.

The worker is a ``celery worker`` process on the test database whose broker is a
redis-server of this test's own (never the shared one). Its email provider is slow
(tests/notifications/slow_mail.py), so it holds an unacknowledged message when Redis
stops; Redis comes back empty, as after a restart without persistence.
"""

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications import services
from notifications.models import OutboundEmail, OutboundState, PendingEvent
from tests.conftest import wait_for
from tests.notifications.conftest import ROOT, worker_database_url


def _compose_worker_command() -> list[str]:
    """The worker exactly as docker-compose.yml runs it (its options are what keeps it
    alive through an outage), with this interpreter's Celery."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["worker"]["command"]
    assert command[0] == "celery"
    return [sys.executable, "-m", "celery", *command[1:]]


@pytest.fixture
def busy_worker(transactional_db, private_redis):
    """``celery worker`` (prefork, both queues) on the private broker and the test
    database, sending through the slow provider. Yields (process, worker log, mail log)."""
    log = Path(tempfile.mkstemp(prefix="outage-worker-", suffix=".log")[1])
    mail_log = Path(tempfile.mkstemp(prefix="outage-mail-", suffix=".log")[1])
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": private_redis.url,
        "EMAIL_BACKEND": "tests.notifications.slow_mail.SlowLoggingBackend",
        "TEST_MAIL_LOG": str(mail_log),
        "TEST_MAIL_DELAY": "3",
        "LOG_LEVEL": "WARNING",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [*_compose_worker_command(), "--concurrency=2", "--hostname=outage-test@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        assert wait_for(lambda: " ready." in log.read_text(), timeout=60), log.read_text()
        yield process, log, mail_log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _lines(path: Path, prefix: str) -> list[str]:
    lines = path.read_text().splitlines()
    return [line.split(" ", 1)[1] for line in lines if line.startswith(prefix)]


@pytest.mark.django_db(transaction=True)
def test_a_worker_holding_work_survives_a_redis_outage_and_everything_is_sent_once(
    busy_worker, private_redis, make_ticket
):
    process, log, mail_log = busy_worker
    tickets = [make_ticket(severity="S2", title=f"Outage {n}") for n in range(3)]

    # The worker is sending (slowly): it holds unacknowledged messages. Redis goes away.
    assert wait_for(lambda: _lines(mail_log, "sending"), timeout=60), log.read_text()
    private_redis.process.kill()  # abruptly, as when its machine goes away
    private_redis.process.wait(timeout=10)
    time.sleep(4)  # the worker notices, finishes what it holds, and tries to reconnect
    private_redis.start()

    # Back: the worker reconnects instead of exiting.
    assert wait_for(lambda: log.read_text().count("Connected to redis") >= 2, timeout=60), (
        log.read_text()[-5000:]
    )
    assert process.poll() is None, log.read_text()[-5000:]

    # Whatever the outage lost is found by the sweep's recovery (run here a few minutes
    # "later", past its grace period); the worker sends it.
    def all_sent() -> bool:
        later = timezone.now() + dt.timedelta(minutes=5)
        services.events_redispatch_due(at=later)
        services.outbound_resend_due(at=later)
        with scopes_disabled():
            emails = OutboundEmail.objects.filter(ticket__in=tickets)
            return (
                not PendingEvent.objects.exists()
                and emails.exists()
                and not emails.exclude(state=OutboundState.SENT).exists()
            )

    assert wait_for(all_sent, timeout=90), log.read_text()[-5000:]
    time.sleep(3)  # anything sent twice would have shown up by now

    assert process.poll() is None, log.read_text()[-5000:]
    output = log.read_text()
    assert "Unrecoverable error" not in output, output[-5000:]
    # The clean-up of gossip and mingle after a lost connection fails like this first
    # (kombu #582): a worker that logs it is one outage away from exiting for good.
    assert "Error on restarting" not in output, output[-5000:]
    with scopes_disabled():
        message_ids = set(
            OutboundEmail.objects.filter(ticket__in=tickets).values_list("message_id", flat=True)
        )
    sent = Counter(_lines(mail_log, "sent"))
    assert set(sent) == message_ids
    assert all(count == 1 for count in sent.values()), sent
