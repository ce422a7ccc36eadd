"""Domain events that may notify people: the one door from the other apps to this one.

Services call :func:`emit` inside their transaction. The event is written to the outbox
of events (:class:`~notifications.models.PendingEvent`) in that same transaction, so it
exists exactly when the change does: a rolled-back change never notifies anyone, and a
committed one is never forgotten. After the commit it is handed to a worker, which runs
each registered handler (:func:`dispatch`); the request does not wait for the
notifications and emails to be written. Handlers are safe to run twice (every row they
write has its natural key), so an event dispatched again after a failure or a lost
task notifies nobody twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.db import models

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


def _encode(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"model": value._meta.label_lower, "pk": value.pk}
    return value


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"model", "pk"}


def emit(event: str, **payload) -> None:
    """Record the event in the caller's transaction; a worker dispatches it after the
    commit. Ticket events carry the version the ticket has now, which names the event
    in its notifications' keys even if the ticket changes again before dispatch."""
    if _muted.get() or not _handlers.get(event):
        return
    from notifications.models import PendingEvent
    from notifications.services import events_enqueue_on_commit

    ticket = payload.get("ticket")
    if ticket is not None and "version" not in payload:
        payload["version"] = ticket.version
    log.debug("event %s %s", event, payload)
    pending = PendingEvent.objects.create(
        name=event, payload={key: _encode(value) for key, value in payload.items()}
    )
    events_enqueue_on_commit([pending.pk])


def dispatch(name: str, payload: dict) -> None:
    """Run every handler of an event, in the caller's transaction; an error propagates
    (the caller keeps the event for another attempt). An event about a row that no
    longer exists is dropped."""
    kwargs = {}
    for key, value in payload.items():
        if _is_reference(value):
            model = apps.get_model(value["model"])
            value = model._base_manager.filter(pk=value["pk"]).first()
            if value is None:
                log.warning("event %s dropped: its %s no longer exists", name, key)
                return
        kwargs[key] = value
    for handler in _handlers.get(name, []):
        handler(**kwargs)
