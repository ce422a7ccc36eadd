"""Writes of the ticket domain: intake, conversation, workflow, triage and escalation.

Every function takes the acting user first (None for the system), runs in one
transaction, locks the ticket row it changes, writes one history event per change and
calls the SLA clock service. Domain errors are ``ValidationError`` (bad input),
``PermissionDenied`` (the role may not), ``TransitionError`` (the workflow forbids it)
and ``ConcurrentEdit`` (someone else changed the ticket meanwhile).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts import permissions
from accounts.models import Organization, User
from accounts.scoping import service
from sla import services as clocks
from sla.models import (
    BusinessCalendar,
    Channel,
    Contract,
    ProductVersion,
    Severity,
    TargetKind,
    TargetUnit,
)
from sla.selectors import contract_in_force
from tickets import limits, live, workflow
from tickets.attachments import validate_upload
from tickets.models import (
    CADENCE_MAX,
    Attachment,
    EscalationRequest,
    EscalationStatus,
    Priority,
    Reply,
    Status,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketType,
)

LOWER_SEVERITY = {Severity.S1: Severity.S2, Severity.S2: Severity.S3}


class ConcurrentEdit(Exception):
    """The ticket changed after the editor loaded it; ``changes`` are those events."""

    def __init__(self, ticket: Ticket, changes: list[TicketEvent]):
        self.ticket = ticket
        self.changes = changes
        who = ", ".join(sorted({str(e.actor) for e in changes if e.actor})) or "someone"
        super().__init__(
            f"This ticket changed while you were editing it ({who}). "
            "Review the change below and try again."
        )


@dataclass(frozen=True)
class IntakeCheck:
    contract_valid: bool
    product_covered: bool
    channel_entitled: bool
    warnings: tuple[str, ...]
    contract: Contract | None = None  # the contract in force, found by the check


def _now() -> dt.datetime:
    return timezone.now()


def _lock(ticket: Ticket, expected_version: int | None = None) -> Ticket:
    locked = (
        Ticket.objects.select_for_update(of=("self",)).select_related("contract").get(pk=ticket.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        changes = list(
            TicketEvent.objects.filter(ticket=locked, ticket_version__gt=expected_version)
            .select_related("actor")
            .order_by("created_at")
        )
        raise ConcurrentEdit(locked, changes)
    return locked


def _record(
    ticket: Ticket,
    actor: User | None,
    kind: str,
    *,
    field: str = "",
    old: object = "",
    new: object = "",
    message: str = "",
    public: bool = True,
    at: dt.datetime | None = None,
    version: int | None = None,
) -> TicketEvent:
    """One history row. It carries the ticket version the change produces (the one
    ``_touch`` saves next), so an editor who loaded version N is shown exactly the
    events with ``ticket_version > N``. Every change records one, so here the queues'
    live figures are marked stale."""
    live.open_tickets_changed()
    return TicketEvent.objects.create(
        ticket=ticket,
        organization_id=ticket.organization_id,
        actor=actor,
        kind=kind,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        message=message,
        is_public=public,
        ticket_version=ticket.version + 1 if version is None else version,
        created_at=at or _now(),
    )


def _touch(ticket: Ticket, at: dt.datetime, *fields: str) -> None:
    """Save changed fields, bump the version and the activity time."""
    ticket.version += 1
    ticket.updated_at = at
    ticket.last_activity_at = at
    ticket.save(update_fields=[*fields, "version", "updated_at", "last_activity_at"])


def _open_email_thread(ticket: Ticket) -> None:
    """The ticket's email thread root, stored with the ticket itself: created later,
    by two notifying workers at once, it deadlocked them (issue #18)."""
    from notifications import emails

    emails.thread_open(ticket)


def _notify(event: str, ticket: Ticket, **extra) -> None:
    """Hand an event to the notifications app once the transaction commits."""
    from notifications import events

    events.emit(event, ticket=ticket, **extra)


# --- Intake ----------------------------------------------------------------------------


def intake_check(
    *, organization: Organization, product_version: ProductVersion | None, channel: str
) -> IntakeCheck:
    """The seeds' intake checks: contract valid today, product covered, channel entitled."""
    contract = contract_in_force(organization=organization)
    warnings = []
    if contract is None:
        warnings.append(
            f"{organization.name} has no valid support contract today: the ticket is "
            "accepted, flagged, and gets no SLA clock."
        )
        return IntakeCheck(False, True, True, tuple(warnings))
    covered = (
        product_version is None or contract.covered_versions.filter(pk=product_version.pk).exists()
    )
    if not covered:
        warnings.append(f"{product_version} is not covered by the contract.")
    entitled = channel == Channel.API or channel in contract.entitled_channels
    if not entitled:
        warnings.append(
            f"The contract does not include {Channel(channel).label.lower()} support "
            f"(entitled: {', '.join(contract.entitled_channels)})."
        )
    return IntakeCheck(True, covered, entitled, tuple(warnings), contract)


def _next_number(organization: Organization) -> int:
    # One statement creates the counter or counts on: the row lock it takes serialises
    # concurrent creations per organisation until the transaction ends, and a rollback
    # returns the number (PostgreSQL and SQLite both know this upsert).
    table = TicketCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, last_number) VALUES (%s, 1) "  # noqa: S608 - our own table name
            f"ON CONFLICT (organization_id) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [organization.pk],
        )
        return cursor.fetchone()[0]


