"""Attachments in S3-compatible object storage (issue #24): sent through the ticket page
and the API into a bucket of a real S3 API server (moto's, started for the run), and
downloaded through the app by exactly whom the disk's files are (tests/tickets/
test_attachments.py), with a stored file gone missing a 404 that says so."""

import logging
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from api import services as api_services
from tickets.models import Attachment

pytestmark = pytest.mark.django_db

LOG = b"2026-12-06 02:10 E2044 posting failed at row 5012\n"


def upload(name: str, content: bytes = LOG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def page_url(attachment: Attachment) -> str:
    return reverse("attachment_download", args=[attachment.ticket.reference, attachment.pk])


def api_url(attachment: Attachment) -> str:
    return reverse("api_ticket_attachment", args=[attachment.ticket.reference, attachment.pk])


def bearer(user) -> dict[str, str]:
    _, raw = api_services.api_token_create(user, name="tests", scope="write")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def send_on_page(client, user, ticket, name: str, content: bytes = LOG, **extra) -> Attachment:
    client.force_login(user)
    response = client.post(
        reverse("ticket_reply", args=[ticket.reference]),
        {"body": "The log is attached.", "attachments": upload(name, content), **extra},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Attachment.objects.get(ticket=ticket, filename=name)


def test_a_file_sent_on_the_ticket_page_lands_in_the_bucket_and_its_customer_downloads_it(
    client, personas, make_ticket, s3_media, s3_server
):
    ticket = make_ticket(severity="S2")
    attachment = send_on_page(client, personas.admin_a, ticket, "export.log")
    assert s3_server.keys(s3_media) == [attachment.file.name]
    assert attachment.file.name.startswith(f"attachments/{personas.org_a.pk}/")
    stored = s3_server.client.get_object(Bucket=s3_media, Key=attachment.file.name)
    assert stored["Body"].read() == LOG

    response = client.get(page_url(attachment))
    assert response.status_code == 200
    assert body(response) == LOG
    assert response["Content-Disposition"] == 'attachment; filename="export.log"'
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    # Streamed by the app, never a redirect to the bucket.
    assert s3_server.endpoint not in str(response.headers)


def test_a_file_sent_through_the_api_lands_in_the_bucket_and_downloads_through_the_api(
    client, personas, make_ticket, s3_media, s3_server
):
    ticket = make_ticket(severity="S2")
    headers = bearer(personas.admin_a)
    sent = client.post(
        reverse("api_ticket_attachments", args=[ticket.reference]),
        {"file": upload("export.log"), "body": "The log of last night's run."},
        **headers,
    )
    assert sent.status_code == 201, sent.json()
    attachment = Attachment.objects.get(pk=sent.json()["id"])
    assert s3_server.keys(s3_media) == [attachment.file.name]

    got = client.get(api_url(attachment), **headers)
    assert got.status_code == 200
    assert body(got) == LOG
    assert got["Content-Disposition"] == 'attachment; filename="export.log"'


def test_a_colleague_on_the_ticket_downloads_it_and_another_organisation_gets_404(
    client, personas, make_ticket, s3_media
):
    ticket = make_ticket(severity="S2", attachments=[upload("export.log")])
    attachment = ticket.attachments.get()

    client.force_login(personas.admin_b)
    assert client.get(page_url(attachment)).status_code == 404
    assert client.get(api_url(attachment), **bearer(personas.admin_b)).status_code == 404

    client.force_login(personas.agent)
    assert body(client.get(page_url(attachment))) == LOG


def test_an_internal_notes_file_is_404_to_the_customer_and_served_to_staff(
    client, personas, make_ticket, s3_media, s3_server
):
    ticket = make_ticket(severity="S2")
    note = send_on_page(
        client, personas.agent, ticket, "analysis.log", b"stack trace\n", internal="on"
    )
    assert note.reply.is_internal
    assert s3_server.keys(s3_media) == [note.file.name]

    client.force_login(personas.admin_a)
    assert client.get(page_url(note)).status_code == 404
    assert client.get(api_url(note), **bearer(personas.admin_a)).status_code == 404

    client.force_login(personas.agent)
    assert body(client.get(page_url(note))) == b"stack trace\n"
    assert body(client.get(api_url(note), **bearer(personas.agent))) == b"stack trace\n"


def test_a_file_gone_from_the_bucket_is_a_logged_404_on_the_page_and_the_api(
    client, personas, make_ticket, s3_media, s3_server, caplog
):
    ticket = make_ticket(severity="S2", attachments=[upload("export.log")])
    attachment = ticket.attachments.get()
    s3_server.client.delete_object(Bucket=s3_media, Key=attachment.file.name)

    client.force_login(personas.admin_a)
    with caplog.at_level(logging.ERROR, logger="tickets.attachments"):
        page = client.get(page_url(attachment))
    assert page.status_code == 404
    assert "The file export.log is no longer stored" in page.content.decode()
    assert ticket.reference in page.content.decode()
    logged = [r for r in caplog.records if r.name == "tickets.attachments"]
    assert len(logged) == 1 and attachment.file.name in logged[0].getMessage()

    answer = client.get(api_url(attachment), **bearer(personas.admin_a))
    assert answer.status_code == 404
    assert answer.json() == {
        "detail": "The file export.log is no longer stored. Ask support to send it again."
    }


def test_a_file_gone_from_the_disk_is_the_same_404(client, personas, make_ticket, media):
    ticket = make_ticket(severity="S2", attachments=[upload("export.log")])
    attachment = ticket.attachments.get()
    (media / attachment.file.name).unlink()
    client.force_login(personas.admin_a)
    page = client.get(page_url(attachment))
    assert page.status_code == 404
    assert "The file export.log is no longer stored" in page.content.decode()
    assert client.get(api_url(attachment), **bearer(personas.admin_a)).status_code == 404


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ('say "hi" \\ there.log', 'attachment; filename="say \\"hi\\" \\\\ there.log"'),
        (
            "Árvíztűrő „végleges” jelentés.txt",
            "attachment; filename*=utf-8''"
            "%C3%81rv%C3%ADzt%C5%B1r%C5%91%20%E2%80%9Ev%C3%A9gleges%E2%80%9D"
            "%20jelent%C3%A9s.txt",
        ),
        ('Jelentés "végleges".txt', None),
    ],
    ids=["quotes", "unicode", "unicode-and-quotes"],
)
def test_the_files_name_survives_in_the_download(
    client, personas, make_ticket, s3_media, name, disposition
):
    ticket = make_ticket(severity="S2", attachments=[upload(name)])
    attachment = ticket.attachments.get()
    assert attachment.filename == name
    client.force_login(personas.admin_a)
    for response in (
        client.get(page_url(attachment)),
        client.get(api_url(attachment), **bearer(personas.admin_a)),
    ):
        assert response.status_code == 200
        assert body(response) == LOG
        header = response["Content-Disposition"]
        if disposition is not None:
            assert header == disposition
        assert header.startswith("attachment; filename*=utf-8''") or name.isascii()
        if not name.isascii():
            assert unquote(header.removeprefix("attachment; filename*=utf-8''")) == name
