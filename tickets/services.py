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

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from accounts import permissions
from accounts.models import User
from accounts.scoping import service
from sla import services as clocks
from sla.models import (
    Channel,
    Severity,
    TargetKind,
)
from tickets import changes, escalations, limits, uploads, visibility, workflow
from tickets.attachments import validate_upload
from tickets.models import (
    Priority,
    Reply,
    Status,
    Ticket,
    TicketType,
)
from tickets.wording import WORKAROUND_NOTE

LOWER_SEVERITY = {Severity.S1: Severity.S2, Severity.S2: Severity.S3}


def ticket_deadline_refresh(*, ticket_id: int) -> None:
    """Store again the deadline of a ticket whose clock the sweep has just breached
    (sla.services.clock_check), in the sweep's transaction: the ticket sorts among the
    breached at once. Not a change of the ticket: no version, no history."""
    ticket = Ticket._base_manager.only("id", "status").get(pk=ticket_id)
    changes.store_deadline(ticket, clocks.ticket_deadline(ticket=ticket))


# --- Conversation -----------------------------------------------------------------------


@service(tenant="ticket")
def ticket_reply(
    actor: User,
    *,
    ticket: Ticket,
    body: str,
    internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
    via: str = Channel.PORTAL,
    message_id: str = "",
    expected_version: int | None = None,
    copied_from: Reply | None = None,
) -> Reply:
    """A reply or an internal note. A public reply of staff on a parent incident is
    posted on each of its children still open too (``copied_from`` the parent's)."""
    if not visibility.can_view(actor, ticket):
        raise PermissionDenied(_("You cannot reply on this ticket."))
    staff = permissions.can_work_tickets(actor)
    if internal and not staff:
        raise PermissionDenied(_("Only support staff write internal notes."))
    if not body.strip():
        raise ValidationError({"body": _("Write a message first.")})
    limits.check_length("body", body, limits.TEXT_MAX_CHARS, _("The message"))
    for upload in attachments:
        validate_upload(upload)
    children: list[Ticket] = []
    if staff and not internal and copied_from is None:
        # Posted on its children too: their rows are locked with it, in the order of ids.
        ticket, children = changes.lock_with_children(ticket, expected_version)
    else:
        ticket = changes.lock(ticket, expected_version)
    if ticket.merged_into_id is not None:
        raise ValidationError(
            _("This ticket was merged into %(reference)s: continue the conversation there.")
            % {"reference": Ticket._base_manager.get(pk=ticket.merged_into_id).reference}
        )
    if ticket.status == Status.CLOSED and not staff:
        raise ValidationError(_("This ticket is closed: reopen it to continue the conversation."))
    at = changes.now()
    reply = _add_reply(
        ticket,
        actor,
        body,
        at,
        internal=internal,
        attachments=attachments,
        via=via,
        message_id=message_id,
        copied_from=copied_from,
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
            changes.set_status(ticket, actor, Status.ACKNOWLEDGED, at)
            fields.append("status")
        clocks.clocks_meet(
            ticket=ticket, kinds=[TargetKind.TRIAGE, TargetKind.FIRST_RESPONSE], at=at
        )
        clocks.update_cycle_restart(ticket=ticket, at=at)
        clocks.escalation_cadence_restart(ticket=ticket, at=at)
    elif not staff and ticket.status == Status.WAITING_ON_CUSTOMER:
        # The customer's answer is what the clocks were waiting for.
        changes.set_status(ticket, actor, Status.IN_PROGRESS, at)
        fields.append("status")
        clocks.clocks_resume(ticket=ticket, at=at)
    changes.touch(ticket, at, *fields, clocks_changed=not internal)
    changes.record(ticket, actor, "note" if internal else "reply", public=not internal, at=at)
    changes.notify("note_added" if internal else "reply_added", ticket, reply=reply)
    _repeat_on_children(actor, children, reply)
    return reply


def _repeat_on_children(actor: User, children: list[Ticket], reply: Reply) -> None:
    """Post a parent incident's public reply on each child still open, as a reply of
    its own (its customers read it in their ticket; the clocks count it as an update).
    The children's rows were locked with the parent's (changes.lock_with_children)."""
    for child in children:
        if child.merged_into_id is None and child.status != Status.CLOSED:
            ticket_reply(actor, ticket=child, body=reply.body, copied_from=reply)


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
    copied_from: Reply | None = None,
) -> Reply:
    reply = Reply.objects.create(
        ticket=ticket,
        organization_id=ticket.organization_id,
        author=actor,
        body=body,
        is_internal=internal,
        via=via,
        message_id=message_id,
        copied_from=copied_from,
        created_at=at,
    )
    for upload in attachments:
        changes.store_attachment(ticket, reply, upload, actor, at)
    if copied_from is None:  # a copy's files are its parent reply's, already claimed
        uploads.pending_uploads_claim(actor, ticket=ticket, reply=reply, texts=[body], at=at)
    return reply


