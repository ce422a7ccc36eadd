"""A ticket's conversation and history: replies and notes, attachments, events."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization
from sla.models import Channel
from tickets.models.ticket import Ticket

# A reply's document: the GIN index below is built on exactly this expression, so
# PostgreSQL uses it for `@@` queries.
REPLY_SEARCH_VECTOR = SearchVector("body", config="english")


class Reply(models.Model):
    """A public reply or an internal note (never shown to customers)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="replies", verbose_name=_("ticket")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="replies",
        verbose_name=_("author"),
    )
    body = models.TextField(_("body"))
    is_internal = models.BooleanField(_("internal note"), default=False)
    via = models.CharField(
        _("received via"), max_length=10, choices=Channel.choices, default=Channel.PORTAL
    )
    # A parent incident's public reply that this one repeats on a child (tickets.links):
    # its customers are notified of it once, whichever tickets they are on.
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        # Read by the files a parent's reply shows (tickets.selectors.upload_file_get_for):
        # the partial index below holds the few copies only.
        db_index=False,
        verbose_name=_("copied from"),
    )
    # The Message-ID of the email that carried it in or out, for threading and dedup.
    message_id = models.CharField(_("email Message-ID"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="reply_ticket_idx"),
            # Workspace search: words in replies and notes (workspace.search).
            GinIndex(REPLY_SEARCH_VECTOR, name="reply_search_idx"),
            models.Index(
                fields=["copied_from"],
                name="reply_copied_from_idx",
                condition=models.Q(copied_from__isnull=False),
            ),
        ]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{'Note' if self.is_internal else 'Reply'} on {self.ticket_id} by {self.author_id}"


def attachment_path(instance: Attachment | PendingUpload, filename: str) -> str:
    # Random names: an uploaded file's name never decides where it lands.
    return f"attachments/{instance.organization_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("ticket")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    reply = models.ForeignKey(
        Reply,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("reply"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), default=now)
    # A file pasted into a message keeps the address its Markdown names
    # (tickets.uploads): the one its pending upload had while the message was written.
    token = models.UUIDField(_("token"), null=True, blank=True, unique=True, editable=False)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class PendingUpload(models.Model):
    """A file pasted or dropped into a message that is still being written: its
    uploader's alone until the message is posted, when it becomes an Attachment
    (tickets.uploads). Bound to the ticket replied to, or to the draft of a new ticket
    (its form's intake key). Removed a day later if never posted."""

    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    draft_key = models.CharField(_("draft"), max_length=64, blank=True)
    file = models.FileField(_("file"), upload_to=attachment_path)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("uploaded"), default=now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at"]
        # The daily purge of uploads never posted (tickets.uploads.pending_uploads_purge).
        indexes = [models.Index(fields=["created_at"], name="pending_upload_created_idx")]
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """Append-only history: one row per change, shown as the ticket's timeline."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    kind = models.CharField(_("kind"), max_length=30)
    field = models.CharField(_("field"), max_length=40, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    message = models.TextField(_("message"), blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    ticket_version = models.PositiveIntegerField(_("ticket version"), default=1)
    created_at = models.DateTimeField(_("when"), default=now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_idx")]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.kind} {self.field} on {self.ticket_id}"
