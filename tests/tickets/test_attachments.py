"""Attachments: what may be uploaded, how it is served, and who may download it."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories
from tickets import services
from tickets.attachments import validate_upload
from tickets.models import Attachment, Reply, Ticket, TicketCounter

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
HTML_TEXT = b"<html><script>alert(document.cookie)</script></html>\n"

# Uploaded files go to a temporary folder, never into the working tree.
pytestmark = pytest.mark.usefixtures("media")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# --- What may be uploaded ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("screenshot.png", PNG, "image/png"),
        ("report.pdf", PDF, "application/pdf"),
        ("server.log", b"2026-11-24 ERROR posting failed\n", "text/plain"),
        ("page-source.txt", HTML_TEXT, "text/plain"),  # text that looks like HTML is text
        ("export.csv", "név;összeg\nÁrvíztűrő;12\n".encode(), "text/csv"),
    ],
)
def test_allowed_files_are_accepted_with_the_type_they_are_served_as(name, content, content_type):
    assert validate_upload(upload(name, content)) == content_type


def test_a_file_over_the_size_limit_is_refused_saying_the_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload("big.log", b"x" * 1025))
    assert refused.value.message_dict["attachments"] == [
        "big.log is 1.0\xa0KB; the limit is 1.0\xa0KB."
    ]
    assert validate_upload(upload("fits.log", b"x" * 1024)) == "text/plain"


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "setup.exe", "README", "x.HTM"])
def test_forbidden_extensions_are_refused(name):
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload(name, b"hello"))
    assert "cannot be attached" in refused.value.message_dict["attachments"][0]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", PNG),  # PNG bytes named .pdf
        ("photo.png", PDF),
        ("photo.jpg", b"just some text"),
        ("notes.txt", PNG),  # binary named as text
        ("dump.log", b"abc\x00def"),
    ],
)
def test_content_that_does_not_match_the_name_is_refused(name, content):
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload(name, content))
    assert name in refused.value.message_dict["attachments"][0]


# --- How it is served, and to whom -------------------------------------------------------


@pytest.fixture
def ticket_with_files(make_ticket, personas):
    ticket = make_ticket(
        severity="S2",
        attachments=[upload("page-source.txt", HTML_TEXT), upload("screenshot.png", PNG)],
    )
    services.ticket_reply(
        personas.agent,
        ticket=ticket,
        body="Internal analysis attached.",
        internal=True,
        attachments=[upload("analysis.log", b"stack trace\n")],
    )
    return ticket


def _url(ticket: Ticket, filename: str) -> str:
    attachment = Attachment.objects.get(ticket=ticket, filename=filename)
    return reverse("attachment_download", args=[ticket.reference, attachment.pk])


@pytest.mark.django_db
def test_download_is_always_an_attachment_never_sniffed_and_sandboxed(
    client, personas, ticket_with_files
):
    client.force_login(personas.admin_a)
    response = client.get(_url(ticket_with_files, "page-source.txt"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="page-source.txt"'
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == HTML_TEXT


@pytest.mark.django_db
def test_stored_files_get_random_names_not_the_uploaded_ones(ticket_with_files, media):
    attachment = Attachment.objects.get(ticket=ticket_with_files, filename="page-source.txt")
    assert "page-source" not in attachment.file.name
    assert attachment.file.name.startswith(f"attachments/{ticket_with_files.organization_id}/")


@pytest.mark.django_db
def test_customer_of_another_organisation_gets_404(client, personas, ticket_with_files):
    client.force_login(personas.admin_b)
    assert client.get(_url(ticket_with_files, "screenshot.png")).status_code == 404


@pytest.mark.django_db
def test_colleague_not_on_the_ticket_gets_404_and_once_copied_may_download(
    client, personas, ticket_with_files
):
    client.force_login(personas.user_a)  # the ticket is Alice's; Arthur is not on it
    url = _url(ticket_with_files, "screenshot.png")
    assert client.get(url).status_code == 404  # as for a missing ticket
    services.ticket_add_watcher(personas.admin_a, ticket=ticket_with_files, watcher=personas.user_a)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_files_of_internal_notes_are_404_for_customers_and_served_to_staff(
    client, personas, ticket_with_files
):
    url = _url(ticket_with_files, "analysis.log")
    client.force_login(personas.admin_a)
    assert client.get(url).status_code == 404
    client.force_login(personas.agent)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_attachment_of_another_ticket_is_404_through_this_ticket(
    client, make_ticket, personas, ticket_with_files
):
    other = make_ticket(severity="S3", title="Another one")
    attachment = Attachment.objects.get(ticket=ticket_with_files, filename="screenshot.png")
    client.force_login(personas.admin_a)
    url = reverse("attachment_download", args=[other.reference, attachment.pk])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_download_answers_only_get(client, personas, ticket_with_files):
    client.force_login(personas.admin_a)
    assert client.post(_url(ticket_with_files, "screenshot.png")).status_code == 405


# --- Errors on the forms ---------------------------------------------------------------


def _form_data(contracts, **extra):
    return {
        "type": "incident",
        "severity": "S2",
        "title": "Posting fails for batch 7",
        "description": "Error 500 when posting.",
        "business_impact": "",
        "product_version": str(contracts["version"].pk),
        "intake_key": "key-attachments",
        **extra,
    }


def _field_block(html: str, field: str) -> str:
    """The markup of one form field as crispy renders it, from its wrapper to the next."""
    start = html.index(f'id="div_id_{field}"')
    following = html.find('id="div_id_', start + 1)
    return html[start : following if following != -1 else len(html)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "cannot be attached"),
        ("invoice.pdf", PNG, "does not match its name"),
    ],
)
def test_bad_attachment_error_shows_beside_the_field_and_keeps_what_was_typed(
    client, personas, contracts, name, content, message
):
    client.force_login(personas.admin_a)
    data = _form_data(contracts, attachments=upload(name, content))
    response = client.post(reverse("ticket_create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in _field_block(html, "attachments")
    assert 'value="Posting fails for batch 7"' in _field_block(html, "title")
    assert "Error 500 when posting." in _field_block(html, "description")
    assert not Ticket.objects.exists()
    assert not TicketCounter.objects.filter(last_number__gt=0).exists()


@pytest.mark.django_db
def test_too_large_attachment_error_shows_beside_the_field(client, personas, contracts, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    client.force_login(personas.admin_a)
    data = _form_data(contracts, attachments=upload("big.log", b"x" * 11))
    response = client.post(reverse("ticket_create"), data)
    assert "the limit is 10\xa0bytes" in _field_block(response.content.decode(), "attachments")
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_new_ticket_with_an_attachment_links_it_on_the_ticket_page(client, personas, contracts):
    client.force_login(personas.admin_a)
    data = _form_data(contracts, attachments=upload("screenshot.png", PNG))
    response = client.post(reverse("ticket_create"), data, follow=True)
    ticket = Ticket.objects.get()
    attachment = ticket.attachments.get()
    assert (attachment.content_type, attachment.size) == ("image/png", len(PNG))
    assert reverse("attachment_download", args=[ticket.reference, attachment.pk]) in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_reply_with_a_refused_attachment_is_not_sent(client, personas, make_ticket):
    ticket = make_ticket(severity="S3")
    client.force_login(personas.admin_a)
    response = client.post(
        reverse("ticket_reply", args=[ticket.reference]),
        {"body": "See attached", "attachments": upload("logo.svg", b"<svg/>")},
        follow=True,
    )
    assert "logo.svg: files of this type cannot be attached" in response.content.decode()
    assert not Reply.objects.filter(ticket=ticket).exists()


@pytest.mark.django_db
def test_attachments_are_stored_per_organisation(make_ticket, personas):
    other = factories.customer(personas.org_b, full_name="Gus Globex")
    ticket = make_ticket(
        requester=other, severity="S3", attachments=[upload("server.log", b"boot\n")]
    )
    assert ticket.attachments.get().organization_id == personas.org_b.pk