def _clean_intake(
    *, type: str, severity: str, business_impact: str, title: str, description: str
) -> str:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Give the ticket a short title."
    if not description.strip():
        errors["description"] = "Describe what happened."
    for field, value, limit in (
        ("title", title, limits.TITLE_MAX_CHARS),
        ("description", description, limits.TEXT_MAX_CHARS),
        ("business_impact", business_impact, limits.REASON_MAX_CHARS),
    ):
        if len(value) > limit:
            errors[field] = f"This text has {len(value):,} characters; the limit is {limit:,}."
    if type == TicketType.ENHANCEMENT:
        severity = ""
    elif severity not in Severity.values:
        errors["severity"] = "Choose how severe the problem is."
    if severity == Severity.S1 and not business_impact.strip():
        errors["business_impact"] = (
            "A critical (S1) ticket needs a business-impact statement: what has stopped, "
            "and for whom."
        )
    if errors:
        raise ValidationError(errors)
    return severity


@service
def ticket_create(
    actor: User,
    *,
    organization: Organization,
    requester: User,
    title: str,
    description: str,
    type: str = TicketType.INCIDENT,
    severity: str = "",
    priority: str = Priority.MEDIUM,
    product_version: ProductVersion | None = None,
    channel: str = Channel.PORTAL,
    business_impact: str = "",
    watchers: Sequence[User] = (),
    attachments: Sequence[UploadedFile] = (),
    intake_key: str = "",
) -> Ticket:
    """Log a ticket. The same ``intake_key`` twice (a double submission) gives back the
    ticket the first submission created instead of a second one."""
    if not permissions.can_log_ticket_for(actor, organization):
        raise PermissionDenied("You cannot log tickets for this organisation.")
    if permissions.organization_of(requester) != organization:
        raise ValidationError({"requester": "The requester must be a contact of the organisation."})
    if not permissions.is_staff_member(actor) and requester != actor:
        raise PermissionDenied("Customers log tickets in their own name.")
    severity = _clean_intake(
        type=type,
        severity=severity,
        business_impact=business_impact,
        title=title,
        description=description,
    )
    for upload in attachments:
        validate_upload(upload)
    check = intake_check(
        organization=organization, product_version=product_version, channel=channel
    )
    at = _now()
    number = _next_number(organization)
    if intake_key:
        # Checked after the counter's row lock, so a concurrent twin has committed by now.
        existing = Ticket.objects.filter(organization=organization, intake_key=intake_key).first()
        if existing is not None:
            transaction.set_rollback(True)  # gives the number back: no holes
            return existing
    ticket = Ticket.objects.create(
        intake_key=intake_key,
        organization=organization,
        number=number,
        reference=f"{organization.code}-{number}",
        title=title.strip(),
        description=description,
        type=type,
        severity=severity,
        priority=priority if permissions.is_staff_member(actor) else Priority.MEDIUM,
        product_version=product_version,
        channel=channel,
        business_impact=business_impact,
        requester=requester,
        created_by=actor,
        contract=check.contract,
        has_valid_contract=check.contract_valid,
        product_covered=check.product_covered,
        channel_entitled=check.channel_entitled,
        created_at=at,
        updated_at=at,
        last_activity_at=at,
    )
    _set_watchers(ticket, watchers)
    _open_email_thread(ticket)
    for upload in attachments:
        _store_attachment(ticket, None, upload, actor, at)
    logged = f"Logged via {Channel(channel).label.lower()}"
    _record(ticket, actor, "created", message=logged, at=at, version=ticket.version)
    for warning in check.warnings:
        _record(ticket, None, "intake_warning", message=warning, public=False, at=at, version=1)
    if ticket.has_sla:
        clocks.clocks_start(ticket=ticket, at=at)
    _notify("ticket_created", ticket)
    return ticket


