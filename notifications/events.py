"""Domain events that may notify people: the one door from the other apps to this one.

Services call :func:`emit` inside their transaction; each registered handler runs
after the commit, so a rolled-back change never notifies anyone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from django.db import transaction

log = logging.getLogger(__name__)

Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = {}
_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Emit nothing inside this block: replaying demo history must not mail anyone."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def on(event: str) -> Callable[[Handler], Handler]:
    """Register a handler for an event (used by notifications.handlers)."""

    def register(handler: Handler) -> Handler:
        _handlers.setdefault(event, []).append(handler)
        return handler

    return register


def emit(event: str, **payload) -> None:
    if _muted.get():
        return
    log.debug("event %s %s", event, payload)
    for handler in _handlers.get(event, []):
        transaction.on_commit(partial(handler, **payload))
