"""Files pasted or dropped into a message while it is written (issue #25, "Paste a
screenshot").

The file is uploaded at once, checked by the same rules as every attachment
(tickets.attachments.validate_upload), and kept as a PendingUpload of its uploader,
bound to the ticket replied to or to the draft of a new ticket (the form's intake key).
The Markdown inserted in the text names it by an unguessable address,
``/tickets/files/<token>/``, which only its uploader can open. When the message is
posted, each pending upload that the text names becomes an Attachment of the message
with the same token, so the address goes on working, now for whoever may see the
message. Uploads never posted are removed a day later (tickets.tasks).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django_scopes import scope

from accounts import permissions
from accounts.models import User
from accounts.scoping import service
from tickets import visibility
from tickets.attachments import validate_upload
from tickets.models import Attachment, PendingUpload, Reply, Ticket

# How long a file waits for its message, and how many one person may have waiting.
PENDING_HOURS = 24
PENDING_MAX_PER_USER = 50
# The intake key of the new-ticket form (tickets.forms.IntakeForm): 32 hex digits.
DRAFT_KEY = re.compile(r"[0-9a-f]{32}")
# The address a message's Markdown names a pasted file by.
FILE_ADDRESS = re.compile(r"/tickets/files/([0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})/")
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def file_url(token: uuid.UUID) -> str:
    return reverse("upload_file", kwargs={"token": token})


def markdown_for(upload: PendingUpload) -> str:
    """An image for a picture, a link for any other file. Brackets and line breaks of
    the file name would end the Markdown early: they are left out."""
    label = re.sub(r"[\[\]()\\\r\n`*_<>!]", "", upload.filename).strip() or _("file")
    link = f"[{label}]({file_url(upload.token)})"
    return f"!{link}" if upload.content_type in IMAGE_TYPES else link


@service
def pending_upload_create(
    actor: User,
    *,
    upload: UploadedFile,
    ticket: Ticket | None = None,
    draft_key: str = "",
) -> PendingUpload:
    """Keep a file for a reply on ``ticket`` or, without one, for the customer's new
    ticket whose form carries ``draft_key``."""
    if ticket is not None:
        if not visibility.can_view(actor, ticket):
            raise PermissionDenied(_("You cannot reply on this ticket."))
        organization = ticket.organization
    else:
        organization_or_none = permissions.organization_of(actor)
        if not permissions.is_customer(actor) or organization_or_none is None:
            raise PermissionDenied(_("Only customers log tickets in the portal."))
        organization = organization_or_none
        if not DRAFT_KEY.fullmatch(draft_key):
            raise ValidationError({"file": _("Reload the page and try again.")})
    content_type = validate_upload(upload)
    with scope(organization=organization.pk):
        waiting = PendingUpload.objects.filter(uploaded_by=actor).count()
        if waiting >= PENDING_MAX_PER_USER:
            raise ValidationError(
                {"file": _("Too many files wait for a message: send or discard it first.")}
            )
        pending = PendingUpload(
            organization=organization,
            uploaded_by=actor,
            ticket=ticket,
            draft_key=draft_key if ticket is None else "",
            filename=(upload.name or "attachment")[:255],
            content_type=content_type,
            size=upload.size or 0,
        )
        pending.file.save(upload.name or "attachment", upload, save=False)
        pending.save()
    return pending


def pending_uploads_claim(
    actor: User,
    *,
    ticket: Ticket,
    reply: Reply | None,
    texts: Iterable[str],
    draft_key: str = "",
    at: dt.datetime,
) -> list[Attachment]:
    """Attach to the message being posted (``reply``, or the new ticket itself when
    None) the actor's pending uploads for this ticket (or its draft) that its text
    names. Part of the posting service's transaction."""
    tokens = {match for text in texts for match in FILE_ADDRESS.findall(text or "")}
    if not tokens:
        return []
    with scope(organization=ticket.organization_id):  # the ticket's own organisation
        pending = PendingUpload.objects.select_for_update().filter(
            uploaded_by=actor, token__in=tokens
        )
        if reply is None and draft_key:
            pending = pending.filter(ticket=None, draft_key=draft_key)
        else:
            pending = pending.filter(ticket=ticket)
        attachments = []
        for upload in pending:
            attachments.append(
                Attachment.objects.create(
                    ticket=ticket,
                    organization_id=ticket.organization_id,
                    reply=reply,
                    file=upload.file.name,  # the stored file moves with the row
                    filename=upload.filename,
                    content_type=upload.content_type,
                    size=upload.size,
                    uploaded_by=actor,
                    created_at=at,
                    token=upload.token,
                )
            )
            upload.delete()
    return attachments


@service(across="the periodic purge removes every organisation's stale uploads")
def pending_uploads_purge(*, before: dt.datetime | None = None) -> int:
    """Remove the uploads never posted, with their files; safe to run twice (rows
    another run holds are skipped)."""
    before = before or now() - dt.timedelta(hours=PENDING_HOURS)
    stale = list(
        PendingUpload.objects.select_for_update(skip_locked=True).filter(created_at__lt=before)
    )
    for upload in stale:
        upload.delete()
        transaction.on_commit(functools.partial(upload.file.storage.delete, upload.file.name))
    return len(stale)
