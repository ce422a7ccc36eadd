"""What the API shows of tickets and replies, and what it accepts. Writes go through
the ticket services (tickets.intake, tickets.services), as the pages' do."""

from __future__ import annotations

from rest_framework import serializers

from accounts import permissions
from sla.models import Severity
from tickets.models import Priority, Reply, Status, Ticket, TicketType
from tickets.wording import status_name


class TextField(serializers.CharField):
    """Text whose surrounding spaces are trimmed, after its length was checked as sent:
    the schema's ``maxLength`` holds for what a client sends, not for what is kept."""

    def to_internal_value(self, data: object) -> str:
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
        user = self.context["request"].user
        return status_name(ticket.status, for_staff=permissions.is_staff_member(user))


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
