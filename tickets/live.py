"""Figures of the open tickets that many pages read again and again (the workspace's
queue counts, the dashboard's "now" section), shared between requests, processes and
users for up to LIVE_SECONDS and dropped at once when a ticket changes.

Every change of a ticket through the services records a history row, and the SLA
engine stores every new deadline: both call ``open_tickets_changed``, which gives the
figures a new revision. A figure cached under an older revision is computed again. A
write that bypasses the services (a data fix in the shell) is seen within LIVE_SECONDS.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

LIVE_SECONDS = 15
REVISION_KEY = "live:revision"

T = TypeVar("T")


def _new_revision() -> None:
    try:
        cache.set(REVISION_KEY, uuid.uuid4().hex, None)
    except Exception:  # a cache outage must not fail the change; figures expire anyway
        logger.warning("the live figures could not be marked stale", exc_info=True)


def open_tickets_changed() -> None:
    """Open tickets changed: the figures cached until now are stale, for this
    transaction at once (its own next reads) and for everyone at commit (figures cached
    meanwhile from what the others could see are dropped again)."""
    _new_revision()
    connection = transaction.get_connection()
    # Once per transaction, however many changes it makes.
    if not any(callback is _new_revision for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(_new_revision)


def shared(name: str, signature: list[str], compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for the same name and signature within
    LIVE_SECONDS with no change since: one cache round trip for both. Without a cache
    (an outage of a shared one), every page computes its own, as if nothing were kept."""
    digest = hashlib.sha256("|".join(signature).encode()).hexdigest()
    key = f"live:{name}:{digest}"
    try:
        found = cache.get_many([REVISION_KEY, key])
    except Exception:
        logger.warning("the live figures could not be read from the cache", exc_info=True)
        return compute()
    revision = found.get(REVISION_KEY, "")
    if key in found and found[key][0] == revision:
        return found[key][1]
    value = compute()
    try:
        cache.set(key, (revision, value), LIVE_SECONDS)
    except Exception:
        logger.warning("the live figures could not be kept in the cache", exc_info=True)
    return value
