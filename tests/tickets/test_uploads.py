"""Pasted files (tickets.uploads) and the Markdown preview: the upload endpoints, who
may open a pending or posted file, how a message takes its files, and the purge."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from tests import factories
from tickets import links, services, tasks, uploads, views
from tickets.models import Attachment, PendingUpload, Ticket
from tickets.templatetags.ticket_tags import markdown

PNG = factories.png_bytes()
DRAFT = "0123456789abcdef0123456789abcdef"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()  # the rate limits count in the cache, per person and minute
    yield
    cache.clear()


def png(name: str = "image.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def paste(client, ticket: Ticket, file: SimpleUploadedFile | None = None):
    data = {"file": file or png()}
    return client.post(reverse("ticket_upload", args=[ticket.reference]), data)


def pending_of(user) -> list[PendingUpload]:
    with scopes_disabled():
        return list(PendingUpload.objects.filter(uploaded_by=user))


@pytest.fixture
def ticket(make_ticket, personas):
    return make_ticket(requester=personas.user_a)


# --- Uploading ----------------------------------------------------------------------------


def test_a_pasted_image_is_kept_for_its_uploader_and_answered_with_its_markdown(
    client, personas, ticket
):
    client.force_login(personas.user_a)
    response = paste(client, ticket, png("Screenshot [1].png"))
    assert response.status_code == 201
    data = response.json()
    (pending,) = pending_of(personas.user_a)
    address = f"/tickets/files/{pending.token}/"
    assert data == {
        "name": "Screenshot [1].png",
        "url": address,
        "markdown": f"![Screenshot 1.png]({address})",
    }
    assert (pending.ticket, pending.content_type, pending.size) == (ticket, "image/png", len(PNG))
    assert pending.organization == personas.org_a
    opened = client.get(address)
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == PNG
    assert opened["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_dropped_file_that_is_not_an_image_is_inserted_as_a_link(client, personas, ticket):
    client.force_login(personas.user_a)
    log = SimpleUploadedFile("server.log", b"ERROR posting failed\n", content_type="text/plain")
    data = paste(client, ticket, log).json()
    assert data["markdown"] == f"[server.log]({data['url']})"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("setup.exe", b"MZ\x90\x00", "cannot be attached"),
        ("logo.svg", b"<svg onload='alert(1)'/>", "cannot be attached"),
        ("shot.png", b"<script>alert(1)</script>", "does not match its name"),
        ("notes.txt", PNG, "does not contain text"),
    ],
)
def test_files_the_attachment_rules_refuse_are_refused_with_their_reason(
    client, personas, ticket, name, content, words
):
    client.force_login(personas.user_a)
    response = paste(client, ticket, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert words in response.json()["error"]
    assert pending_of(personas.user_a) == []


def test_a_file_over_the_size_limit_is_refused_saying_the_limit(client, personas, ticket, settings):
    settings.ATTACHMENT_MAX_BYTES = 20
    client.force_login(personas.user_a)
    response = paste(client, ticket)
    assert response.status_code == 400
    assert "the limit is 20\xa0bytes" in response.json()["error"]


def test_an_upload_without_a_file_says_so(client, personas, ticket):
    client.force_login(personas.user_a)
    response = client.post(reverse("ticket_upload", args=[ticket.reference]), {"file": "x"})
    assert response.status_code == 400
    assert response.json() == {"error": "Choose a file to attach."}


def test_a_customer_cannot_upload_to_another_organisations_or_a_colleagues_ticket(
    client, personas, make_ticket
):
    foreign = make_ticket(requester=personas.admin_b)
    colleagues = make_ticket(requester=personas.admin_a)
    client.force_login(personas.user_a)
    assert paste(client, foreign).status_code == 404
    assert paste(client, colleagues).status_code == 404
    assert pending_of(personas.user_a) == []


def test_uploads_need_sign_in_and_a_csrf_token(personas, ticket):
    anonymous = Client()
    assert paste(anonymous, ticket).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(personas.user_a)
    assert paste(strict, ticket).status_code == 403
    assert strict.get(reverse("ticket_upload", args=[ticket.reference])).status_code == 405
    assert pending_of(personas.user_a) == []


def test_uploads_past_the_rate_are_refused(client, personas, ticket, monkeypatch):
    monkeypatch.setattr(views, "UPLOADS_PER_MINUTE", 2)
    client.force_login(personas.user_a)
    assert [paste(client, ticket).status_code for _ in range(3)] == [201, 201, 429]


def test_one_person_may_keep_only_so_many_files_waiting(client, personas, ticket, monkeypatch):
    monkeypatch.setattr(uploads, "PENDING_MAX_PER_USER", 1)
    client.force_login(personas.user_a)
    assert paste(client, ticket).status_code == 201
    assert "Too many files" in paste(client, ticket).json()["error"]


# --- Who may open a pasted file -------------------------------------------------------------


def test_a_pending_file_opens_for_its_uploader_alone(client, personas, ticket):
    pending = uploads.pending_upload_create(personas.user_a, ticket=ticket, upload=png())
    address = uploads.file_url(pending.token)
    for someone in (personas.admin_a, personas.agent, personas.admin_b):
        client.force_login(someone)
        assert client.get(address).status_code == 404, someone
    client.force_login(personas.user_a)
    assert client.get(address).status_code == 200
    assert client.get(f"/tickets/files/{uuid.uuid4()}/").status_code == 404


def test_posting_the_reply_attaches_the_files_it_names_at_the_same_address(
    client, personas, ticket
):
    client.force_login(personas.user_a)
    named = paste(client, ticket, png("named.png")).json()
    paste(client, ticket, png("removed-again.png"))
    body = f"The error:\n\n{named['markdown']}"
    response = client.post(reverse("ticket_reply", args=[ticket.reference]), {"body": body})
    assert response.status_code == 302
    reply = ticket.replies.get()
    assert reply.body == body  # the address stays: no rewriting of what was written
    attachment = reply.attachments.get()
    assert (attachment.filename, attachment.uploaded_by) == ("named.png", personas.user_a)
    assert uploads.file_url(attachment.token) == named["url"]
    assert [p.filename for p in pending_of(personas.user_a)] == ["removed-again.png"]
    page = client.get(reverse("ticket_detail", args=[ticket.reference])).content.decode()
    assert f'<img src="{named["url"]}" alt="named.png">' in page
    for someone, status in (
        (personas.admin_a, 200),
        (personas.agent, 200),
        (personas.admin_b, 404),
    ):
        client.force_login(someone)
        assert client.get(named["url"]).status_code == status, someone


def test_an_image_pasted_into_an_internal_note_stays_with_the_staff(client, personas, ticket):
    client.force_login(personas.agent)
    pasted = paste(client, ticket).json()
    client.post(
        reverse("ticket_reply", args=[ticket.reference]),
        {"body": f"Seen before {pasted['markdown']}", "internal": "on"},
    )
    assert ticket.replies.get().attachments.get().reply.is_internal
    assert client.get(pasted["url"]).status_code == 200
    client.force_login(personas.user_a)
    assert client.get(pasted["url"]).status_code == 404
    page = client.get(reverse("ticket_detail", args=[ticket.reference]))
    assert b"Seen before" not in page.content


def test_another_users_pending_upload_named_in_a_reply_is_not_attached(
    client, personas, ticket, make_ticket
):
    theirs = uploads.pending_upload_create(personas.agent, ticket=ticket, upload=png())
    elsewhere = make_ticket(requester=personas.user_a, title="Another one")
    mine_elsewhere = uploads.pending_upload_create(personas.user_a, ticket=elsewhere, upload=png())
    body = f"{uploads.markdown_for(theirs)} {uploads.markdown_for(mine_elsewhere)}"
    services.ticket_reply(personas.user_a, ticket=ticket, body=body)
    with scopes_disabled():
        assert not Attachment.objects.filter(token__isnull=False).exists()
    client.force_login(personas.user_a)
    assert client.get(uploads.file_url(theirs.token)).status_code == 404


def test_an_image_in_a_parent_incidents_reply_opens_for_its_childrens_customers(
    client, personas, make_ticket
):
    """The reply copied onto each child shows the parent's file at the parent's
    address: the child's customer may open it, though not the parent ticket."""
    parent = make_ticket(title="Data centre outage")
    child = make_ticket(requester=personas.admin_b, title="GLOBEX cannot post")
    outsider = make_ticket(requester=personas.user_a, title="Unrelated")
    links.ticket_set_parent(personas.agent, ticket=child, parent=parent)
    pasted = uploads.pending_upload_create(personas.agent, ticket=parent, upload=png())
    services.ticket_reply(
        personas.agent, ticket=parent, body=f"The cause: {uploads.markdown_for(pasted)}"
    )
    with scopes_disabled():
        [copy] = child.replies.all()
        assert not copy.attachments.exists()  # the copy names the parent's file
    url = uploads.file_url(pasted.token)
    client.force_login(personas.admin_b)
    assert client.get(reverse("ticket_detail", args=[parent.reference])).status_code == 404
    page = client.get(reverse("ticket_detail", args=[child.reference])).content.decode()
    assert f'src="{url}"' in page
    assert client.get(url).status_code == 200
    # A plain customer of ACME sees neither ticket of the incident (Alice's and
    # GLOBEX's), so not its file either, though he has tickets of his own.
    client.force_login(personas.user_a)
    assert client.get(reverse("ticket_detail", args=[outsider.reference])).status_code == 200
    assert client.get(url).status_code == 404
    # Once the child is detached its copy stays, and so does the file it shows.
    links.ticket_remove_parent(personas.agent, ticket=child)
    client.force_login(personas.admin_b)
    assert client.get(url).status_code == 200


