"""What the API shows of tickets and replies, and what it accepts. Writes go through
the ticket services (tickets.intake, tickets.services), as the pages' do."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts import permissions
from accounts.models import Organization
from knowledge.models import Article, ReleaseNote
from notifications.models import Notification
from sla.models import Contract, Severity, SLAClock, SupportTier
from tickets import limits
from tickets.models import (
    Attachment,
    EscalationRequest,
    Priority,
    Reply,
    Status,
    Ticket,
    TicketType,
)
from tickets.wording import status_name, target_name
from tickets.workflow import TRANSITIONS


class TextField(serializers.CharField):
    """Text whose surrounding spaces are trimmed, after its length was checked as sent:
    the schema's ``maxLength`` holds for what a client sends, not for what is kept."""

    def to_internal_value(self, data: Any) -> str:
        if self.max_length is not None and isinstance(data, str) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class PersonSerializer(serializers.Serializer):
    name = serializers.CharField(source="full_name")
    email = serializers.EmailField()


class OrganizationRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as its reader may see it: a customer reads the status in the portal's
    words, staff in the workspace's."""

    organization = OrganizationRefSerializer(read_only=True)
    requester = PersonSerializer(read_only=True)
    assignee = serializers.CharField(
        source="assignee.full_name", default=None, read_only=True, allow_null=True
    )
    status_display = serializers.SerializerMethodField()
    # Blank for an enhancement request, which has no severity.
    severity = serializers.ChoiceField(
        choices=[("", "none"), *Severity.choices], read_only=True, allow_blank=True
    )

    class Meta:
        model = Ticket
        fields = [
            "reference",
            "title",
            "description",
            "type",
            "severity",
            "priority",
            "status",
            "status_display",
            "organization",
            "requester",
            "assignee",
            "channel",
            "business_impact",
            "workaround",
            "resolution",
            "sla_due_at",
            "sla_breached",
            "created_at",
            "last_activity_at",
            "resolved_at",
            "closed_at",
            "version",
        ]
        read_only_fields = fields

    def get_status_display(self, ticket: Ticket) -> str:
        # A webhook's payload has no request: it says for whom it is (webhooks.payloads).
        for_staff = self.context.get("for_staff")
        if for_staff is None:
            for_staff = permissions.is_staff_member(self.context["request"].user)
        return status_name(ticket.status, for_staff=for_staff)


class TicketCreateSerializer(serializers.Serializer):
    """A new ticket. Staff name the organisation and the requester (a contact of it);
    a customer logs in their own name, in their own organisation."""

    title = TextField(max_length=200)
    description = TextField(max_length=20_000)
    type = serializers.ChoiceField(choices=TicketType.choices, default=TicketType.INCIDENT)
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, default="", allow_blank=True
    )
    business_impact = TextField(max_length=2_000, required=False, default="", allow_blank=True)
    priority = serializers.ChoiceField(
        choices=Priority.choices, default=Priority.MEDIUM, help_text="Staff only."
    )
    organization = TextField(
        max_length=10, required=False, help_text="The organisation's code (staff only)."
    )
    requester = serializers.EmailField(
        required=False, help_text="The requester's email address (staff only)."
    )


class ReplySerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.full_name", read_only=True)
    internal = serializers.BooleanField(source="is_internal", read_only=True)

    class Meta:
        model = Reply
        fields = ["id", "author", "body", "internal", "via", "created_at"]
        read_only_fields = fields


class ReplyCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20_000, trim_whitespace=False)
    internal = serializers.BooleanField(
        default=False, help_text="An internal note, never shown to customers (staff only)."
    )


class ErrorSerializer(serializers.Serializer):
    """An error: ``detail`` says what went wrong with the request as a whole; a 400 names
    each field that is wrong, with its messages, instead."""

    detail = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False, help_text="412: the current version.")


