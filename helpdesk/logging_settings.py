"""The logging settings (``settings.LOGGING``): production logs one JSON object a line,
with the request's id and organisation code (core.request_log) and a line per request;
the demo prints the messages alone, as text."""

from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    loggers: dict[str, dict[str, Any]] = {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        # A line per request at INFO (core.request_log); LOG_LEVEL=WARNING drops them.
        "helpdesk.requests": {"level": "NOTSET" if log_format == "json" else "WARNING"},
    }
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
                "reserved_attrs": [*RESERVED_ATTRS, "request"],
            },
            "text": {"format": "%(message)s"},
        },
        "filters": {"request_context": {"()": "core.request_log.RequestContextFilter"}},
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