# --- The new ticket's draft -----------------------------------------------------------------


def test_an_image_pasted_into_a_new_ticket_is_attached_to_the_ticket(client, personas, contracts):
    client.force_login(personas.user_a)
    response = client.post(reverse("draft_upload"), {"file": png(), "draft": DRAFT})
    assert response.status_code == 201
    pasted = response.json()
    form = {
        "type": "incident",
        "severity": "S2",
        "title": "Posting fails",
        "description": f"As on the screen:\n\n{pasted['markdown']}",
        "business_impact": "",
        "product_version": str(contracts["version"].pk),
        "intake_key": DRAFT,
    }
    response = client.post(reverse("ticket_create"), form, follow=True)
    ticket = Ticket.objects.get()
    attachment = ticket.attachments.get()
    assert attachment.reply is None
    assert uploads.file_url(attachment.token) == pasted["url"]
    assert f'<img src="{pasted["url"]}"' in response.content.decode()
    assert pending_of(personas.user_a) == []


def test_the_draft_upload_is_the_customers_own_and_needs_the_forms_key(client, personas):
    client.force_login(personas.agent)
    assert client.post(reverse("draft_upload"), {"file": png(), "draft": DRAFT}).status_code == 403
    client.force_login(personas.user_a)
    for draft in ("", "../../etc", "x" * 64, "\x00"):
        response = client.post(reverse("draft_upload"), {"file": png(), "draft": draft})
        assert response.status_code == 400, draft
    assert pending_of(personas.user_a) == []


