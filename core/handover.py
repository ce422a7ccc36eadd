"""Handing rows to the Celery workers by id, robustly.

An outbox row (an email, an event, a webhook delivery) is written in the transaction of
the change it belongs to; once that commits, its id is published to the broker. When
the broker is down the change has committed all the same and must not turn into an
error page: the rows stay pending and the app's sweep hands them out once it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import cast

from celery import current_app
from django.db import transaction
from kombu import Connection

log = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, ids: Sequence[int]) -> None:
    """Publish one task per id once the transaction commits (``task_name`` is the
    task's full name, e.g. ``notifications.tasks.send_email``)."""
    if ids:
        transaction.on_commit(partial(enqueue, task_name, list(ids)), robust=True)


def enqueue(task_name: str, ids: Sequence[int]) -> int:
    """Publish one task per id; on a broker error stop and leave the rest pending for
    the sweep. Returns how many were published.

    Fails fast: one connection attempt and no publish retries, so that a web request
    never waits for Redis to come back (kombu would otherwise retry for seconds).
    """
    task = current_app.tasks[task_name]
    published = 0
    try:
        if current_app.conf.task_always_eager:
            for pk in ids:
                task.apply_async((pk,))
                published += 1
            return published
        # kombu's pool hands out a Connection (its stubs say a Producer).
        with cast(Connection, current_app.pool.acquire(block=True, timeout=1)) as connection:
            connection.ensure_connection(max_retries=0)
            for pk in ids:
                # One attempt on this connection: a web request must not wait on Redis.
                task.apply_async((pk,), retry=False, connection=connection)  # type: ignore[call-arg]  # Celery passes it to the publisher
                published += 1
    except Exception:
        log.warning(
            "broker unavailable: %d %s task(s) left pending for the sweep",
            len(ids) - published,
            task_name,
            exc_info=True,
        )
    return published
