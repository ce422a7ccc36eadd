"""Every log line of a request says which request it was and whose organisation it
served; every request leaves one line of its own.

``RequestIdMiddleware`` (first in settings.MIDDLEWARE after Prometheus's) gives each
request an id: the caller's ``X-Request-ID`` when it is well formed (a load balancer's or
another service's, so that their logs and ours join), otherwise a new one. The response
carries it back in ``X-Request-ID``. ``RequestContextFilter``, on the log handler, adds
``request_id`` and ``organization`` (the code of the signed-in person's organisation, as
accounts.middleware.OrganizationScopeMiddleware resolved it; none for staff and anonymous
visitors) to every record logged while the request runs. Lines logged outside a request
(workers, commands) have neither.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponseBase

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, as request ids of proxies and tracers are: no
# control characters, spaces or quotes that could forge a log line, and at most 128.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")

_current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)

logger = logging.getLogger("helpdesk.requests")

# A path, host or header quoted in a log line is cut to this many characters: a client
# that sends a megabyte of path gets a 404, not a megabyte line in the logs.
LOGGED_TEXT_LIMIT = 1000


def request_id_from(header: str | None) -> str:
    """The caller's request id when well formed, else a new random one."""
    if header is not None and _WELL_FORMED_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        # Until the response is closed (_forget_request): Django logs a 4xx or 5xx
        # ("Not Found: …") after the last middleware has returned.
        _current_request.set(request)
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        # The path without its query string, which may hold what a person searched for.
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


def _forget_request(**kwargs: object) -> None:
    _current_request.set(None)


request_finished.connect(_forget_request, dispatch_uid="core.request_log")


class RequestContextFilter(logging.Filter):
    """Adds the running request's ``request_id`` and ``organization`` to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _current_request.get()
        organization = getattr(request, "organization", None)
        record.request_id = getattr(request, "request_id", None)
        record.organization = getattr(organization, "code", None)
        return True


def bounded(text: str) -> str:
    """``text``, cut to ``LOGGED_TEXT_LIMIT`` characters with how many there were."""
    if len(text) <= LOGGED_TEXT_LIMIT:
        return text
    return f"{text[:LOGGED_TEXT_LIMIT]}… ({len(text)} characters)"


class BoundedRecord(logging.Filter):
    """Cuts the long text in a record's arguments and its ``path`` (the request's path
    that Django's request loggers and ours quote). On the loggers that make such records,
    so that every handler, and every copy of the line, gets the cut one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "bounded", False):  # by another instance (logging configured again)
            return True
        record.bounded = True
        if isinstance(record.args, tuple):
            record.args = tuple(bounded(a) if isinstance(a, str) else a for a in record.args)
        path = getattr(record, "path", None)
        if isinstance(path, str):
            record.path = bounded(path)
        return True