def test_a_draft_upload_is_not_taken_by_a_ticket_with_another_key(client, personas, make_ticket):
    pending = uploads.pending_upload_create(personas.user_a, upload=png(), draft_key=DRAFT)
    make_ticket(
        requester=personas.user_a,
        description=uploads.markdown_for(pending),
        intake_key="f" * 32,
    )
    assert pending_of(personas.user_a) == [pending]


def test_the_new_ticket_form_marks_its_description_for_the_editor(client, personas, contracts):
    client.force_login(personas.user_a)
    page = client.get(reverse("ticket_create")).content.decode()
    assert 'data-markdown-editor=""' in page
    assert f'data-upload-url="{reverse("draft_upload")}"' in page
    assert "js/markdown_editor" in page


# --- The purge ----------------------------------------------------------------------------


def test_uploads_never_posted_are_removed_a_day_later_with_their_files(
    personas, ticket, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(timezone.now() - dt.timedelta(hours=25))
    old = uploads.pending_upload_create(personas.user_a, ticket=ticket, upload=png())
    time_machine.move_to(timezone.now() + dt.timedelta(hours=25))
    recent = uploads.pending_upload_create(personas.user_a, ticket=ticket, upload=png())
    assert default_storage.exists(old.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.pending_uploads_purge() == 1
    assert pending_of(personas.user_a) == [recent]
    assert not default_storage.exists(old.file.name)
    assert default_storage.exists(recent.file.name)
    assert tasks.pending_uploads_purge() == 0


def test_a_posted_file_outlives_the_purge(personas, ticket, django_capture_on_commit_callbacks):
    pending = uploads.pending_upload_create(personas.user_a, ticket=ticket, upload=png())
    services.ticket_reply(personas.user_a, ticket=ticket, body=uploads.markdown_for(pending))
    with django_capture_on_commit_callbacks(execute=True):
        uploads.pending_uploads_purge(before=timezone.now() + dt.timedelta(days=2))
    with scopes_disabled():
        assert default_storage.exists(Attachment.objects.get(token=pending.token).file.name)


# --- The preview --------------------------------------------------------------------------


def preview(client, text: str):
    return client.post(reverse("markdown_preview"), {"text": text})


def test_the_preview_is_the_conversations_own_rendering(client, personas):
    client.force_login(personas.user_a)
    text = "**Bold** and [a link](https://example.com)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    response = preview(client, text)
    assert response.status_code == 200
    assert str(markdown(text)) in response.content.decode()


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "![x](https://tracker.example/pixel.png)",
        '<img src=x onerror="alert(1)">',
        "\x00\x1b[31m",
    ],
)
def test_the_preview_never_lets_script_or_foreign_images_through(client, personas, hostile):
    client.force_login(personas.agent)
    html = preview(client, hostile).content.decode()
    assert "<script" not in html
    assert "<img src=x" not in html  # shown as text, never a tag
    assert 'href="javascript' not in html
    assert "tracker.example" not in html


