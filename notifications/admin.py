import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from notifications import services
from notifications.models import (
    InboundMessage,
    Notification,
    NotificationPreference,
    OnCallPage,
    OnCallShift,
    OutboundEmail,
    OutboundState,
    PendingEvent,
)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipient", "ticket", "state", "attempts", "refused"]
    list_filter = ["state", "refused", "kind"]
    search_fields = ["recipient", "subject", "message_id", "ticket__reference"]
    date_hierarchy = "created_at"
    list_select_related = ["ticket"]
    actions = ["retry"]
    readonly_fields = [
        field.name for field in OutboundEmail._meta.fields if field.name not in ("id",)
    ]

    def has_add_permission(self, request) -> bool:
        return False  # emails are written by the services, never by hand

    @admin.action(description="Retry the selected failed emails")
    def retry(self, request, queryset):
        count = services.outbound_retry(
            request.user, outbound_ids=list(queryset.values_list("pk", flat=True))
        )
        skipped = queryset.exclude(state=OutboundState.FAILED).count()
        self.message_user(request, f"{count} email(s) queued to send again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} selected email(s) had not failed: left alone.", messages.INFO
            )


@admin.register(PendingEvent)
class PendingEventAdmin(admin.ModelAdmin):
    """Events not yet fanned out into notifications: normally gone within seconds; a
    row that stays shows its attempts and last error until the sweep succeeds."""

    list_display = ["created_at", "name", "payload", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["name"]
    readonly_fields = [field.name for field in PendingEvent._meta.fields if field.name != "id"]

    def has_add_permission(self, request) -> bool:
        return False  # events are recorded by the services


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__email", "title"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "ticket"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email"]
    list_filter = ["kind", "email"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ["user", "starts_at", "ends_at", "is_override", "note"]
    list_filter = ["is_override", "user"]
    date_hierarchy = "starts_at"
    list_select_related = ["user"]
    actions = ["repeat_next_week"]

    @admin.action(description="Repeat the selected shifts one week later")
    def repeat_next_week(self, request, queryset):
        week = dt.timedelta(days=7)
        made = 0
        for shift in queryset.select_related("user"):
            copy = OnCallShift(
                user=shift.user,
                starts_at=shift.starts_at + week,
                ends_at=shift.ends_at + week,
                is_override=shift.is_override,
                note=shift.note,
            )
            try:
                copy.full_clean()
            except ValidationError as error:
                self.message_user(request, f"{shift}: {' '.join(error.messages)}", messages.ERROR)
                continue
            copy.save()
            made += 1
        self.message_user(request, f"{made} shift(s) added for the following week.")


@admin.register(OnCallPage)
class OnCallPageAdmin(admin.ModelAdmin):
    list_display = ["paged_at", "ticket", "reason", "paged_user", "answered_at", "escalated_at"]
    list_filter = ["reason"]
    list_select_related = ["ticket", "paged_user"]
    raw_id_fields = ["ticket", "paged_user"]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "sender", "subject", "outcome", "ticket"]
    list_filter = ["outcome", "mailbox"]
    search_fields = ["sender", "subject", "message_id"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "reply"]
