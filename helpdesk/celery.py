"""The Celery app. Tasks are autodiscovered from each app's ``tasks.py``.

Enqueue from services with ``task.delay_on_commit(...)`` so that a task never runs
against a transaction that has not committed (or that rolled back).
"""

import os
import warnings

from celery import Celery
from celery.exceptions import CPendingDeprecationWarning
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _create_filesystem_broker_folders(**kwargs):
    """The demo's filesystem broker needs its folders before the first message."""
    ensure_broker_folders()


@worker_init.connect
def _quiet_the_cancelling_notice(**kwargs):
    """The settings choose what a running task does on a broker connection loss
    (CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS); Celery 5 still warns at
    every loss that Celery 6 will change its default. Its worker's log setup has just
    turned its own warnings on ("always"), ahead of any filter set before: this one goes
    ahead of that, for this notice alone."""
    warnings.filterwarnings(
        "ignore",
        message=r"\s*In Celery 5\.1 we introduced an optional breaking change",
        category=CPendingDeprecationWarning,
    )


def ensure_broker_folders() -> None:
    from pathlib import Path

    from django.conf import settings

    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
        if isinstance(folder, str):
            Path(folder).mkdir(parents=True, exist_ok=True)