def test_an_empty_preview_says_there_is_nothing_yet(client, personas):
    client.force_login(personas.user_a)
    assert "Nothing to preview yet." in preview(client, "  \n").content.decode()


def test_a_preview_past_the_message_limit_is_refused_saying_the_limit(client, personas):
    client.force_login(personas.user_a)
    response = preview(client, "x" * 20_001)
    assert response.status_code == 400
    assert "The message has 20,001 characters; the limit is 20,000." in response.content.decode()


def test_the_preview_needs_sign_in_post_and_csrf(personas, monkeypatch):
    assert preview(Client(), "hi").status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(personas.user_a)
    assert preview(strict, "hi").status_code == 403
    assert strict.get(reverse("markdown_preview")).status_code == 405


def test_previews_past_the_rate_are_refused(client, personas, monkeypatch):
    monkeypatch.setattr(views, "PREVIEWS_PER_MINUTE", 2)
    client.force_login(personas.user_a)
    assert [preview(client, "hi").status_code for _ in range(3)] == [200, 200, 429]


def test_messages_show_images_only_from_the_help_desks_own_files():
    own = f"/tickets/files/{uuid.uuid4()}/"
    assert f'<img src="{own}" alt="shot">' in markdown(f"![shot]({own})")
    assert "src" not in markdown("![shot](https://elsewhere.example/a.png)")
    assert "src" not in markdown(f"![shot]({own}?x=1)")
