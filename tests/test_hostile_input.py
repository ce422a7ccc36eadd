"""Hostile input, walked over every URL pattern of the project, as every role.

Each URL (the table of tests/test_isolation.py, with its way of filling arguments) gets
hostile values in each of its path arguments, in every query parameter its view reads,
and, for views that accept POST, in every form field it reads: a NUL byte, control
characters, a 1 MB string, huge and negative numbers, dates in year 0, 1 and 9999, and
unicode junk. Every answer must be a page or a 4xx with a message, never a 500.

The parameters a view reads are found by asking it: one plain request with a recording
``QueryDict``, then one more with every parameter found set (a form read only when
another parameter is present shows up in the second round).
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from urllib.parse import quote, quote_plus

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.urls.converters import get_converters

from tests.test_isolation import (  # noqa: F401 - world and cached_sessions are fixtures
    ALL_URLS,
    LOGOUTS,
    ROLE_ACCESS,
    ROLES,
    RULES,
    _client_for,
    cached_sessions,
    world,
)

# A megabyte of distinct words: PostgreSQL's full-text document of it is over its limit
# ("string is too long for tsvector"), where one long word would simply be skipped.
MEGABYTE = " ".join(f"w{n}" for n in range(160_000))[:1_000_000]
HOSTILE = {
    "nul": "\x00",
    "nul_inside": "ab\x00cd",
    "control": "\x1b[31m\x07\x08",
    "megabyte": MEGABYTE,
    "huge_int": "9" * 40,
    "negative": "-1",
    "minus_huge": "-" + "9" * 25,
    "year_0": "0000-01-01",
    "year_1": "0001-01-01",
    "year_9999": "9999-12-31",
    "unicode_junk": "\u202e\ufeff\u0300\U0001f4a5\u200b\ufffd" * 3,
}
# Path arguments get the same values, plus the real value with a NUL or control byte
# appended (``/tickets/ACME-1%00/``) and bare years for the report's <yyyy>.
PATH_EXTRA = {"year_zero": "0000", "year_one": "0001", "year_max": "9999"}
# Parameters some views read only when they are present (htmx fragments, filters).
ALWAYS_TRY = {"page", "q"}
# While one parameter is hostile, the others the view reads get these values, so that
# the hostile one is read on the path that uses it (a custom period's dates, a search's
# page number).
BENIGN = {"period": "custom", "start": "2026-01-01", "end": "2026-01-31", "q": "scanner"}

# A value for each converter that cannot be mistaken for another part of the URL.
SENTINELS = {
    "int": 987654321,
    "str": "SENTINELQ",
    "slug": "sentinelq",
    "uuid": "0f0e0d0c-0b0a-4909-8807-060504030201",
    "ref": "SENTQ-987654",
    "yyyy": 2019,
    "mm": 7,
}


CONVERTER_NAMES = {type(converter): name for name, converter in get_converters().items()}


@contextmanager
def _recording_keys():
    """Every key any QueryDict is asked for, while the block runs."""
    seen: set[str] = set()
    with pytest.MonkeyPatch.context() as patch:
        for method in ("get", "getlist", "__getitem__", "__contains__"):
            original = getattr(QueryDict, method)

            def recorder(self, key, *args, _original=original, **kwargs):
                if isinstance(key, str):
                    seen.add(key)
                return _original(self, key, *args, **kwargs)

            patch.setattr(QueryDict, method, recorder)
        yield seen


@functools.cache
def _quoted(value: str) -> str:
    # Quoting the megabyte takes the standard library about 50 ms: once, not per request.
    return quote_plus(value)


@functools.cache
def _quoted_path(value: str) -> str:
    return quote(value, safe="")


def _with_query(url: str, data: dict[str, str]) -> str:
    """The URL with ``data`` as its query string (what the test client's ``get`` would
    build from ``data``, with each value quoted once for the whole walk)."""
    if not data:
        return url
    query = "&".join(f"{_quoted(key)}={_quoted(value)}" for key, value in data.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _request(client, method: str, url: str, data=None):
    """The response, or the exception the view raised; in a savepoint, so that a failed
    query does not break the test's transaction for the next request."""
    try:
        with transaction.atomic():
            if method == "GET":
                return client.get(_with_query(url, data or {}))
            return client.post(url, data or {})
    except Exception as error:  # noqa: BLE001 - any exception is the finding
        return error


