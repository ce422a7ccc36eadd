"""Tickets, their statuses and numbering, and the queues' urgency order."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import (
    CombinedSearchVector,
    SearchConfig,
    SearchVector,
    SearchVectorField,
)
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import Combinable
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization
from sla.models import Channel, Contract, ProductVersion, Severity
from tickets.indexes import RumIndex


class TicketType(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Service request or question")
    BUG = "bug", _("Bug")
    ENHANCEMENT = "enhancement", _("Enhancement request")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketDocument(CombinedSearchVector):
    """A ticket's full-text document for the workspace search (workspace.search): the title
    weighted above the description. Stored in Ticket.search_document on PostgreSQL, so
    ranking thousands of matches reads it instead of parsing every text again; the SQLite
    demo searches with icontains and stores an empty text."""

    def __init__(self) -> None:
        super().__init__(
            SearchVector("title", weight="A", config="english"),
            self.ADD,
            SearchVector("description", weight="B", config="english"),
            SearchConfig("english"),
        )

    def deconstruct(self):
        return "tickets.models.TicketDocument", (), {}

    def as_sqlite(self, compiler, connection, **extra_context):
        return "''", []


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
    WORKAROUND_PROVIDED = "workaround_provided", _("Workaround provided")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [
    Status.NEW,
    Status.ACKNOWLEDGED,
    Status.IN_PROGRESS,
    Status.WAITING_ON_CUSTOMER,
    Status.WORKAROUND_PROVIDED,
]


# Plain strings, so that index conditions deconstruct to the same migration.
OPEN_STATUS_VALUES = [str(status) for status in OPEN_STATUSES]


# The queues' order after the deadline: the most urgent priority, then the most severe
# (workspace.queues.URGENCY_ORDER). Plain strings, for the same reason as above; the
# urgency index holds these very expressions, so the queue is read in order.
PRIORITY_RANK = Case(
    When(priority="urgent", then=Value(0)),
    When(priority="high", then=Value(1)),
    When(priority="medium", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


SEVERITY_RANK = Case(
    When(severity="S1", then=Value(0)),
    When(severity="S2", then=Value(1)),
    When(severity="S3", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


# Most urgent first, in every list that says so: the earliest deadline still owed, so
# that breached tickets come first, longest overdue first, then running deadlines,
# soonest first; then tickets without a running deadline (paused while waiting on the
# customer, or with no SLA), which is also the btree's own order (NULLs last), so
# ticket_open_urgency_idx serves it; ties by priority, severity, then the oldest.
URGENCY_ORDER: list[str | Combinable] = [
    F("sla_due_at").asc(nulls_last=True),
    PRIORITY_RANK,
    SEVERITY_RANK,
    "created_at",
    "pk",
]


# URGENCY_ORDER as index keys (a btree keeps NULLs last): the queues' indexes hold
# these very expressions, so each is read in the queues' order.
URGENCY_INDEX_KEYS = (F("sla_due_at"), PRIORITY_RANK, SEVERITY_RANK, F("created_at"), F("id"))


class TicketCounter(models.Model):
    """Per-organisation ticket numbers, taken with UPDATE … RETURNING in the creating
    transaction: a rolled-back creation gives its number back, so there are no holes."""

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")

    def __str__(self) -> str:
        return f"Counter of organisation {self.organization_id}: {self.last_number}"


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def due_before(self, when) -> TicketQuerySet:
        return self.filter(sla_due_at__lte=when)


class Ticket(models.Model):
    # Indexes are kept only where a page's plan uses them (bench/indexes.py lists which):
    # every one more costs each insert and update. The organisation's own index would
    # repeat ticket_org_number's and ticket_org_activity_idx's first column, and the
    # reference's pattern index (unique=True adds one) served no LIKE.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name=_("organisation"),
    )
    number = models.PositiveIntegerField(_("number"))
    reference = models.CharField(_("reference"), max_length=24)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    type = models.CharField(
        _("type"), max_length=20, choices=TicketType.choices, default=TicketType.INCIDENT
    )
    severity = models.CharField(_("severity"), max_length=2, choices=Severity.choices, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    # Deleting a version, a contract or a person reads the tickets without an index:
    # rare administrators' acts, against an index kept up on every ticket.
    product_version = models.ForeignKey(
        ProductVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,
        verbose_name=_("product version"),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PORTAL
    )
    business_impact = models.TextField(_("business impact"), blank=True)
    requester = models.ForeignKey(  # ticket_requester_idx leads with it
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        db_index=False,
        verbose_name=_("requester"),
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="watched_tickets",
        verbose_name=_("watchers"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
        verbose_name=_("logged by"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), default=0, validators=[MaxValueValidator(3)]
    )
    workaround = models.TextField(_("workaround"), blank=True)
    workaround_at = models.DateTimeField(_("workaround provided"), null=True, blank=True)
    # What fixed it, as the customer is asked to confirm (cleared by a reopen).
    resolution = models.TextField(_("resolution"), blank=True)
    tracker_reference = models.CharField(_("external tracker issue"), max_length=60, blank=True)
    tracker_url = models.URLField(_("external tracker link"), blank=True)
    estimated_resolution = models.DateField(
        _("estimated time to resolution"), null=True, blank=True
    )
    # Intake checks, recorded as found when the ticket was logged.
    contract = models.ForeignKey(
        Contract,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,
        verbose_name=_("contract"),
    )
    has_valid_contract = models.BooleanField(_("valid contract"), default=False)
    product_covered = models.BooleanField(_("product covered"), default=True)
    channel_entitled = models.BooleanField(_("channel entitled"), default=True)
    # The earliest deadline among running SLA clocks, kept by the clock service.
    sla_due_at = models.DateTimeField(_("SLA deadline"), null=True, blank=True)
    sla_warn_at = models.DateTimeField(_("SLA warning due"), null=True, blank=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)
    # The calendar of the clock that sets sla_due_at: open time left or overdue in the
    # queues' countdowns, and the overdue order across calendars (tickets.urgency).
    sla_due_calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_(
            "SLA deadline's calendar"
        ),  # ticket_open_overdue_idx leads with it, for the open tickets
    )
    created_at = models.DateTimeField(_("created"), default=now)
    updated_at = models.DateTimeField(_("updated"), default=now)
    last_activity_at = models.DateTimeField(_("last activity"), default=now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    # The form's one-time key: submitting the same form twice finds this ticket again.
    intake_key = models.CharField(_("form key"), max_length=64, blank=True)
    search_document = models.GeneratedField(
        verbose_name=_("search document"),
        expression=TicketDocument(),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # A duplicate merged into another ticket (tickets.merging): closed, and its pages
    # lead to that ticket.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
        db_index=False,  # ticket_merged_into_idx: only the few merged tickets
        verbose_name=_("merged into"),
    )
    # The parent incident this ticket is one of the children of (tickets.links): its
    # public replies are posted here too.
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        db_index=False,  # ticket_parent_idx: only the few children
        verbose_name=_("parent incident"),
    )
    # Optimistic concurrency: every change increments it; an edit based on an older
    # version is refused with the changes made since.
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ScopedManager(
        organization="organization",
        _manager_class=models.Manager.from_queryset(TicketQuerySet),
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="ticket_reference_unique"),
            models.UniqueConstraint(fields=["organization", "number"], name="ticket_org_number"),
            models.UniqueConstraint(
                fields=["organization", "intake_key"],
                condition=~Q(intake_key=""),
                name="ticket_org_intake_key",
            ),
            models.CheckConstraint(
                condition=Q(type="enhancement") | ~Q(severity=""),
                name="ticket_fault_has_severity",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")), name="ticket_not_merged_into_itself"
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="ticket_not_own_parent"),
        ]
        indexes = [
            # Agent queues: open tickets by urgency, in the queues' very order (earliest
            # running SLA deadline first, then priority, severity, age), so a page is
            # read in order, without sorting the many tickets that share a deadline.
            models.Index(
                *URGENCY_INDEX_KEYS,
                name="ticket_open_urgency_idx",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            # The "waiting on customer" queue in the same order: a quarter of the open
            # tickets, whose paused clocks have no deadline, so they sort last in the
            # index above; its page joined and sorted all of them (111 ms at a
            # million tickets, 14,275 waiting) where this reads its 50 (2.4 ms).
            models.Index(
                *URGENCY_INDEX_KEYS,
                name="ticket_waiting_urgency_idx",
                condition=Q(status="waiting_on_customer"),
            ),
            # Overdue first (tickets.urgency.UrgentFirst): the overdue tickets of one
            # calendar in the queues' order, a page's worth from each calendar.
            models.Index(
                F("sla_due_calendar"),
                *URGENCY_INDEX_KEYS,
                name="ticket_open_overdue_idx",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            # Overdue first, the deadlines without a calendar (set before calendars were
            # kept): next to no row, where the urgency index made that part of the overdue
            # keys filter every overdue ticket to find none (8 ms at a million tickets).
            models.Index(
                *URGENCY_INDEX_KEYS,
                name="ticket_overdue_no_calendar_idx",
                condition=Q(
                    status__in=OPEN_STATUS_VALUES,
                    sla_due_calendar__isnull=True,
                    sla_due_at__isnull=False,
                ),
            ),
            # Take next: the most urgent unassigned open ticket. The condition lists all
            # five open statuses so the planner can match the queue's filter exactly.
            models.Index(
                fields=["sla_due_at"],
                name="ticket_unassigned_urgency_idx",
                condition=Q(
                    assignee__isnull=True,
                    status__in=OPEN_STATUS_VALUES,
                ),
            ),
            # Dashboard "at risk": open tickets past their warning point, not yet breached.
            models.Index(
                fields=["sla_warn_at"],
                name="ticket_open_warned_idx",
                condition=Q(
                    status__in=OPEN_STATUS_VALUES,
                    sla_breached=False,
                    sla_warn_at__isnull=False,
                ),
            ),
            # Dashboard "escalated": the few open tickets at a raised escalation level.
            models.Index(
                fields=["-escalation_level", "created_at"],
                name="ticket_open_escalated_idx",
                condition=Q(status__in=OPEN_STATUS_VALUES, escalation_level__gt=0),
            ),
            # Every count of the agent queues and the dashboard's "open by severity and
            # SLA state", from the index alone (an index-only scan of the open tickets;
            # their heap pages lie all over the table).
            models.Index(
                fields=["severity", "sla_breached", "sla_due_at", "sla_warn_at"],
                include=[
                    "id",
                    "status",
                    "assignee",
                    "organization",
                    "contract",
                    "escalation_level",
                    "has_valid_contract",
                ],
                name="ticket_open_sla_state_idx",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            # Portal lists: an organisation's tickets by last activity, filtered by status.
            models.Index(
                fields=["organization", "status", "-last_activity_at"], name="ticket_org_status_idx"
            ),
            models.Index(
                fields=["organization", "-last_activity_at"], name="ticket_org_activity_idx"
            ),
            # A customer user's own tickets.
            models.Index(fields=["requester", "-last_activity_at"], name="ticket_requester_idx"),
            # Auto-close of resolved tickets after the confirmation window.
            models.Index(fields=["status", "resolved_at"], name="ticket_status_resolved_idx"),
            # A parent incident's children, and a target's merged duplicates (the ticket
            # page): partial, as few tickets have either.
            models.Index(
                fields=["parent"], name="ticket_parent_idx", condition=Q(parent__isnull=False)
            ),
            models.Index(
                fields=["merged_into"],
                name="ticket_merged_into_idx",
                condition=Q(merged_into__isnull=False),
            ),
            # Dashboard intake and compliance by period.
            models.Index(fields=["created_at"], name="ticket_created_idx"),
            # An organisation's tickets by when they were logged (its monthly service
            # report's list, and its S1 tickets open at the end of a month, counted from
            # the index alone). Without it the report's list read the search index's
            # dates of every organisation: 0.85 s at a million tickets.
            models.Index(
                fields=["organization", "created_at"],
                include=["severity", "resolved_at", "closed_at"],
                name="ticket_org_created_idx",
            ),
            # Workspace search: words in titles and descriptions, the newest matches
            # first, straight from the index, to be ranked (workspace.search).
            RumIndex(
                fields=["search_document", "created_at"],
                opclasses=["rum_tsvector_addon_ops", "rum_timestamptz_ops"],
                attach="created_at",
                to="search_document",
                name="ticket_document_recent_idx",
            ),
        ]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_sla(self) -> bool:
        return self.has_valid_contract and self.type != TicketType.ENHANCEMENT