# --- Workflow ---------------------------------------------------------------------------


@service(tenant="ticket")
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
    if actor is not None and not visibility.can_view(actor, ticket):
        raise PermissionDenied(_("You cannot change this ticket."))
    workaround, resolution, reason = workaround.strip(), resolution.strip(), reason.strip()
    if action == "provide_workaround" and not workaround:
        raise ValidationError({"workaround": _("Describe the workaround for the customer.")})
    if action == "resolve" and not resolution:
        raise ValidationError(
            {"resolution": _("Describe the resolution: the customer is asked to confirm it.")}
        )
    if action == "reopen":
        if not reason:
            raise ValidationError({"reason": _("Say why the ticket needs more work.")})
        limits.check_length("reason", reason, limits.TEXT_MAX_CHARS, _("The reason"))
        for upload in attachments:
            validate_upload(upload)
    for name, text, label in (
        ("workaround", workaround, _("The workaround")),
        ("resolution", resolution, _("The resolution")),
    ):
        limits.check_length(name, text, limits.TEXT_MAX_CHARS, label)
    ticket = changes.lock(ticket, expected_version)
    role = workflow.role_of(actor)
    transition = workflow.check(action, status=ticket.status, role=role)
    at = changes.now()
    if action == "reopen" and ticket.status == Status.CLOSED:
        window = dt.timedelta(days=settings.TICKET_REOPEN_WINDOW_DAYS)
        if ticket.closed_at and at - ticket.closed_at > window:
            raise workflow.TransitionError(
                ngettext(
                    "Closed tickets can be reopened for %(days)s day; log a new ticket "
                    "and mention this one.",
                    "Closed tickets can be reopened for %(days)s days; log a new ticket "
                    "and mention this one.",
                    window.days,
                )
                % {"days": window.days}
            )
    fields = ["status"]
    previous = ticket.status
    told: dict[str, object] = {}  # what the event adds to the status for the customer
    changes.set_status(ticket, actor, transition.target, at, message=reason[:500])

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
        changes.record(ticket, actor, "workaround", field="workaround", new=workaround, at=at)
        clocks.clocks_meet(ticket=ticket, kinds=[TargetKind.WORKAROUND], at=at)
        lower = LOWER_SEVERITY.get(Severity(ticket.severity)) if ticket.severity else None
        if lower:
            # Said in the workaround's own message: no second email for the severity.
            told["old_severity"] = ticket.severity
            _change_severity(ticket, actor, lower, WORKAROUND_NOTE, at, notify=False)
            fields.append("severity")
        else:
            clocks.clocks_apply_policy(ticket=ticket, at=at)
    if action in ("resolve", "accept_workaround"):
        ticket.resolved_at = at
        ticket.resolution = resolution if action == "resolve" else ticket.workaround
        fields += ["resolved_at", "resolution"]
        if action == "resolve":
            changes.record(ticket, actor, "resolution", field="resolution", new=resolution, at=at)
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
        escalations.end_pending(ticket, transition.target, at)
        clocks.escalation_cadence_stop(ticket=ticket, at=at)
    if action == "reopen":
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.resolution = ""
        fields += ["resolved_at", "closed_at", "resolution"]
        clocks.clocks_apply_policy(ticket=ticket, at=at)
        escalations.cadence_resume(ticket, at)
        assert actor is not None  # the workflow lets only people reopen
        told["reply"] = _add_reply(
            ticket, actor, reason, at, attachments=attachments, via=via, message_id=message_id
        )
    changes.touch(ticket, at, *fields, clocks_changed=True)
    changes.notify("status_changed", ticket, action=action, **told)
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
    changes.record(
        ticket, actor, "severity", field="severity", old=old, new=severity, message=reason, at=at
    )
    ticket.save(update_fields=["severity"])
    clocks.clocks_apply_policy(ticket=ticket, at=at, severity_changed=True)
    if notify:
        changes.notify("severity_changed", ticket, old=old, reason=reason, at=at.isoformat())


