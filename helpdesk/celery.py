"""The Celery app. Tasks are autodiscovered from each app's ``tasks.py``.

Enqueue from services with ``task.delay_on_commit(...)`` so that a task never runs
against a transaction that has not committed (or that rolled back).
"""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _create_filesystem_broker_folders(**kwargs):
    """The demo's filesystem broker needs its folders before the first message."""
    ensure_broker_folders()


def ensure_broker_folders() -> None:
    from pathlib import Path

    from django.conf import settings

    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
        if isinstance(folder, str):
            Path(folder).mkdir(parents=True, exist_ok=True)
