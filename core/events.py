"""Domain events: the one door from the domain apps to those that react to them.

A domain service calls :func:`emit` inside its transaction; it names no app that
listens. The notifications app plugs in at start-up (its AppConfig.ready):

- its **outbox** (:func:`set_outbox`) stores each event in the caller's transaction
  (notifications.models.PendingEvent), so the event exists exactly when the change does:
  a rolled-back change never notifies anyone, and a committed one is never forgotten;
  a worker later runs the event's **handlers** (:func:`on`, :func:`dispatch`), which
  are safe to run twice;
- **in-transaction listeners** (:func:`on_emit`) run at once, inside the caller's
  transaction, for rows that must exist with the change itself (a new ticket's email
  thread root).

No app below notifications imports it: tickets, accounts and knowledge import this
module, and notifications subscribes to it (README "Layout").
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
Outbox = Callable[[str, dict], None]
_handlers: dict[str, list[Handler]] = {}
_listeners: dict[str, list[Handler]] = {}
_outbox: list[Outbox] = []
_muted: ContextVar[bool] = ContextVar("events_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Store no event for the handlers inside this block (the listeners still run):
    replaying demo history must not mail anyone."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def on(event: str) -> Callable[[Handler], Handler]:
    """Register a handler that a worker runs after the commit (notifications.handlers)."""

    def register(handler: Handler) -> Handler:
        _handlers.setdefault(event, []).append(handler)
        return handler

    return register


def on_emit(event: str) -> Callable[[Handler], Handler]:
    """Register a listener run at emit time, in the emitter's transaction, with the
    event's objects themselves (not their stored references)."""

    def register(listener: Handler) -> Handler:
        _listeners.setdefault(event, []).append(listener)
        return listener

    return register


def set_outbox(outbox: Outbox) -> None:
    """Where emitted events are stored for their handlers: ``outbox(name, payload)``
    with the payload encoded (models as references). Set once, at start-up."""
    _outbox[:] = [outbox]


def _encode(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"model": value._meta.label_lower, "pk": value.pk}
    return value


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"model", "pk"}


def emit(event: str, **payload) -> None:
    """Tell the listeners now and record the event for its handlers, in the caller's
    transaction. Ticket events carry the version the ticket has now, which names the
    event in its notifications' keys even if the ticket changes again before dispatch."""
    ticket = payload.get("ticket")
    if ticket is not None and "version" not in payload:
        payload["version"] = ticket.version
    for listener in _listeners.get(event, []):
        listener(**payload)
    if _muted.get() or not _handlers.get(event) or not _outbox:
        return
    log.debug("event %s %s", event, payload)
    _outbox[0](event, {key: _encode(value) for key, value in payload.items()})


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