def _keys_read(client, method: str, url: str) -> set[str]:
    with _recording_keys() as seen:
        _request(client, method, url)
    first = set(seen)
    with _recording_keys() as seen:
        _request(client, method, url, dict.fromkeys(first, "1"))
    return (first | seen | ALWAYS_TRY) - {"csrfmiddlewaretoken"}


def _path_variants(name: str, pattern, kwargs: dict) -> list[tuple[str, str]]:
    """(label, url) with one path argument replaced by a hostile value."""
    if not kwargs:
        return []
    converters = pattern.pattern.converters
    variants = []
    for key, value in kwargs.items():
        converter = converters.get(key)
        # An argument of an included URLconf's prefix (allauth's keys/<int:pk>/…) is not
        # among the last pattern's converters: its value tells the kind.
        kind = CONVERTER_NAMES.get(type(converter), "int" if isinstance(value, int) else "str")
        sentinel = SENTINELS.get(kind, "SENTINELQ")
        url = reverse(name, kwargs={**kwargs, key: sentinel})
        placeholder = converter.to_url(sentinel) if converter else str(sentinel)
        hostile = {
            **HOSTILE,
            **PATH_EXTRA,
            "value_nul": f"{value}\x00",
            "value_control": f"{value}\x1f",
            "value_newline": f"{value}\n",
        }
        for label, bad in hostile.items():
            variants.append((f"path {key}={label}", url.replace(placeholder, _quoted_path(bad))))
    return variants


def _refused(client, method: str, url: str) -> bool:
    result = _request(client, method, url)
    if isinstance(result, Exception):
        return False
    if result.status_code == 403:
        return True
    return result.status_code == 302 and result["Location"].startswith(reverse("login"))


def _describe(result) -> str:
    if isinstance(result, Exception):
        return f"{type(result).__name__}: {str(result)[:160]}"
    return str(result.status_code)


# The administrator reaches no view the manager does not but the Django admin (not walked
# here) and the webhooks' pages: walking every other page as both would read the same
# code twice.
WALKED_ROLES = ROLES
ADMINISTRATORS_OWN = ("webhook_",)
# Likewise a role and the role it extends, on the pages both open: the manager and the
# agent on the pages of all staff (the queue, a ticket's actions, search, the profile),
# the customer administrator and the customer user on the portal's. The narrower role
# walks them whole; the wider one walks the parameters its requests read that the
# narrower role's do not (a manager's filters and forms), and whole the pages only it
# opens. Each such page is walked once, not twice, leaving out nothing that the wider
# role's request reads.
EXTENDS = {"manager": "agent", "admin_a": "user_a"}
# The walks that take longest (a saved view stored and its queue shown, an escalation
# accepted, a ticket taken: 8 to 28 s each as the manager), first, so that the
# interleaved slices below give each its own part.
SLOWEST = ("workspace_view_create", "escalation_accept", "workspace_take_next")
WALKED_URLS = sorted(
    (
        (name, pattern)
        for name, pattern in ALL_URLS
        if not name.startswith("admin:") and name not in LOGOUTS
    ),
    key=lambda item: item[0] not in SLOWEST,
)
# Each role's walk in PARTS interleaved slices of the URL list (together all of it), so
# that the test processes share the walk.
PARTS = 4