def _set_watchers(ticket: Ticket, watchers: Sequence[User]) -> None:
    for watcher in watchers:
        if permissions.organization_of(watcher) != ticket.organization:
            raise ValidationError(
                {"watchers": f"{watcher} is not a colleague at {ticket.organization.name}."}
            )
    ticket.watchers.add(*watchers)


def _store_attachment(
    ticket: Ticket, reply: Reply | None, upload: UploadedFile, actor: User, at: dt.datetime
) -> Attachment:
    content_type = validate_upload(upload)
    attachment = Attachment(
        ticket=ticket,
        organization_id=ticket.organization_id,
        reply=reply,
        filename=upload.name or "attachment",
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
        created_at=at,
    )
    attachment.file.save(upload.name or "attachment", upload, save=False)
    attachment.save()
    return attachment


# --- Conversation -----------------------------------------------------------------------


@service
def ticket_reply(
    actor: User,
    *,
    ticket: Ticket,
    body: str,
    internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
    via: str = Channel.PORTAL,
    message_id: str = "",
) -> Reply:
    if not permissions.can_view_ticket(actor, ticket):
        raise PermissionDenied("You cannot reply on this ticket.")
    staff = permissions.can_work_tickets(actor)
    if internal and not staff:
        raise PermissionDenied("Only support staff write internal notes.")
    if not body.strip():
        raise ValidationError({"body": "Write a message first."})
    limits.check_length("body", body, limits.TEXT_MAX_CHARS, "The message")
    for upload in attachments:
        validate_upload(upload)
    ticket = _lock(ticket)
    if ticket.status == Status.CLOSED and not staff:
        raise ValidationError("This ticket is closed: reopen it to continue the conversation.")
    at = _now()
    reply = _add_reply(
        ticket,
        actor,
        body,
        at,
        internal=internal,
        attachments=attachments,
        via=via,
        message_id=message_id,
    )
    fields = []
    if staff and not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = at
            fields.append("first_response_at")
        if ticket.acknowledged_at is None:
            ticket.acknowledged_at = at
            fields.append("acknowledged_at")
        if ticket.status == Status.NEW:
            _set_status(ticket, actor, Status.ACKNOWLEDGED, at)
            fields.append("status")
        clocks.clocks_meet(
            ticket=ticket, kinds=[TargetKind.TRIAGE, TargetKind.FIRST_RESPONSE], at=at
        )
        clocks.update_cycle_restart(ticket=ticket, at=at)
        clocks.escalation_cadence_restart(ticket=ticket, at=at)
    elif not staff and ticket.status == Status.WAITING_ON_CUSTOMER:
        # The customer's answer is what the clocks were waiting for.
        _set_status(ticket, actor, Status.IN_PROGRESS, at)
        fields.append("status")
        clocks.clocks_resume(ticket=ticket, at=at)
    _touch(ticket, at, *fields)
    _record(ticket, actor, "note" if internal else "reply", public=not internal, at=at)
    _notify("note_added" if internal else "reply_added", ticket, reply=reply)
    return reply


