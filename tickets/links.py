"""Links between tickets and parent incidents: the services (writes).

A link says how two tickets relate: "related to" and "same root cause as" read the same
from either ticket, "duplicate of" has a direction. A pair has one link at most, never
a ticket with itself. Staff may link tickets of two organisations (one cause, many
customers); customers only ever see links between tickets they may both see
(tickets.selectors.links_for).

A parent incident gathers other tickets as its children: each public reply on it is
posted on every child still open (tickets.services.ticket_reply), and once it is
resolved the agent may resolve its children with the same resolution.

Each change locks both tickets' rows, in the order of their ids (two agents linking the
same pair from either side wait for each other instead of deadlocking), and records a
staff-only history row on both. A parent's reply and the resolution of its children lock
the parent with its children in that same order (tickets.changes.lock_with_children).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from accounts import permissions
from accounts.models import User
from accounts.scoping import service
from tickets import changes, services, visibility, workflow
from tickets.models import LinkKind, Status, Ticket, TicketLink, side_kind

# The kinds a child may be resolved from with its parent (an acknowledgement first for a
# new one, as the workflow has it).
RESOLVABLE = frozenset(workflow.TRANSITIONS["resolve"].sources | {Status.NEW})


def lock_pair(first: Ticket, second: Ticket) -> tuple[Ticket, Ticket]:
    """Both tickets' rows, locked in the order of their ids, returned as given."""
    with scopes_disabled():  # a link or a parent may join two organisations' tickets
        rows = {
            ticket.pk: ticket
            for ticket in Ticket.objects.select_for_update(of=("self",))
            .select_related("organization", "contract")
            .filter(pk__in=[first.pk, second.pk])
            .order_by("pk")
        }
    if first.pk not in rows or second.pk not in rows:
        raise ValidationError(_("The ticket no longer exists."))
    return rows[first.pk], rows[second.pk]


def check_staff(actor: User, *tickets: Ticket, refusal: str = "") -> None:
    """Staff who may see every ticket named, or PermissionDenied (``refusal`` for
    someone who is not staff, or the links' own)."""
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(refusal or _("Only support staff link tickets."))
    for ticket in tickets:
        if not visibility.can_view(actor, ticket):
            raise PermissionDenied(_("You cannot change this ticket."))


def _record_both(
    actor: User,
    ticket: Ticket,
    other: Ticket,
    kinds: tuple[str, str],
    notes=("", ""),
    fields: tuple[str, ...] = (),
) -> None:
    """A staff-only history row on each ticket, naming the other: ``kinds`` and
    ``notes`` are the first ticket's and the other's. Then save both, with a new
    version (the first with its changed ``fields`` too)."""
    at = changes.now()
    for this, that, kind, note, changed in (
        (ticket, other, kinds[0], notes[0], fields),
        (other, ticket, kinds[1], notes[1], ()),
    ):
        changes.record(this, actor, kind, new=that.reference, message=note, public=False, at=at)
        changes.touch(this, at, *changed)


def _pair(ticket: Ticket, other: Ticket):
    with scopes_disabled():  # a pair may be stored from the other organisation's side
        return TicketLink.objects.filter(
            Q(ticket=ticket, other=other) | Q(ticket=other, other=ticket)
        ).first()


@service(tenant="ticket")
def ticket_link_add(actor: User, *, ticket: Ticket, other: Ticket, kind: str) -> TicketLink:
    """Link ``ticket`` to ``other``: for a duplicate, ``ticket`` is the duplicate."""
    check_staff(actor, ticket, other)
    if kind not in LinkKind.values:
        raise ValidationError({"kind": _("Choose how the tickets are related.")})
    if ticket.pk == other.pk:
        raise ValidationError({"other": _("A ticket cannot be linked to itself.")})
    ticket, other = lock_pair(ticket, other)
    existing = _pair(ticket, other)
    if existing is not None:
        raise ValidationError(
            {
                "other": _("%(reference)s is already linked to this ticket (%(kind)s).")
                % {"reference": other.reference, "kind": str(existing.get_kind_display()).lower()}
            }
        )
    link = TicketLink.objects.create(
        ticket=ticket,
        other=other,
        organization_id=ticket.organization_id,
        other_organization_id=other.organization_id,
        kind=kind,
        created_by=actor,
        created_at=changes.now(),
    )
    # The note says how: "duplicate" from the duplicate's side, "has_duplicate" from
    # the other (tickets.templatetags.link_tags.link_label).
    _record_both(
        actor, ticket, other, ("link_added", "link_added"), (kind, side_kind(kind, mine=False))
    )
    return link


