"""The logging settings (``settings.LOGGING``): production logs one JSON object a line,
with the request's id and organisation code (core.request_log) and a line per request;
the demo prints the messages alone, as text."""

from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS

# The loggers whose records quote what a client sent (a path, a host): each cuts it to a
# thousand characters (core.request_log.BoundedRecord) before any handler sees it.
QUOTING_LOGGERS = ("django.request", "django.security", "helpdesk.requests")


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    loggers: dict[str, dict[str, Any]] = {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        **{name: {"filters": ["bounded"]} for name in QUOTING_LOGGERS},
    }
    # A line per request at INFO (core.request_log); LOG_LEVEL=WARNING drops them.
    loggers["helpdesk.requests"]["level"] = "NOTSET" if log_format == "json" else "WARNING"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",  # ISO 8601 in UTC, whatever TIME_ZONE says
                # Django's request loggers pass the request itself, whose text holds the
                # whole query string (a megabyte, when someone sends one): the line per
                # request (core.request_log) says the method, path and status instead.
                "reserved_attrs": [*RESERVED_ATTRS, "request", "bounded"],
            },
            "text": {"format": "%(message)s"},
        },
        "filters": {
            "request_context": {"()": "core.request_log.RequestContextFilter"},
            "bounded": {"()": "core.request_log.BoundedRecord"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_context"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers,
    }
