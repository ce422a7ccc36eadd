"""The steps every write of a ticket takes, shared by the ticket services
(tickets.services, tickets.escalations): lock the row (and check the editor's version),
record the history, save with a new version and, after its SLA clocks changed, the
deadline they now owe, and publish the event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from accounts import permissions
from accounts.models import User
from core import events
from sla import services as clocks
from tickets import live
from tickets.attachments import validate_upload
from tickets.models import Attachment, Reply, Status, Ticket, TicketEvent


class ConcurrentEdit(Exception):
    """The ticket changed after the editor loaded it; ``changes`` are those events."""

    def __init__(self, ticket: Ticket, changes: list[TicketEvent]):
        self.ticket = ticket
        self.changes = changes
        who = ", ".join(sorted({str(e.actor) for e in changes if e.actor})) or _("someone")
        super().__init__(
            _(
                "This ticket changed while you were editing it (%(who)s). "
                "Review the change below and try again."
            )
            % {"who": who}
        )


def now() -> dt.datetime:
    return timezone.now()


def lock(ticket: Ticket, expected_version: int | None = None) -> Ticket:
    locked = (
        Ticket.objects.select_for_update(of=("self",)).select_related("contract").get(pk=ticket.pk)
    )
    _check_version(locked, expected_version)
    return locked


class _ChildrenChanged(Exception):
    """A child was added between the read of the children and the lock."""


def lock_with_children(
    ticket: Ticket, expected_version: int | None = None, *, attempts: int = 5
) -> tuple[Ticket, list[Ticket]]:
    """The ticket's row and its children's rows (every child, of every organisation, in
    the order of their ids), locked in ONE statement in the order of their ids: the
    order in which every change of two tickets locks them (tickets.links.lock_pair). Had
    a parent incident's reply locked the parent first and then its children, a child
    with a lower id being detached at the same moment (child first, then parent) would
    deadlock with it.

    Under the parent's lock its children cannot change (adding or removing one locks
    the parent), so they are read again: a child added between the statement's snapshot
    and the lock lets go of the locks (a savepoint) and locks again."""
    for _attempt in range(attempts):
        try:
            with transaction.atomic(), scopes_disabled():  # children of any organisation
                rows = list(
                    Ticket.objects.select_for_update(of=("self",))
                    .select_related("contract")
                    .filter(Q(pk=ticket.pk) | Q(parent_id=ticket.pk))
                    .order_by("pk")
                )
                locked = next((row for row in rows if row.pk == ticket.pk), None)
                if locked is None:
                    raise Ticket.DoesNotExist(_("The ticket no longer exists."))
                children = [row for row in rows if row.parent_id == ticket.pk]
                current = Ticket.objects.filter(parent_id=ticket.pk).values_list("pk", flat=True)
                if set(current) != {child.pk for child in children}:
                    raise _ChildrenChanged
                _check_version(locked, expected_version)
                return locked, children
        except _ChildrenChanged:
            continue
    raise ValidationError(_("The incident's children keep changing: try again in a moment."))


def _check_version(locked: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and locked.version != expected_version:
        changes = list(
            TicketEvent.objects.filter(ticket=locked, ticket_version__gt=expected_version)
            .select_related("actor")
            .order_by("created_at")
        )
        raise ConcurrentEdit(locked, changes)


def set_status(
    ticket: Ticket, actor: User | None, status: str, at: dt.datetime, message: str = ""
) -> None:
    """Change the ticket's status (saved by ``touch``), with its history row."""
    old = ticket.status
    ticket.status = status
    record(
        ticket,
        actor,
        "status",
        field="status",
        old=Status(old).label,
        new=Status(status).label,
        message=message,
        at=at,
    )


def record(
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
    ``touch`` saves next), so an editor who loaded version N is shown exactly the
    events with ``ticket_version > N``. Every change records one, so here the queues'
    live figures are marked stale."""
    live.open_tickets_changed()
    # A label (a status, a priority) is stored in the help desk's own language, whatever
    # the actor reads: tickets.wording finds it again to name it in the reader's.
    with translation.override(settings.LANGUAGE_CODE):
        old_value = "" if old is None else str(old)
        new_value = "" if new is None else str(new)
        message = str(message)
    return TicketEvent.objects.create(
        ticket=ticket,
        organization_id=ticket.organization_id,
        actor=actor,
        kind=kind,
        field=field,
        old_value=old_value,
        new_value=new_value,
        message=message,
        is_public=public,
        ticket_version=ticket.version + 1 if version is None else version,
        created_at=at or now(),
    )


def touch(ticket: Ticket, at: dt.datetime, *fields: str, clocks_changed: bool = False) -> None:
    """Save changed fields, bump the version and the activity time; after a change of
    the ticket's SLA clocks, with the deadline they now owe (for the queues' order)."""
    if clocks_changed:
        fields = (*fields, *set_deadline(ticket, clocks.ticket_deadline(ticket=ticket)))
    ticket.version += 1
    ticket.updated_at = at
    ticket.last_activity_at = at
    ticket.save(update_fields=[*fields, "version", "updated_at", "last_activity_at"])


DEADLINE_FIELDS = ["sla_due_at", "sla_warn_at", "sla_breached", "sla_due_calendar_id"]


def set_deadline(ticket: Ticket, deadline: clocks.Deadline) -> list[str]:
    """The deadline of the clock service on the ticket (its queues' indexed columns)."""
    ticket.sla_due_at, ticket.sla_warn_at = deadline.due_at, deadline.warn_at
    ticket.sla_breached, ticket.sla_due_calendar_id = deadline.breached, deadline.calendar_id
    live.open_tickets_changed()
    return DEADLINE_FIELDS


def store_deadline(ticket: Ticket, deadline: clocks.Deadline) -> None:
    set_deadline(ticket, deadline)
    Ticket._base_manager.filter(pk=ticket.pk).update(
        **{field: getattr(ticket, field) for field in DEADLINE_FIELDS}
    )


def notify(event: str, ticket: Ticket, **extra) -> None:
    """Publish a ticket event (core.events): notifications reacts after the commit."""
    events.emit(event, ticket=ticket, **extra)


def set_watchers(ticket: Ticket, watchers: Sequence[User]) -> None:
    for watcher in watchers:
        if permissions.organization_of(watcher) != ticket.organization:
            raise ValidationError(
                {
                    "watchers": _("%(person)s is not a colleague at %(organization)s.")
                    % {"person": watcher, "organization": ticket.organization.name}
                }
            )
    ticket.watchers.add(*watchers)


def store_attachment(
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