@service(tenant="link")
def ticket_link_remove(actor: User, *, link: TicketLink) -> None:
    check_staff(actor)
    ticket, other = lock_pair(link.ticket, link.other)
    with scopes_disabled():  # the link is read by id, from either organisation's side
        deleted, _rows = TicketLink.objects.filter(pk=link.pk).delete()
    if not deleted:
        return  # removed by someone else meanwhile
    _record_both(actor, ticket, other, ("link_removed", "link_removed"))


# --- Parent incidents -------------------------------------------------------------------


@service(tenant="ticket")
def ticket_set_parent(actor: User, *, ticket: Ticket, parent: Ticket) -> Ticket:
    """Make ``ticket`` a child of the parent incident ``parent`` (one level only)."""
    check_staff(actor, ticket, parent)
    if ticket.pk == parent.pk:
        raise ValidationError({"parent": _("A ticket cannot be its own parent incident.")})
    ticket, parent = lock_pair(ticket, parent)
    if parent.parent_id is not None:
        raise ValidationError(
            {
                "parent": _("%(reference)s is itself a child of another incident.")
                % {"reference": parent.reference}
            }
        )
    with scopes_disabled():  # children may be other organisations' tickets
        has_children = Ticket.objects.filter(parent=ticket).exists()
    if has_children:
        raise ValidationError(
            {"parent": _("This ticket is a parent incident: it cannot be a child too.")}
        )
    if parent.merged_into_id or parent.status == Status.CLOSED:
        raise ValidationError(
            {"parent": _("%(reference)s is closed.") % {"reference": parent.reference}}
        )
    if ticket.parent_id == parent.pk:
        return ticket
    with scopes_disabled():  # the former parent may be another organisation's ticket
        former = Ticket.objects.filter(pk=ticket.parent_id).first() if ticket.parent_id else None
    old = former.reference if former else ""
    ticket.parent = parent
    _record_both(
        actor, ticket, parent, ("parent_set", "child_added"), (old, ""), fields=("parent",)
    )
    return ticket


@service(tenant="ticket")
def ticket_remove_parent(actor: User, *, ticket: Ticket) -> Ticket:
    check_staff(actor, ticket)
    if ticket.parent_id is None:
        return ticket
    with scopes_disabled():  # the parent may be another organisation's ticket
        parent = Ticket.objects.get(pk=ticket.parent_id)
    ticket, parent = lock_pair(ticket, parent)
    if ticket.parent_id != parent.pk:
        return ticket  # changed meanwhile
    ticket.parent = None
    _record_both(actor, ticket, parent, ("parent_removed", "child_removed"), fields=("parent",))
    return ticket


@service(tenant="parent")
def ticket_resolve_children(actor: User, *, parent: Ticket) -> list[Ticket]:
    """Resolve the children still open with the parent's resolution (the agent's answer
    to the offer made once the parent is resolved). Returns those resolved."""
    check_staff(actor, parent)
    parent, children = changes.lock_with_children(parent)
    if parent.status not in (Status.RESOLVED, Status.CLOSED) or not parent.resolution:
        raise ValidationError(_("Resolve the parent incident first."))
    resolved = []
    for child in children:
        if child.status not in RESOLVABLE or child.merged_into_id:
            continue
        if child.status == Status.NEW:
            child = services.ticket_transition(actor, ticket=child, action="acknowledge")
        resolved.append(
            services.ticket_transition(
                actor, ticket=child, action="resolve", resolution=parent.resolution
            )
        )
    return resolved