@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("role", WALKED_ROLES)
def test_no_url_answers_hostile_input_with_a_server_error(
    role,
    part,
    world,  # noqa: F811 - the fixture
    cached_sessions,  # noqa: F811 - the fixture
    client,
):
    client.raise_request_exception = True
    client = _client_for(role, world, client)
    narrower = EXTENDS.get(role)
    if narrower:
        narrower_client = _client_for(narrower, world, Client(raise_request_exception=True))
    failures = []
    for name, pattern in WALKED_URLS[part::PARTS]:
        if role == "administrator" and not name.startswith(ADMINISTRATORS_OWN):
            continue
        rule = RULES[name]
        kwargs = rule.kwargs(world)
        url = reverse(name, kwargs=kwargs)
        methods = ["POST"] if rule.post_only else ["GET"]
        if not rule.post_only and name in POST_TOO:
            methods.append("POST")
        shared = narrower is not None and rule.access in ROLE_ACCESS[narrower]
        for method in methods:
            if not shared:
                for label, bad_url in _path_variants(name, pattern, kwargs):
                    result = _request(client, method, bad_url)
                    if isinstance(result, Exception) or result.status_code >= 500:
                        failures.append(f"{method} {name} {label} as {role}: {_describe(result)}")
            keys = _keys_read(client, method, url)
            if keys == ALWAYS_TRY and _refused(client, method, url):
                # Turned away (to sign in, or 403) before reading a single parameter:
                # whatever their values, this role never gets further. The roles the
                # view lets in walk its parameters with every hostile value.
                continue
            if shared:
                keys -= _keys_read(narrower_client, method, url)
            for key in sorted(keys):
                others = {k: v for k, v in BENIGN.items() if k in keys and k != key}
                for label, bad in HOSTILE.items():
                    result = _request(client, method, url, {**others, key: bad})
                    if isinstance(result, Exception) or result.status_code >= 500:
                        failures.append(
                            f"{method} {name} {key}={label} as {role}: {_describe(result)}"
                        )
            if method == "POST" and not shared:
                # Query parameters of a form posted to this URL.
                for key in sorted(ALWAYS_TRY):
                    for label, bad in HOSTILE.items():
                        result = _request(client, method, _with_query(url, {key: bad}))
                        if isinstance(result, Exception) or result.status_code >= 500:
                            failures.append(
                                f"POST {name} ?{key}={label} as {role}: {_describe(result)}"
                            )
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)


# Pages that show a form on GET and take it on POST.
POST_TOO = {
    "ticket_create",
    "contact_invite",
    "organization_sso",
    "profile",
    "login",
    "openid_connect_login",
    "saml_login",
    "saml_acs",
    "account_reauthenticate",
    "mfa_authenticate",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "mfa_login_webauthn",
    "password_reset",
    "password_change",
    "password_reset_confirm",
    "invitation_accept",
    "notification_preferences",
    "workspace_log",
    "workspace_canned_responses",
    "workspace_canned_response_edit",
    "api_tickets",
    "api_ticket_replies",
    "api_ticket_attachments",
    "webhook_list",
    "webhook_detail",
}


@pytest.mark.parametrize(("year", "month"), [("0000", "01"), ("0001", "01"), ("9999", "12")])
def test_a_monthly_report_outside_the_dashboards_years_is_a_404(client, personas, year, month):
    client.force_login(personas.manager)
    for suffix in ("/", ".csv"):
        url = f"/dashboard/organisations/{personas.org_a.code}/report/{year}-{month}{suffix}"
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01", "0001-01-31"), ("9999-12-01", "9999-12-31"), ("1999-12-31", "2000-01-01")],
)
def test_a_custom_period_outside_the_dashboards_years_says_which_dates_it_takes(
    client, personas, start, end
):
    client.force_login(personas.manager)
    query = {"period": "custom", "start": start, "end": end}
    for url in ("/dashboard/", f"/dashboard/organisations/{personas.org_a.code}/"):
        response = client.get(url, query)
        assert response.status_code == 200, url
        assert "Choose dates from 1 January 2000 to 31 December 2099." in (
            response.content.decode()
        )


def test_a_huge_page_number_of_a_search_shows_the_last_page(client, personas):
    client.force_login(personas.agent)
    response = client.get("/workspace/search/", {"q": "scanner", "page": "9" * 30})
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/workspace/search/", "/workspace/pickers/contacts/"])
def test_a_nul_byte_in_a_query_is_refused_with_a_400_that_says_so(client, personas, url):
    client.force_login(personas.agent)
    response = client.get(url + "?q=ab%00cd")
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