def _add_reply(
    ticket: Ticket,
    actor: User,
    body: str,
    at: dt.datetime,
    *,
    internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
    via: str = Channel.PORTAL,
    message_id: str = "",
) -> Reply:
    reply = Reply.objects.create(
        ticket=ticket,
        organization_id=ticket.organization_id,
        author=actor,
        body=body,
        is_internal=internal,
        via=via,
        message_id=message_id,
        created_at=at,
    )
    for upload in attachments:
        _store_attachment(ticket, reply, upload, actor, at)
    return reply


def _set_status(
    ticket: Ticket, actor: User | None, status: str, at: dt.datetime, message: str = ""
) -> None:
    old = ticket.status
    ticket.status = status
    _record(
        ticket,
        actor,
        "status",
        field="status",
        old=Status(old).label,
        new=Status(status).label,
        message=message,
        at=at,
    )


# --- Workflow ---------------------------------------------------------------------------


@service
def ticket_transition(
    actor: User | None,
    *,
    ticket: Ticket,
    action: str,
    expected_version: int | None = None,
    workaround: str = "",
    resolution: str = "",
    reason: str = "",
    attachments: Sequence[UploadedFile] = (),
    via: str = Channel.PORTAL,
    message_id: str = "",
) -> Ticket:
    """Move the ticket along the workflow; the effects of each step are here.

    Three steps need words for the customer: a workaround needs the ``workaround``, a
    resolution the ``resolution`` they are asked to confirm, a reopen the ``reason``,
    which is posted as a public reply (with ``attachments``, ``via`` and
    ``message_id`` when it came by email). Each step emits one event, so the people
    on the ticket get one message that says everything the step changed."""
    if actor is not None and not permissions.can_view_ticket(actor, ticket):
        raise PermissionDenied("You cannot change this ticket.")
    workaround, resolution, reason = workaround.strip(), resolution.strip(), reason.strip()
    if action == "provide_workaround" and not workaround:
        raise ValidationError({"workaround": "Describe the workaround for the customer."})
    if action == "resolve" and not resolution:
        raise ValidationError(
            {"resolution": "Describe the resolution: the customer is asked to confirm it."}
        )
    if action == "reopen":
        if not reason:
            raise ValidationError({"reason": "Say why the ticket needs more work."})
        limits.check_length("reason", reason, limits.TEXT_MAX_CHARS, "The reason")
        for upload in attachments:
            validate_upload(upload)
    for name, text in (("workaround", workaround), ("resolution", resolution)):
        limits.check_length(name, text, limits.TEXT_MAX_CHARS, f"The {name}")
    ticket = _lock(ticket, expected_version)
    role = workflow.role_of(actor)
    transition = workflow.check(action, status=ticket.status, role=role)
    at = _now()
    if action == "reopen" and ticket.status == Status.CLOSED:
        window = dt.timedelta(days=settings.TICKET_REOPEN_WINDOW_DAYS)
        if ticket.closed_at and at - ticket.closed_at > window:
            raise workflow.TransitionError(
                f"Closed tickets can be reopened for {window.days} days; log a new ticket "
                "and mention this one."
            )
    fields = ["status"]
    previous = ticket.status
    told: dict[str, object] = {}  # what the event adds to the status for the customer
    _set_status(ticket, actor, transition.target, at, message=reason[:500])

    if action in ("acknowledge", "start_progress") and ticket.acknowledged_at is None:
        ticket.acknowledged_at = at
        fields.append("acknowledged_at")
        clocks.clocks_meet(ticket=ticket, kinds=[TargetKind.TRIAGE], at=at)
    if action == "wait_on_customer":
        clocks.clocks_pause(ticket=ticket, at=at)
    if previous == Status.WAITING_ON_CUSTOMER and transition.target != Status.WAITING_ON_CUSTOMER:
        clocks.clocks_resume(ticket=ticket, at=at)
    if action == "provide_workaround":
        ticket.workaround = workaround
        ticket.workaround_at = at
        fields += ["workaround", "workaround_at"]
        _record(ticket, actor, "workaround", field="workaround", new=workaround, at=at)
        clocks.clocks_meet(ticket=ticket, kinds=[TargetKind.WORKAROUND], at=at)
        lower = LOWER_SEVERITY.get(Severity(ticket.severity)) if ticket.severity else None
        if lower:
            # Said in the workaround's own message: no second email for the severity.
            told["old_severity"] = ticket.severity
            _change_severity(ticket, actor, lower, "A workaround is in place.", at, notify=False)
            fields.append("severity")
        else:
            clocks.clocks_apply_policy(ticket=ticket, at=at)
    if action in ("resolve", "accept_workaround"):
        ticket.resolved_at = at
        ticket.resolution = resolution if action == "resolve" else ticket.workaround
        fields += ["resolved_at", "resolution"]
        if action == "resolve":
            _record(ticket, actor, "resolution", field="resolution", new=resolution, at=at)
        clocks.clocks_meet(
            ticket=ticket,
            kinds=[TargetKind.RESOLUTION, TargetKind.WORKAROUND, TargetKind.TRIAGE],
            at=at,
        )
        clocks.clocks_cancel(ticket=ticket, at=at)
    if transition.target == Status.CLOSED:
        ticket.closed_at = at
        fields.append("closed_at")
        clocks.clocks_cancel(ticket=ticket, at=at)
    if transition.target in (Status.RESOLVED, Status.CLOSED):
        _end_pending_escalations(ticket, transition.target, at)
        clocks.escalation_cadence_stop(ticket=ticket, at=at)
    if action == "reopen":
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.resolution = ""
        fields += ["resolved_at", "closed_at", "resolution"]
        clocks.clocks_apply_policy(ticket=ticket, at=at)
        _resume_escalation_cadence(ticket, at)
        assert actor is not None  # the workflow lets only people reopen
        told["reply"] = _add_reply(
            ticket, actor, reason, at, attachments=attachments, via=via, message_id=message_id
        )
    _touch(ticket, at, *fields)
    _notify("status_changed", ticket, action=action, **told)
    return ticket


