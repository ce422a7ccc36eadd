"""Take next and the bulk actions of the agent workspace.

Take next and the bulk actions change tickets only through :mod:`tickets.services`,
so a ticket changed from the queue gets the same checks, history, SLA clock effects
and notifications as one changed on its own page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.models import User
from tickets import changes, services, workflow
from tickets.models import Ticket
from workspace import queues

# --- Take next ----------------------------------------------------------------------

TAKE_NEXT_LOOKAHEAD = 5


def ticket_take_next(actor: User, *, filters: queues.QueueFilters | None = None) -> Ticket | None:
    """Assign the most urgent unassigned ticket to ``actor``; None when there is none.

    Many agents press it at once: the candidate row is locked with SKIP LOCKED, so a
    second agent's query passes over it to the next ticket instead of waiting for it,
    and a row assigned meanwhile fails the re-check of ``assignee IS NULL``. The lock
    is held until ticket_assign has committed, in this same transaction.
    """
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(_("Only support staff take tickets."))
    with transaction.atomic():
        candidates = queues.take_next_candidates(filters=filters, at=timezone.now())
        lockable = candidates.tickets.select_for_update(skip_locked=True, of=("self",))
        # The most urgent few in the exact order (open time overdue across calendars);
        # should other agents hold them all, the next unlocked one in the index's order.
        ticket = (
            next(
                (
                    locked
                    for candidate in candidates[:TAKE_NEXT_LOOKAHEAD]
                    if (locked := lockable.filter(pk=candidate.pk).first()) is not None
                ),
                None,
            )
            or lockable.first()
        )
        if ticket is None:
            return None
        return services.ticket_assign(actor, ticket=ticket, assignee=actor)


# --- Bulk actions -------------------------------------------------------------------

BULK_ACTIONS = {
    "assign": gettext_lazy("Assign to"),
    "priority": gettext_lazy("Set priority"),
    "status": gettext_lazy("Change status"),
    "watcher": gettext_lazy("Copy a contact"),
}
# Every staff step of the workflow but those that need words of their own for each
# ticket's customer (a workaround, a resolution, the reason of a reopen).
BULK_TRANSITIONS = [
    t for t in workflow.TRANSITIONS.values() if workflow.STAFF in t.who and not t.text_field
]


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


def _why(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Not allowed.")


def tickets_bulk_apply(
    actor: User,
    *,
    tickets: Sequence[Ticket],
    action: str,
    assignee: User | None = None,
    priority: str = "",
    transition: str = "",
    watcher: User | None = None,
) -> BulkResult:
    """Apply one action to each ticket through its single-ticket service.

    Each ticket is its own transaction: one refused change (a workflow step the ticket's
    status does not allow, a contact of another organisation) is reported for that
    ticket and does not undo the others.
    """
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(_("Only support staff change tickets in bulk."))
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("Choose an action.")})
    result = BulkResult()
    for ticket in tickets:
        try:
            if action == "assign":
                services.ticket_assign(actor, ticket=ticket, assignee=assignee)
            elif action == "priority":
                services.ticket_set_priority(actor, ticket=ticket, priority=priority)
            elif action == "status":
                services.ticket_transition(actor, ticket=ticket, action=transition)
            else:
                if watcher is None:
                    raise ValidationError({"watcher": _("Choose a contact to copy.")})
                services.ticket_add_watcher(actor, ticket=ticket, watcher=watcher)
        except (
            ValidationError,
            PermissionDenied,
            workflow.TransitionError,
            changes.ConcurrentEdit,
        ) as error:
            result.failed.append((ticket.reference, _why(error)))
        else:
            result.done.append(ticket.reference)
    return result
