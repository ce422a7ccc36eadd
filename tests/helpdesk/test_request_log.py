"""Production's log lines are JSON objects that carry the request's id and the code of
the signed-in person's organisation (core.request_log, settings.LOGGING)."""

import io
import json
import logging
import logging.config
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from core.request_log import request_id_from

ROOT = Path(__file__).resolve().parents[2]
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_lines():
    """What the configured console handler writes (JSON: the tests run with DEBUG off),
    as parsed lines. The logging settings are applied afresh: a Celery worker started
    in this process earlier (the celery_worker fixture) takes over the root logger."""
    logging.config.dictConfig(settings.LOGGING)
    (console,) = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    assert isinstance(console, logging.StreamHandler)
    written = io.StringIO()
    previous = console.setStream(written)
    yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]
    console.setStream(previous)


@pytest.mark.django_db
def test_a_requests_log_lines_carry_its_id_and_organisation(client, personas, log_lines):
    client.force_login(personas.user_a)
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a9c:01")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3a9c:01"
    lines = log_lines()
    # Django's own line about the missing page, and the request's line.
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["message"] == "Not Found: /no-such-page/"
    (request_line,) = [line for line in lines if line["logger"] == "helpdesk.requests"]
    for line in (not_found, request_line):
        assert line["request_id"] == "lb-7f3a9c:01"
        assert line["organization"] == "ACME"
    assert request_line["message"] == "GET /no-such-page/ 404"
    assert request_line["status"] == 404
    assert request_line["level"] == "INFO"
    assert request_line["time"].endswith("+00:00")


@pytest.mark.django_db
def test_staff_and_visitors_have_no_organisation_and_get_a_new_id(client, personas, log_lines):
    client.force_login(personas.agent)
    response = client.get("/accounts/login/")
    assert GENERATED.fullmatch(response["X-Request-ID"])
    (request_line,) = [line for line in log_lines() if line["logger"] == "helpdesk.requests"]
    assert request_line["request_id"] == response["X-Request-ID"]
    assert request_line["organization"] is None


def test_a_line_logged_outside_a_request_has_no_request(log_lines):
    logging.getLogger("helpdesk.test").warning("a worker's line")
    (line,) = log_lines()
    assert line["message"] == "a worker's line"
    assert line["request_id"] is None
    assert line["organization"] is None


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 129,  # too long
        "abc\x07def",  # a control character
        "abc\r\nX-Injected: 1",  # a forged header or log line
        '"}{"level": "CRITICAL',  # a forged JSON field
        "abc def",  # a space
        "",
        "-leading-dash",
        "ünïcode",
    ],
)
def test_a_hostile_request_id_is_replaced(hostile):
    assert GENERATED.fullmatch(request_id_from(hostile))


@pytest.mark.parametrize(
    "given", ["a" * 128, "0c5e0f0d-6f7b-4a7e-9d2b-0b8f3f1b9c11", "Root=1-67a:b/c+d"]
)
def test_a_well_formed_request_id_is_kept(given):
    assert request_id_from(given) == given


@pytest.mark.django_db
def test_a_hostile_request_id_header_is_replaced_in_the_response(client, log_lines):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="x" * 500)
    assert GENERATED.fullmatch(response["X-Request-ID"])
    (request_line,) = [line for line in log_lines() if line["logger"] == "helpdesk.requests"]
    assert request_line["request_id"] == response["X-Request-ID"]


def _log_format(**env: str) -> str:
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    result = subprocess.run(
        [sys.executable, "-c", "from helpdesk import settings; print(settings.LOG_FORMAT)"],
        cwd=ROOT,
        env={**clean, "SECRET_KEY": "log-format-probe", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_production_logs_json_and_the_demo_text():
    assert _log_format(DEBUG="false") == "json"
    assert _log_format(DEBUG="true") == "text"
    assert _log_format(DEBUG="false", LOG_FORMAT="text") == "text"


@pytest.mark.django_db
def test_a_huge_query_string_stays_out_of_the_log(client, personas, log_lines):
    # Django's line about a refused request carries the request, whose text is its whole
    # path and query: the JSON line leaves it out (the request's line says what it was).
    client.force_login(personas.agent)
    response = client.get("/no-such-page/", {"q": "x" * 100_000})
    assert response.status_code == 404
    lines = log_lines()
    assert {line["logger"] for line in lines} >= {"django.request", "helpdesk.requests"}
    for line in lines:
        assert "request" not in line
        assert len(json.dumps(line)) < 2_000


@pytest.mark.django_db
def test_a_huge_path_is_cut_in_every_copy_of_its_log_lines(client, personas, log_lines, caplog):
    # Django's "Not Found: <path>" and the request's own line quote the path: the
    # loggers cut it, so the console and every other handler (here pytest's) get a line
    # of about a thousand characters, not a megabyte.
    client.force_login(personas.agent)
    path = "/no-such-page/" + "p" * 1_000_000 + "/"
    assert client.get(path).status_code == 404
    lines = log_lines()
    assert {line["logger"] for line in lines} >= {"django.request", "helpdesk.requests"}
    for line in lines:
        assert len(json.dumps(line)) < 2_500, line["logger"]
        assert f"({len(path)} characters)" in line["message"]
        assert "bounded" not in line
    quoted = [r for r in caplog.records if r.name in ("django.request", "helpdesk.requests")]
    assert len(quoted) == 2
    assert all(len(record.getMessage()) < 1_200 for record in quoted)
