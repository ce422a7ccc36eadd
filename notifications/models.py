"""The outbox, in-app notifications, preferences, the on-call rota and email-in records.

Every notification has a natural key stored under a unique constraint before anything
is sent, so a second beat, a retried task or two workers can never send it twice:
``OutboundEmail`` is keyed by (kind, event key, recipient) and ``Notification`` by
(recipient, kind, event key). The event key names the event precisely: ``reply:42``,
``ticket:7:v5`` (the ticket version a change produced), ``clock:9:<deadline>``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization


class Kind(models.TextChoices):
    """What a notification is about; each has its email templates in templates/emails/."""

    TICKET_CREATED = "ticket_created", _("Ticket received")
    REPLY_ADDED = "reply_added", _("New public reply")
    NOTE_ADDED = "note_added", _("Internal note on your ticket")
    MENTIONED = "mentioned", _("You are mentioned in an internal note")
    STATUS_CHANGED = "status_changed", _("Status change")
    WORKAROUND_PROVIDED = "workaround_provided", _("Workaround provided")
    TICKET_RESOLVED = "ticket_resolved", _("Ticket resolved")
    SEVERITY_CHANGED = "severity_changed", _("Severity change")
    ETA_CHANGED = "eta_changed", _("Estimated resolution changed")
    TICKET_MERGED = "ticket_merged", _("Duplicate ticket merged")
    ASSIGNED = "assigned", _("Ticket assigned to you")
    ESCALATION_REQUESTED = "escalation_requested", _("Escalation requested")
    ESCALATION_HANDLED = "escalation_handled", _("Escalation decision")
    SLA_WARNING = "sla_warning", _("SLA deadline approaching")
    UPDATE_DUE = "update_due", _("Customer update due")
    SLA_BREACH = "sla_breach", _("SLA breach")
    ONCALL_PAGE = "oncall_page", _("On-call page")
    ONCALL_ESCALATION = "oncall_escalation", _("On-call page not answered in time")
    DELIVERY_FAILED = "delivery_failed", _("Email could not be delivered")
    UNKNOWN_SENDER = "unknown_sender", _("Answer to an unknown sender")
    RELEASE_NOTE = "release_note", _("Release notes and planned maintenance")


class OutboundState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundEmail(models.Model):
    """One email to one recipient, written in the transaction of the event it reports.

    ``send_email`` claims it (pending → sending, a conditional UPDATE), sends it through
    Django's mail API (anymail in production) and records the outcome.
    """

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    event_key = models.CharField(_("event key"), max_length=200)
    recipient = models.EmailField(_("recipient"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_emails",
        verbose_name=_("ticket"),
    )
    # Empty only for answers to unknown senders, which belong to no organisation.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("plain-text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    message_id = models.CharField(_("email Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("in reply to"), max_length=255, blank=True)
    references = models.TextField(_("references"), blank=True)
    auto_reply = models.BooleanField(
        _("automatic reply"),
        default=False,
        help_text=_("An automatic answer (Auto-Submitted: auto-replied)."),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=OutboundState.choices, default=OutboundState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the sweep may (re)send it: creation, a retry's backoff, or a sending claim's
    # lease running out (the worker that claimed it died).
    next_attempt_at = models.DateTimeField(_("next attempt"), default=now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider's message ID"), max_length=255, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    refused = models.BooleanField(
        _("refused"),
        default=False,
        help_text=_("The provider refused the recipient: retrying cannot help."),
    )
    created_at = models.DateTimeField(_("created"), default=now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbound email")
        constraints = [
            # Exactly once: the same event never mails the same address twice.
            models.UniqueConstraint(
                fields=["kind", "event_key", "recipient"], name="outbound_natural_key"
            ),
        ]
        indexes = [
            # The sweep's outbox recovery: pending or stalled rows whose time has come.
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_retry_idx",
                condition=Q(state__in=["pending", "sending"]),
            ),
            # Agents' list of undelivered email, newest first.
            models.Index(
                fields=["-created_at"], name="outbound_failed_idx", condition=Q(state="failed")
            ),
            # A ticket's emails, for the admin and for threading look-ups.
            models.Index(fields=["ticket", "created_at"], name="outbound_ticket_idx"),
        ]
        verbose_name_plural = _("outbound emails")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.state})"


class PendingEvent(models.Model):
    """A domain event that may notify people, written in the transaction of the change
    it reports (the outbox of events). A worker fans it out into in-app notifications
    and outbound emails, then deletes it; the sweep hands out again any event that was
    not dispatched in time (the broker was down, the worker died, a handler failed).

    The payload holds plain values and ``{"model": "app.model", "pk": 1}`` references,
    read again when the event is dispatched.
    """

    name = models.CharField(_("name"), max_length=40)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created"), default=now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["next_attempt_at"], name="event_due_idx")]
        verbose_name = _("pending event")
        verbose_name_plural = _("pending events")

    def __str__(self) -> str:
        return f"{self.name} {self.payload}"


class TicketThread(models.Model):
    """The stable root Message-ID of a ticket's email thread, ``<ticket-ACME-1042@domain>``.

    Stored (not derived) so that threads stay whole when the domain setting changes.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="email_thread",
        verbose_name=_("ticket"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    root_message_id = models.CharField(_("first email's Message-ID"), max_length=255, unique=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("ticket email thread")
        verbose_name_plural = _("ticket email threads")

    def __str__(self) -> str:
        return self.root_message_id


class Notification(models.Model):
    """An in-app notification: the bell in the navigation bar mirrors the emails."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("ticket"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    event_key = models.CharField(_("event key"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "event_key"], name="notification_natural_key"
            ),
        ]
        indexes = [
            # The bell: COUNT of a user's unread notifications.
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=Q(read_at__isnull=True),
            ),
            # The notification list: a user's newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_list_idx"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.title} for {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """Whether one kind of notification also reaches the user by email (absent: yes).

    In-app notifications are always kept; critical and breach notices to the people
    responsible are sent whatever the preference (see ``notifications.selectors``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    email = models.BooleanField(_("by email"), default=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_user_kind"),
        ]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'email' if self.email else 'in-app only'}"


class OnCallShift(models.Model):
    """A stretch of on-call duty: the weekly rota, and overrides that take precedence.

    Who is on call at an instant: the override covering it if any, else the rota shift
    covering it (``notifications.selectors.on_call_at``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="on_call_shifts",
        limit_choices_to=~Q(staff_role=""),
        verbose_name=_("agent"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    is_override = models.BooleanField(
        _("override"),
        default=False,
        help_text=_("Covers part of the rota, e.g. a swap or a sick day."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "-is_override"]
        verbose_name = _("on-call shift")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="oncall_shift_ends_after_start",
                violation_error_message=_("A shift must end after it starts."),
            ),
        ]
        indexes = [
            # on_call_at(): the shifts covering an instant.
            models.Index(fields=["starts_at", "ends_at"], name="oncall_shift_span_idx"),
        ]
        verbose_name_plural = _("on-call shifts")

    def __str__(self) -> str:
        kind = "override" if self.is_override else "rota"
        return f"{self.user} on call ({kind}) {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.user_id and not self.user.staff_role:
            raise ValidationError({"user": _("Only vendor staff go on call.")})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A shift must end after it starts.")})
        if self.starts_at and self.ends_at and not self.is_override:
            clash = (
                OnCallShift.objects.filter(
                    is_override=False, starts_at__lt=self.ends_at, ends_at__gt=self.starts_at
                )
                .exclude(pk=self.pk)
                .select_related("user")
                .first()
            )
            if clash is not None:
                raise ValidationError(
                    f"The rota already has {clash.user} on call from "
                    f"{clash.starts_at:%d %b %H:%M} to {clash.ends_at:%d %b %H:%M}; "
                    "rota shifts do not overlap (use an override to cover part of one)."
                )


class PageReason(models.TextChoices):
    CREATED = "created", _("New critical ticket after hours")
    RAISED = "raised", _("Raised to critical after hours")
    BREACH = "breach", _("Critical deadline breached after hours")


class OnCallPage(models.Model):
    """The on-call agent was paged for a critical ticket after hours.

    If the customer has not had a status notification with an estimate by
    ``answer_due_at``, the sweep escalates to the managers, once.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="pages", verbose_name=_("ticket")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    reason = models.CharField(_("reason"), max_length=10, choices=PageReason.choices)
    event_key = models.CharField(_("event key"), max_length=200)
    paged_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paged agent"),
    )
    paged_at = models.DateTimeField(_("paged"))
    answer_due_at = models.DateTimeField(_("answer due"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-paged_at"]
        verbose_name = _("on-call page")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "event_key"], name="oncall_page_natural_key")
        ]
        indexes = [
            # The sweep: pages whose hour is up and that nobody settled yet.
            models.Index(
                fields=["answer_due_at"],
                name="oncall_page_due_idx",
                condition=Q(answered_at__isnull=True, escalated_at__isnull=True),
            ),
        ]
        verbose_name_plural = _("on-call pages")

    def __str__(self) -> str:
        return f"Page for ticket {self.ticket_id} ({self.reason})"


