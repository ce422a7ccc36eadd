"""Requests refused before a view reads them (core.request_limits), and the text
limits every free-text form field states and enforces (tickets.limits)."""

import pytest
from django import forms as django_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.request_limits import AttachmentSizeHandler
from tickets import limits
from tickets.models import Reply, Ticket

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def test_a_body_over_the_request_limit_is_refused_without_being_read(client, personas):
    client.force_login(personas.admin_a)
    response = client.generic(
        "POST",
        reverse("ticket_create"),
        CONTENT_LENGTH=str(50 * MB),
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
    body = response.content.decode()
    assert "Each attachment may be up to 10.0\xa0MB" in body
    assert "up to 25.0\xa0MB" in body


def test_an_anonymous_oversized_post_is_refused_the_same_way(client):
    response = client.generic(
        "POST",
        "/notifications/inbound/postmark/",
        CONTENT_LENGTH=str(26 * MB),
        CONTENT_TYPE="application/json",
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413


def test_a_length_that_is_not_a_number_is_a_400(client):
    response = client.generic(
        "POST", "/accounts/login/", CONTENT_LENGTH="lots", **{"wsgi.input": UnreadableBody()}
    )
    assert response.status_code == 400


def test_the_upload_handler_keeps_no_more_than_the_attachment_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    handler = AttachmentSizeHandler()
    handler.new_file("attachments", "big.log", "text/plain", 1000)
    passed = [handler.receive_data_chunk(b"x" * 64, start) for start in range(0, 1000, 64)]
    assert passed[0] == b"x" * 64
    assert all(chunk is None for chunk in passed[2:])  # nothing past the limit goes on
    oversized = handler.file_complete(1000)
    assert oversized is not None and oversized.truncated and oversized.size > 100

    handler.new_file("attachments", "small.log", "text/plain", 50)
    assert handler.receive_data_chunk(b"y" * 50, 0) == b"y" * 50
    assert handler.file_complete(50) is None  # the next handler stores it


def test_an_attachment_over_the_limit_is_a_form_error_naming_the_limit(
    client,
    personas,
    contracts,
    settings,
    media,
):
    settings.ATTACHMENT_MAX_BYTES = 100 * 1024
    client.force_login(personas.admin_a)
    response = client.post(
        reverse("ticket_create"),
        {
            "type": "incident",
            "severity": "S2",
            "title": "Posting fails",
            "description": "Error 500 when posting.",
            "product_version": str(contracts["version"].pk),
            "intake_key": "key-big",
            "attachments": SimpleUploadedFile("big.log", b"x" * (300 * 1024)),
        },
    )
    assert response.status_code == 200
    assert "big.log is too large; the limit is 100.0\xa0KB." in response.content.decode()
    assert not Ticket.objects.exists()


# --- Text limits -------------------------------------------------------------------------

MEGABYTE_OF_WORDS = " ".join(f"w{n}" for n in range(160_000))[:1_000_000]


def test_a_megabyte_description_is_a_form_error_not_a_server_error(
    client,
    personas,
    contracts,
):
    client.force_login(personas.admin_a)
    response = client.post(
        reverse("ticket_create"),
        {
            "type": "incident",
            "severity": "S2",
            "title": "Posting fails",
            "description": MEGABYTE_OF_WORDS,
            "product_version": str(contracts["version"].pk),
            "intake_key": "key-long",
        },
    )
    assert response.status_code == 200
    assert "at most 20000 characters" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_megabyte_reply_is_refused_by_the_form_and_by_the_service(
    client,
    personas,
    make_ticket,
):
    from django.core.exceptions import ValidationError

    from tickets import services

    ticket = make_ticket()
    client.force_login(personas.admin_a)
    response = client.post(
        reverse("ticket_reply", args=[ticket.reference]), {"body": MEGABYTE_OF_WORDS}
    )
    assert response.status_code < 500
    client.force_login(personas.agent)
    response = client.post(
        reverse("workspace_reply", args=[ticket.reference]),
        {"body": MEGABYTE_OF_WORDS, "version": ticket.version},
    )
    assert response.status_code < 500
    assert not Reply.objects.filter(ticket=ticket).exists()
    # Email-in and tasks call the service without a form: it refuses too, in words.
    with pytest.raises(ValidationError) as refused:
        services.ticket_reply(personas.admin_a, ticket=ticket, body=MEGABYTE_OF_WORDS)
    assert "the limit is 20,000" in str(refused.value)


def _project_forms():
    import importlib
    import inspect

    modules = [
        "accounts.forms",
        "knowledge.forms",
        "notifications.forms",
        "dashboard.forms",
        "tickets.forms",
        "portal.forms",
        "workspace.forms",
    ]
    for name in modules:
        module = importlib.import_module(name)
        for _, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, django_forms.BaseForm) and form.__module__ == name:
                yield form


def test_every_free_text_field_of_every_form_has_a_length_limit():
    """Passwords aside: a hasher digests a password of any length into a fixed-size key
    first, and Django's own auth forms own those fields."""
    unlimited = []
    for form in _project_forms():
        for name, field in form.base_fields.items():
            if isinstance(field.widget, django_forms.PasswordInput):
                continue
            if type(field) is django_forms.CharField and field.max_length is None:
                unlimited.append(f"{form.__module__}.{form.__name__}.{name}")
    assert not unlimited, f"free-text fields without max_length: {unlimited}"


def test_long_text_fields_state_their_limit_in_the_help_text():
    stated = []
    for form in _project_forms():
        for name, field in form.base_fields.items():
            if isinstance(field.widget, django_forms.HiddenInput):
                continue  # nobody types it
            long = isinstance(field, django_forms.CharField) and (field.max_length or 0) >= 1000
            if long and str(limits.up_to(field.max_length)) not in str(field.help_text):
                stated.append(f"{form.__module__}.{form.__name__}.{name}")
    assert not stated, f"long text fields that do not state their limit: {stated}"


def test_a_message_that_quotes_a_megabyte_is_cut_short(client, personas):
    # The form's error quotes the choice sent; the message after the redirect carries
    # 500 characters of it, in the message cookie, not a megabyte in the session.
    client.force_login(personas.agent)
    response = client.post(reverse("workspace_take_next"), {"mode": "x" * 1_000_000})
    assert response.status_code == 302
    assert len(response.cookies["messages"].value) < 2_000
    page = client.get(response["Location"])
    (shown,) = [str(message) for message in page.context["messages"]]
    assert len(shown) == 500 and shown.endswith("x…")