def _change_severity(
    ticket: Ticket,
    actor: User | None,
    severity: str,
    reason: str,
    at: dt.datetime,
    *,
    notify: bool = True,
) -> None:
    old = ticket.severity
    ticket.severity = severity
    _record(
        ticket, actor, "severity", field="severity", old=old, new=severity, message=reason, at=at
    )
    ticket.save(update_fields=["severity"])
    clocks.clocks_apply_policy(ticket=ticket, at=at, severity_changed=True)
    if notify:
        _notify("severity_changed", ticket, old=old, reason=reason, at=at.isoformat())


@service
def ticket_set_severity(
    actor: User,
    *,
    ticket: Ticket,
    severity: str,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied("Only support staff change the severity.")
    if severity not in Severity.values:
        raise ValidationError({"severity": "Choose S1, S2 or S3."})
    if not reason.strip():
        raise ValidationError({"reason": "Give the customer the reason for the change."})
    ticket = _lock(ticket, expected_version)
    if ticket.type == TicketType.ENHANCEMENT:
        raise ValidationError({"severity": "Enhancement requests carry no severity."})
    if ticket.severity == severity:
        return ticket
    at = _now()
    _change_severity(ticket, actor, severity, reason.strip(), at)
    _touch(ticket, at, "severity")
    return ticket


@service
def ticket_set_priority(
    actor: User, *, ticket: Ticket, priority: str, expected_version: int | None = None
) -> Ticket:
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied("Only support staff set the priority.")
    if priority not in Priority.values:
        raise ValidationError({"priority": "Choose a priority."})
    ticket = _lock(ticket, expected_version)
    if ticket.priority == priority:
        return ticket
    at = _now()
    _record(
        ticket,
        actor,
        "priority",
        field="priority",
        old=Priority(ticket.priority).label,
        new=Priority(priority).label,
        public=False,
        at=at,
    )
    ticket.priority = priority
    _touch(ticket, at, "priority")
    return ticket


@service
def ticket_assign(
    actor: User, *, ticket: Ticket, assignee: User | None, expected_version: int | None = None
) -> Ticket:
    """Assign to a staff member (or unassign). Assigning acknowledges a new ticket."""
    if not permissions.can_assign_ticket(actor, ticket):
        raise PermissionDenied("Only support staff assign tickets.")
    if assignee is not None and not permissions.is_staff_member(assignee):
        raise ValidationError({"assignee": "Tickets are assigned to support staff only."})
    ticket = _lock(ticket, expected_version)
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    at = _now()
    _record(
        ticket,
        actor,
        "assignee",
        field="assignee",
        old=ticket.assignee or "",
        new=assignee or "",
        at=at,
    )
    ticket.assignee = assignee
    fields = ["assignee"]
    if assignee is not None and ticket.acknowledged_at is None:
        ticket.acknowledged_at = at
        fields.append("acknowledged_at")
        if ticket.status == Status.NEW:
            _set_status(ticket, actor, Status.ACKNOWLEDGED, at)
            fields.append("status")
        clocks.clocks_meet(ticket=ticket, kinds=[TargetKind.TRIAGE], at=at)
    elif assignee is not None and ticket.severity == Severity.S1:
        # A ticket raised to critical after hours is triaged again (clocks_apply_policy):
        # whoever takes it on meets that triage.
        clocks.clocks_meet(ticket=ticket, kinds=[TargetKind.TRIAGE], at=at)
    _touch(ticket, at, *fields)
    _notify("assigned", ticket)
    return ticket


@service
def ticket_link_tracker(
    actor: User,
    *,
    ticket: Ticket,
    reference: str,
    url: str,
    estimated_resolution: dt.date | None,
    expected_version: int | None = None,
) -> Ticket:
    """Escalate a confirmed bug to development: the tracker issue and its ETA."""
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied("Only support staff link tracker issues.")
    ticket = _lock(ticket, expected_version)
    at = _now()
    eta_before = ticket.estimated_resolution
    for field, value in (
        ("tracker_reference", reference),
        ("tracker_url", url),
        ("estimated_resolution", estimated_resolution),
    ):
        if getattr(ticket, field) != value:
            _record(
                ticket,
                actor,
                "tracker",
                field=field,
                old=getattr(ticket, field),
                new=value,
                at=at,
                # The vendor's tracker is internal: customers see its reference at most.
                public=field != "tracker_url",
            )
            setattr(ticket, field, value)
    _touch(ticket, at, "tracker_reference", "tracker_url", "estimated_resolution")
    if ticket.estimated_resolution != eta_before:
        # The customers hear of a new estimate once, whatever else the form changed.
        _notify(
            "eta_changed",
            ticket,
            old=eta_before.isoformat() if eta_before else "",
        )
    return ticket


@service
def ticket_add_watcher(actor: User, *, ticket: Ticket, watcher: User) -> Ticket:
    if not permissions.can_view_ticket(actor, ticket):
        raise PermissionDenied("You cannot change this ticket.")
    ticket = _lock(ticket)
    _set_watchers(ticket, [watcher])
    at = _now()
    _record(ticket, actor, "watcher", field="watchers", new=watcher, at=at)
    _touch(ticket, at)
    return ticket


# --- Escalation --------------------------------------------------------------------------


@service
def escalation_request(actor: User, *, ticket: Ticket, reason: str) -> EscalationRequest:
    if not permissions.can_view_ticket(actor, ticket):
        raise PermissionDenied("You cannot escalate this ticket.")
    if not reason.strip():
        raise ValidationError({"reason": "Tell us why this needs escalating."})
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise ValidationError("Only open tickets can be escalated.")
    if ticket.escalations.filter(status=EscalationStatus.PENDING).exists():
        raise ValidationError("An escalation request is already awaiting review.")
    at = _now()
    escalation = EscalationRequest.objects.create(
        ticket=ticket,
        organization_id=ticket.organization_id,
        requested_by=actor,
        reason=reason.strip(),
        created_at=at,
    )
    _record(ticket, actor, "escalation_requested", message=reason.strip(), at=at)
    _touch(ticket, at)
    _notify("escalation_requested", ticket, escalation=escalation)
    return escalation


def _lock_pending(escalation: EscalationRequest) -> tuple[EscalationRequest, Ticket]:
    """The ticket, then the request, locked: the order ticket_transition takes them in
    when it ends a pending request, so a decision and a resolution never deadlock. A
    request already decided or ended, or on a ticket resolved or closed, is refused."""
    ticket = _lock(escalation.ticket)
    escalation = EscalationRequest.objects.select_for_update(of=("self",)).get(pk=escalation.pk)
    if escalation.status == EscalationStatus.ENDED:
        raise ValidationError(
            "This escalation request ended with the ticket: there is nothing left to decide."
        )
    if escalation.status != EscalationStatus.PENDING:
        raise ValidationError("This escalation request was already handled.")
    if not ticket.is_open:
        raise ValidationError(
            f"The ticket is {Status(ticket.status).label.lower()}: there is nothing left "
            "to escalate."
        )
    return escalation, ticket


def _end_pending_escalations(ticket: Ticket, status: str, at: dt.datetime) -> None:
    """A resolved or closed ticket leaves nothing to escalate: a request still awaiting
    review ends with it, with a history row saying why."""
    note = f"The ticket was {Status(status).label.lower()} before a manager decided on the request."
    pending = EscalationRequest.objects.select_for_update(of=("self",)).filter(
        ticket=ticket, status=EscalationStatus.PENDING
    )
    for escalation in pending:
        escalation.status = EscalationStatus.ENDED
        escalation.handled_at = at
        escalation.decision_note = note
        escalation.save(update_fields=["status", "handled_at", "decision_note"])
        _record(ticket, None, "escalation_ended", message=note, at=at)


def _resume_escalation_cadence(ticket: Ticket, at: dt.datetime) -> None:
    """A reopened ticket still escalated owes updates again at its latest plan's cadence."""
    if ticket.escalation_level == 0:
        return
    plan = (
        ticket.escalations.filter(status=EscalationStatus.ACCEPTED, cadence_amount__isnull=False)
        .select_related("cadence_calendar")
        .order_by("-handled_at", "-pk")
        .first()
    )
    if plan is None or plan.cadence_amount is None or plan.cadence_calendar is None:
        return
    clocks.escalation_cadence_start(
        ticket=ticket,
        amount=plan.cadence_amount,
        unit=plan.cadence_unit,
        calendar=plan.cadence_calendar,
        at=at,
    )


def _clean_cadence(
    amount: int | None, unit: str, calendar: BusinessCalendar | None
) -> tuple[int, str, BusinessCalendar]:
    """An action plan's cadence, checked: 1 to 999 of an engine unit, on a calendar."""
    errors = {}
    if amount is None or not 1 <= amount <= CADENCE_MAX:
        errors["cadence_amount"] = (
            f"Give how often the customer hears from us as a whole number from 1 to {CADENCE_MAX}."
        )
    if unit not in TargetUnit.values:
        errors["cadence_unit"] = (
            "Choose minutes, hours, business days, weeks or months for the update interval."
        )
    if calendar is None:
        errors["cadence_calendar"] = "Choose the calendar the update interval counts on."
    if errors or amount is None or calendar is None:
        raise ValidationError(errors)
    return amount, unit, calendar


@service
def escalation_accept(
    actor: User,
    *,
    escalation: EscalationRequest,
    level: int,
    specialist: User | None,
    action_plan: str,
    communication_channel: str,
    cadence_amount: int | None,
    cadence_unit: str,
    cadence_calendar: BusinessCalendar | None,
    participants: str,
) -> EscalationRequest:
    """Raise the level with an action plan. Its cadence ("every 4 business hours") runs
    the ticket's escalation update clock until the level is lowered to 0 or the ticket
    is resolved: every public staff reply meets the running cycle and starts the next."""
    if not permissions.can_handle_escalations(actor):
        raise PermissionDenied("Only managers handle escalation requests.")
    if specialist is not None and not permissions.is_staff_member(specialist):
        raise ValidationError({"specialist": "Name a member of the support staff."})
    amount, unit, calendar = _clean_cadence(cadence_amount, cadence_unit, cadence_calendar)
    escalation, ticket = _lock_pending(escalation)
    if not ticket.escalation_level < level <= 3:
        raise ValidationError(
            {"level": f"Raise the level above {ticket.escalation_level}, to 3 at most."}
        )
    if not action_plan.strip():
        raise ValidationError({"action_plan": "Write the action plan the customer will see."})
    at = _now()
    escalation.status = EscalationStatus.ACCEPTED
    escalation.handled_by, escalation.handled_at = actor, at
    escalation.specialist = specialist
    escalation.action_plan = action_plan.strip()
    escalation.communication_channel = communication_channel.strip()
    escalation.cadence_amount, escalation.cadence_unit = amount, unit
    escalation.cadence_calendar = calendar
    escalation.participants = participants.strip()
    escalation.save()
    _record(
        ticket,
        actor,
        "escalation",
        field="escalation_level",
        old=ticket.escalation_level,
        new=level,
        message=action_plan.strip(),
        at=at,
    )
    ticket.escalation_level = level
    fields = ["escalation_level"]
    if specialist is not None and ticket.assignee_id != specialist.pk:
        _record(
            ticket,
            actor,
            "assignee",
            field="assignee",
            old=ticket.assignee or "",
            new=specialist,
            at=at,
        )
        ticket.assignee = specialist
        fields.append("assignee")
    clocks.escalation_cadence_start(
        ticket=ticket, amount=amount, unit=unit, calendar=calendar, at=at
    )
    _touch(ticket, at, *fields)
    _notify("escalation_handled", ticket, escalation=escalation)
    return escalation


@service
def escalation_decline(
    actor: User, *, escalation: EscalationRequest, reason: str
) -> EscalationRequest:
    if not permissions.can_handle_escalations(actor):
        raise PermissionDenied("Only managers handle escalation requests.")
    if not reason.strip():
        raise ValidationError({"reason": "Tell the customer why the request is declined."})
    escalation, ticket = _lock_pending(escalation)
    at = _now()
    escalation.status = EscalationStatus.DECLINED
    escalation.handled_by, escalation.handled_at = actor, at
    escalation.decision_note = reason.strip()
    escalation.save()
    _record(ticket, actor, "escalation_declined", message=reason.strip(), at=at)
    _touch(ticket, at)
    _notify("escalation_handled", ticket, escalation=escalation)
    return escalation


@service
def ticket_lower_escalation(actor: User, *, ticket: Ticket, reason: str) -> Ticket:
    """Lower the level when severity drops or the customer stops taking part. At level 0
    the action plan's update cadence stops."""
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied("Only support staff lower the escalation level.")
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for lowering the level."})
    ticket = _lock(ticket)
    if ticket.escalation_level == 0:
        raise ValidationError("The ticket is not escalated.")
    at = _now()
    _record(
        ticket,
        actor,
        "escalation",
        field="escalation_level",
        old=ticket.escalation_level,
        new=ticket.escalation_level - 1,
        message=reason.strip(),
        at=at,
    )
    ticket.escalation_level -= 1
    if ticket.escalation_level == 0:
        clocks.escalation_cadence_stop(ticket=ticket, at=at)
    _touch(ticket, at, "escalation_level")
    return ticket


def tickets_autoclose(*, at: dt.datetime | None = None) -> int:
    """Close resolved tickets the customer has not answered within the window."""
    from django_scopes import scopes_disabled

    at = at or _now()
    cutoff = at - dt.timedelta(days=settings.TICKET_AUTOCLOSE_DAYS)
    # The beat task works across organisations by design.
    # A customer's answer after the resolution ("still broken") is for an agent to read,
    # not a confirmation: such tickets stay resolved until someone acts on them.
    answered = Reply.objects.filter(
        ticket=OuterRef("pk"),
        created_at__gt=OuterRef("resolved_at"),
        is_internal=False,
        author__staff_role="",
    )
    with scopes_disabled():
        due = list(
            Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).exclude(
                Exists(answered)
            )
        )
    closed = 0
    for ticket in due:
        try:
            ticket_transition(None, ticket=ticket, action="confirm_resolution")
        except workflow.TransitionError:
            continue  # reopened or closed by someone meanwhile
        closed += 1
    return closed
