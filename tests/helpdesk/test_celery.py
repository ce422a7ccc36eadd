from datetime import timedelta

import pytest
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