class InboundOutcome(models.TextChoices):
    REPLY = "reply", _("Added as a reply")
    TICKET = "ticket", _("Opened a ticket")
    LOOP = "loop", _("Refused: automatic, looping or spam mail")
    UNKNOWN_SENDER = "unknown_sender", _("Unknown sender: answered politely")
    IGNORED = "ignored", _("Ignored")


class InboundMessage(models.Model):
    """One email received, keyed by its Message-ID within the receiving mailbox.

    The row is inserted before the message is processed, in the same transaction, so
    the same provider payload delivered twice (or concurrently) makes one reply.
    """

    mailbox = models.CharField(_("mailbox"), max_length=254)
    message_id = models.CharField(_("email Message-ID"), max_length=255)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    sender = models.EmailField(_("sender"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=InboundOutcome.choices)
    detail = models.TextField(_("detail"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    reply = models.ForeignKey(
        "tickets.Reply",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reply"),
    )
    received_at = models.DateTimeField(_("received"), default=now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "message_id"], name="inbound_once"),
        ]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")

    def __str__(self) -> str:
        return f"{self.message_id} from {self.sender}: {self.outcome}"


class SweepRun(models.Model):
    """When the SLA sweep last ran (one row): the health check says whether beat and the
    sla workers are keeping the deadlines, and how late they are if not."""

    id = models.PositiveSmallIntegerField(_("ID"), primary_key=True, default=1, editable=False)
    swept_at = models.DateTimeField(_("swept"))

    class Meta:
        verbose_name = _("SLA sweep run")
        verbose_name_plural = _("SLA sweep runs")

    def __str__(self) -> str:
        return f"SLA sweep at {self.swept_at:%Y-%m-%d %H:%M:%S}"
