import warnings
from datetime import timedelta

import pytest
from celery.exceptions import CPendingDeprecationWarning
from celery.worker.consumer.consumer import CANCEL_TASKS_BY_DEFAULT
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.tasks import clear_expired_sessions
from tests.conftest import wait_for


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_on_commit_runs_in_a_real_worker_over_redis(celery_worker):
    Session.objects.create(
        session_key="expired-session",
        session_data="{}",
        expire_date=timezone.now() - timedelta(days=1),
    )
    Session.objects.create(
        session_key="live-session",
        session_data="{}",
        expire_date=timezone.now() + timedelta(days=1),
    )
    with transaction.atomic():
        clear_expired_sessions.delay_on_commit()

    assert wait_for(lambda: not Session.objects.filter(session_key="expired-session").exists())
    assert Session.objects.filter(session_key="live-session").exists()


def test_celery_is_configured_for_at_least_once_delivery(settings):
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] <= 5


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_quiet_about_celery_6_cancelling_tasks_and_nothing_else(celery_worker):
    """The settings choose what a running task does on a connection loss; the worker's
    log setup turns Celery's own warnings on ahead of every filter set before it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn(CANCEL_TASKS_BY_DEFAULT, CPendingDeprecationWarning, stacklevel=1)
        warnings.warn("Another notice of Celery's.", CPendingDeprecationWarning, stacklevel=1)
    assert [str(warning.message) for warning in caught] == ["Another notice of Celery's."]
