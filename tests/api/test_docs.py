"""The curl examples of docs/api.md work against the demo as written: each request is
sent, with its method, headers and body, to the app seeded by seed_demo."""

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.demo_data import seeded_demo  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[2]
DEMO = "http://127.0.0.1:8000"

pytestmark = pytest.mark.django_db


# ``name=$(curl … | grep -o '"field":"[^"]*"' | cut …)``: a request whose answer's field
# the later examples use as $name.
KEEP = re.compile(r"""^(?P<name>\w+)=\$\((?P<curl>curl .*?) \| grep -o '"(?P<field>\w+)":.*\)$""")


def curl_examples() -> list[tuple[str | None, str | None, list[str]]]:
    """(variable, field, curl's words) of each example, in order."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    examples = []
    for line in text.splitlines():
        kept = KEEP.match(line)
        if kept:
            examples.append((kept["name"], kept["field"], shlex.split(kept["curl"])))
        elif line.startswith("curl "):
            examples.append((None, None, shlex.split(line)))
    return examples


def request_of(words: list[str]) -> tuple[str, str, dict, str | dict | None]:
    """The request curl would send. ``-F name=@file`` sends a file of that name whose
    content is a line of text (the reader's own file is not here); ``-o`` is ignored."""
    method, headers, url = "GET", {}, None
    body: str | dict | None = None
    words = iter(words[1:])
    for word in words:
        if word == "-X":
            method = next(words)
        elif word == "-H":
            name, value = next(words).split(": ", 1)
            headers["HTTP_" + name.upper().replace("-", "_")] = value
        elif word == "-d":
            body = next(words)
        elif word == "-F":
            name, value = next(words).split("=", 1)
            form = body if isinstance(body, dict) else {}
            if value.startswith("@"):
                form[name] = SimpleUploadedFile(value[1:], b"E2044 at 02:10\n", "text/plain")
            else:
                form[name] = value
            body = form
        elif word == "-o":
            next(words)
        elif word.startswith(DEMO):
            url = word
        elif word not in ("-s", "-i"):
            raise AssertionError(f"an option the test does not know: {word}")
    assert url, "no URL"
    return method, url, headers, body


def test_the_curl_examples_work_against_the_seeded_demo(client, seeded_demo):  # noqa: F811
    examples = curl_examples()
    assert len(examples) >= 5
    variables: dict[str, str] = {}
    for name, field, words in examples:
        words = [re.sub(r"\$(\w+)", lambda m: variables[m[1]], word) for word in words]
        method, url, headers, body = request_of(words)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        content_type = headers.pop("HTTP_CONTENT_TYPE", "application/json")
        if method == "POST" and isinstance(body, dict):
            response = client.post(path, body, **headers)  # multipart, as curl -F
        elif method == "POST":
            response = client.post(path, body, content_type=content_type, **headers)
        else:
            response = client.get(path, **headers)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code in (200, 201), (url, response.status_code, content)
        if not response.streaming:  # a file downloaded; every other answer is JSON
            assert response["Content-Type"] == "application/json", (url, content)
            json.loads(content)
        if name:
            # As grep -o … | head -1 | cut: the field's first value in the answer.
            found = re.search(rf'"{field}":"?([^",}}]*)', content.decode())
            assert found, (url, field, content)
            variables[name] = found[1]


def test_the_demo_tokens_are_the_ones_the_page_shows():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    from api.demo import TOKENS

    for _email, _name, _scope, token in TOKENS:
        assert token in text
    assert re.search(r"hd_demo\w+_", text)