class TicketPageSerializer(serializers.Serializer):
    """A cursor page of tickets: ``next`` and ``previous`` are the URLs of the pages
    beside it (null at either end)."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TicketSerializer(many=True)


class TicketFilterSerializer(serializers.Serializer):
    """The query of a ticket list: each value given must be one the list understands."""

    status = serializers.ChoiceField(
        choices=["open", "closed", *Status.values],
        required=False,
        help_text="open, closed, or one status of the workflow",
    )
    severity = serializers.ChoiceField(choices=Severity.values, required=False)
    mine = serializers.BooleanField(
        required=False, help_text="Staff: assigned to me; customers: logged by me."
    )
    organization = TextField(
        required=False, max_length=10, help_text="An organisation's code (staff only)."
    )
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=200, help_text="50 unless given."
    )
    cursor = serializers.CharField(
        required=False, help_text="Where a page starts, from the `next` or `previous` URL."
    )


# --- Ticket actions -------------------------------------------------------------------------


class StatusChangeSerializer(serializers.Serializer):
    """A step of the support workflow (tickets.workflow): the steps a role may take are
    the ones the ticket page offers it. Three steps need words for the customer."""

    action = serializers.ChoiceField(
        choices=list(TRANSITIONS),
        help_text="Customers: resume, accept_workaround, confirm_resolution, reopen. "
        "Staff: acknowledge, start_progress, wait_on_customer, resume, provide_workaround, "
        "resolve, confirm_resolution, reopen.",
    )
    workaround = TextField(
        max_length=limits.TEXT_MAX_CHARS,
        required=False,
        default="",
        allow_blank=True,
        help_text="Required by provide_workaround.",
    )
    resolution = TextField(
        max_length=limits.TEXT_MAX_CHARS,
        required=False,
        default="",
        allow_blank=True,
        help_text="Required by resolve: the customer is asked to confirm it.",
    )
    reason = TextField(
        max_length=limits.TEXT_MAX_CHARS,
        required=False,
        default="",
        allow_blank=True,
        help_text="Required by reopen: posted on the ticket as a reply.",
    )


class SeverityChangeSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    reason = TextField(max_length=500, help_text="The customer sees this reason.")


class EscalationCreateSerializer(serializers.Serializer):
    reason = TextField(max_length=limits.REASON_MAX_CHARS)


class EscalationSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.full_name", read_only=True)

    class Meta:
        model = EscalationRequest
        fields = ["id", "reason", "status", "requested_by", "created_at"]
        read_only_fields = fields


# --- Attachments ----------------------------------------------------------------------------


class AttachmentSerializer(serializers.ModelSerializer):
    """A file of the ticket: sent with the ticket (``reply`` null) or with a reply."""

    reply = serializers.IntegerField(source="reply_id", allow_null=True, read_only=True)
    internal = serializers.SerializerMethodField()
    uploaded_by = serializers.CharField(source="uploaded_by.full_name", read_only=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "filename",
            "content_type",
            "size",
            "reply",
            "internal",
            "uploaded_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_internal(self, attachment: Attachment) -> bool:
        """On an internal note: shown to staff only."""
        return bool(attachment.reply_id and attachment.reply and attachment.reply.is_internal)


class AttachmentUploadSerializer(serializers.Serializer):
    """A file sent as the ticket page sends one: with a message (a reply, or for staff an
    internal note), checked for its size, type and content by the same rules."""

    file = serializers.FileField(help_text="One file; the types and size the pages accept.")
    body = serializers.CharField(
        max_length=limits.TEXT_MAX_CHARS, trim_whitespace=False, help_text="The message."
    )
    internal = serializers.BooleanField(
        default=False, help_text="On an internal note, never shown to customers (staff only)."
    )


# --- Organisations, contracts, clocks -----------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["code", "name", "timezone"]
        read_only_fields = fields


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupportTier
        fields = ["slug", "name"]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    tier = TierSerializer(read_only=True)
    channels = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = ["id", "tier", "valid_from", "valid_to", "licence_key", "channels"]
        read_only_fields = fields

    def get_channels(self, contract: Contract) -> list[str]:
        """The entitled channels: portal, email, phone."""
        return [
            name
            for name, entitled in (
                ("portal", contract.channel_portal),
                ("email", contract.channel_email),
                ("phone", contract.channel_phone),
            )
            if entitled
        ]


class ClockSerializer(serializers.ModelSerializer):
    """An SLA clock as the ticket page's table shows it: a customer reads the triage
    target as the acknowledgement."""

    kind_display = serializers.SerializerMethodField()
    late_minutes = serializers.SerializerMethodField()

    class Meta:
        model = SLAClock
        fields = [
            "id",
            "kind",
            "kind_display",
            "state",
            "amount",
            "unit",
            "started_at",
            "due_at",
            "met_at",
            "breached_at",
            "late_minutes",
        ]
        read_only_fields = fields

    def get_kind_display(self, clock: SLAClock) -> str:
        staff = permissions.is_staff_member(self.context["request"].user)
        return target_name(clock.kind, for_staff=staff)

    def get_late_minutes(self, clock: SLAClock) -> int | None:
        """How late, in open minutes of its calendar (a breach, or a deadline passed)."""
        late = getattr(clock, "late", None)
        return None if late is None else int(late.total_seconds() // 60)


# --- Knowledge, release notes, notifications --------------------------------------------


class ArticleSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = Article
        fields = ["slug", "title", "category", "summary", "is_published", "updated_at"]
        read_only_fields = fields


class ArticleDetailSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body"]
        read_only_fields = fields


class ReleaseNoteSerializer(serializers.ModelSerializer):
    products = serializers.SerializerMethodField()

    class Meta:
        model = ReleaseNote
        fields = [
            "slug",
            "title",
            "kind",
            "body",
            "products",
            "scheduled_for",
            "duration_minutes",
            "published_at",
        ]
        read_only_fields = fields

    def get_products(self, note: ReleaseNote) -> list[str]:
        return [product.name for product in note.products.all()]


class NotificationSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(
        source="ticket.reference", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "ticket", "created_at", "read_at"]
        read_only_fields = fields


def page_of(serializer: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of a cursor page of ``serializer``'s objects."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "__doc__": "A cursor page: `next` and `previous` are the URLs of the pages beside "
            "it (null at either end).",
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )


class PageSizeSerializer(serializers.Serializer):
    """The query of a list: its page size and where the page starts."""

    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=200, help_text="50 unless given."
    )
    cursor = serializers.CharField(
        required=False, help_text="Where a page starts, from the `next` or `previous` URL."
    )
