"""A ticket's files through the API: listed and downloaded as the ticket page allows
(an internal note's files: staff only), sent with a message by the pages' own rules."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets.models import Attachment
from tickets.services import ticket_reply

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def files_url(ticket) -> str:
    return reverse("api_ticket_attachments", args=[ticket.reference])


def download(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_customer_sends_a_file_lists_it_and_downloads_it(api, personas, make_ticket, media):
    ticket = make_ticket(requester=personas.admin_a)
    customer = api(personas.admin_a)
    sent = customer.upload(
        files_url(ticket),
        {
            "file": SimpleUploadedFile("export.log", b"E2044 at 02:10\n", "text/plain"),
            "body": "The log of last night's run.",
        },
    )
    assert sent.status_code == 201, sent.json()
    body = sent.json()
    assert body["filename"] == "export.log" and body["content_type"] == "text/plain"
    assert body["internal"] is False and body["uploaded_by"] == personas.admin_a.full_name
    reply = ticket.replies.get()
    assert reply.body == "The log of last night's run." and body["reply"] == reply.pk
    listed = customer.get(files_url(ticket)).json()["results"]
    assert [a["id"] for a in listed] == [body["id"]]
    got = customer.get(reverse("api_ticket_attachment", args=[ticket.reference, body["id"]]))
    assert got.status_code == 200 and download(got) == b"E2044 at 02:10\n"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (SimpleUploadedFile("tool.exe", b"MZ\x90\x00", "application/octet-stream"), "type"),
        (SimpleUploadedFile("report.pdf", b"just text", "application/pdf"), "does not match"),
        (SimpleUploadedFile("big.log", b"x" * 2048, "text/plain"), "the limit is"),
    ],
    ids=["type", "content", "size"],
)
def test_a_file_the_pages_refuse_is_a_400_on_the_file(
    api, personas, make_ticket, media, settings, upload, words
):
    settings.ATTACHMENT_MAX_BYTES = 1024
    ticket = make_ticket(requester=personas.admin_a)
    response = api(personas.admin_a).upload(files_url(ticket), {"file": upload, "body": "See"})
    assert response.status_code == 400
    assert words in " ".join(response.json()["file"])
    assert not Attachment.objects.exists() and not ticket.replies.exists()


def test_a_file_needs_its_message_and_multipart(api, personas, make_ticket, media):
    ticket = make_ticket(requester=personas.admin_a)
    customer = api(personas.admin_a)
    alone = customer.upload(
        files_url(ticket), {"file": SimpleUploadedFile("a.pdf", PDF, "application/pdf")}
    )
    assert alone.status_code == 400 and "body" in alone.json()
    nothing = customer.upload(files_url(ticket), {"body": "Here it is"})
    assert nothing.status_code == 400 and "file" in nothing.json()
    json = customer.post(files_url(ticket), {"body": "Here it is"})
    assert json.status_code == 415
    assert not Attachment.objects.exists()


def test_an_internal_notes_file_is_for_staff_only(api, personas, make_ticket, media):
    ticket = make_ticket(requester=personas.admin_a)
    agent, customer = api(personas.agent), api(personas.admin_a)
    sent = agent.upload(
        files_url(ticket),
        {
            "file": SimpleUploadedFile("trace.log", b"stack trace", "text/plain"),
            "body": "Trace from the ledger service.",
            "internal": "true",
        },
    )
    assert sent.status_code == 201 and sent.json()["internal"] is True
    assert ticket.replies.get().is_internal
    url = reverse("api_ticket_attachment", args=[ticket.reference, sent.json()["id"]])
    assert customer.get(files_url(ticket)).json()["results"] == []
    assert customer.get(url).status_code == 404
    assert [a["id"] for a in agent.get(files_url(ticket)).json()["results"]] == [sent.json()["id"]]
    assert agent.get(url).status_code == 200


def test_a_customer_may_not_write_an_internal_note_with_a_file(api, personas, make_ticket, media):
    ticket = make_ticket(requester=personas.admin_a)
    response = api(personas.admin_a).upload(
        files_url(ticket),
        {
            "file": SimpleUploadedFile("a.log", b"text", "text/plain"),
            "body": "Secret",
            "internal": "true",
        },
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_a_read_token_may_not_send_a_file(api, personas, make_ticket, media):
    ticket = make_ticket(requester=personas.admin_a)
    response = api(personas.admin_a, scope="read").upload(
        files_url(ticket),
        {"file": SimpleUploadedFile("a.log", b"text", "text/plain"), "body": "Here"},
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_another_organisations_files_are_a_404(api, personas, make_ticket, media):
    foreign = make_ticket(
        requester=personas.admin_b,
        attachments=[SimpleUploadedFile("b.log", b"GLBX secret", "text/plain")],
    )
    attachment = foreign.attachments.get()
    customer = api(personas.admin_a)
    assert customer.get(files_url(foreign)).status_code == 404
    url = reverse("api_ticket_attachment", args=[foreign.reference, attachment.pk])
    assert customer.get(url).status_code == 404
    own = make_ticket(requester=personas.admin_a)
    across = reverse("api_ticket_attachment", args=[own.reference, attachment.pk])
    assert customer.get(across).status_code == 404
    sent = customer.upload(
        files_url(foreign), {"file": SimpleUploadedFile("a.log", b"x", "text/plain"), "body": "x"}
    )
    assert sent.status_code == 404
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize("count", [2, 12])
def test_the_file_list_takes_a_fixed_number_of_queries(
    api, personas, make_ticket, media, django_assert_num_queries, count
):
    ticket = make_ticket(requester=personas.admin_a)
    for n in range(count):
        ticket_reply(
            personas.agent,
            ticket=ticket,
            body=f"File {n}",
            attachments=[SimpleUploadedFile(f"f{n}.log", b"log", "text/plain")],
        )
    customer = api(personas.admin_a)
    # the token with its person; its last use; the ticket; the page of files
    with django_assert_num_queries(4):
        response = customer.get(files_url(ticket), {"page_size": 10})
    assert len(response.json()["results"]) == min(count, 10)