@service(tenant="ticket")
def ticket_set_severity(
    actor: User,
    *,
    ticket: Ticket,
    severity: str,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(_("Only support staff change the severity."))
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Choose S1, S2 or S3.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the customer the reason for the change.")})
    ticket = changes.lock(ticket, expected_version)
    if ticket.type == TicketType.ENHANCEMENT:
        raise ValidationError({"severity": _("Enhancement requests carry no severity.")})
    if ticket.severity == severity:
        return ticket
    at = changes.now()
    _change_severity(ticket, actor, severity, reason.strip(), at)
    changes.touch(ticket, at, "severity", clocks_changed=True)
    return ticket


@service(tenant="ticket")
def ticket_set_priority(
    actor: User, *, ticket: Ticket, priority: str, expected_version: int | None = None
) -> Ticket:
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(_("Only support staff set the priority."))
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a priority.")})
    ticket = changes.lock(ticket, expected_version)
    if ticket.priority == priority:
        return ticket
    at = changes.now()
    changes.record(
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
    changes.touch(ticket, at, "priority")
    return ticket


@service(tenant="ticket")
def ticket_assign(
    actor: User, *, ticket: Ticket, assignee: User | None, expected_version: int | None = None
) -> Ticket:
    """Assign to a staff member (or unassign). Assigning acknowledges a new ticket."""
    if not permissions.can_assign_ticket(actor, ticket):
        raise PermissionDenied(_("Only support staff assign tickets."))
    if assignee is not None and not permissions.is_staff_member(assignee):
        raise ValidationError({"assignee": _("Tickets are assigned to support staff only.")})
    ticket = changes.lock(ticket, expected_version)
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    at = changes.now()
    changes.record(
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
            changes.set_status(ticket, actor, Status.ACKNOWLEDGED, at)
            fields.append("status")
        clocks.clocks_meet(ticket=ticket, kinds=[TargetKind.TRIAGE], at=at)
    elif assignee is not None and ticket.severity == Severity.S1:
        # A ticket raised to critical after hours is triaged again (clocks_apply_policy):
        # whoever takes it on meets that triage.
        clocks.clocks_meet(ticket=ticket, kinds=[TargetKind.TRIAGE], at=at)
    changes.touch(ticket, at, *fields, clocks_changed=assignee is not None)
    changes.notify("assigned", ticket)
    return ticket


@service(tenant="ticket")
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
        raise PermissionDenied(_("Only support staff link tracker issues."))
    ticket = changes.lock(ticket, expected_version)
    at = changes.now()
    eta_before = ticket.estimated_resolution
    for field, value in (
        ("tracker_reference", reference),
        ("tracker_url", url),
        ("estimated_resolution", estimated_resolution),
    ):
        if getattr(ticket, field) != value:
            changes.record(
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
    changes.touch(ticket, at, "tracker_reference", "tracker_url", "estimated_resolution")
    if ticket.estimated_resolution != eta_before:
        # The customers hear of a new estimate once, whatever else the form changed.
        changes.notify(
            "eta_changed",
            ticket,
            old=eta_before.isoformat() if eta_before else "",
        )
    return ticket


@service(tenant="ticket")
def ticket_add_watcher(actor: User, *, ticket: Ticket, watcher: User) -> Ticket:
    if not visibility.can_view(actor, ticket):
        raise PermissionDenied(_("You cannot change this ticket."))
    ticket = changes.lock(ticket)
    changes.set_watchers(ticket, [watcher])
    at = changes.now()
    changes.record(ticket, actor, "watcher", field="watchers", new=watcher, at=at)
    changes.touch(ticket, at)
    return ticket


def tickets_autoclose(*, at: dt.datetime | None = None) -> int:
    """Close resolved tickets the customer has not answered within the window."""

    at = at or changes.now()
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
    with scopes_disabled():  # the beat task closes every organisation's tickets
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
