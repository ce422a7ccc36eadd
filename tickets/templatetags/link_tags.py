"""The ticket page's links, parent incident, children and merges (tickets.links,
tickets.merging): one partial the page includes, and its history rows in words."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets import selectors
from tickets.links import RESOLVABLE
from tickets.models import LinkKind, Status

register = template.Library()

# How a link reads from one of its tickets (tickets.models.side_kind): its kind's label,
# or from a duplicate's other side, that it has one.
LINK_LABELS = {**dict(LinkKind.choices), "has_duplicate": gettext_lazy("Has a duplicate:")}
LINK_EVENTS = frozenset(
    {
        "link_added",
        "link_removed",
        "parent_set",
        "parent_removed",
        "child_added",
        "child_removed",
        "merged_into",
        "merged_from",
    }
)


@register.inclusion_tag("tickets/partials/ticket_links.html", takes_context=True)
def ticket_links(context, ticket, is_staff_view: bool) -> dict:
    """What this person may see of the ticket's links, and the staff's forms. A
    customer sees only tickets of their own organisation that they may open."""
    user = context["request"].user
    children, merged_from = selectors.children_and_merged_for(user=user, ticket=ticket)
    return {
        "ticket": ticket,
        "is_staff_view": is_staff_view,
        "csrf_token": context.get("csrf_token"),
        "links": selectors.links_for(user=user, ticket=ticket),
        "parent": selectors.parent_for(user=user, ticket=ticket),
        "children": children,
        "open_children": [
            child
            for child in children
            if child.status in RESOLVABLE and child.merged_into_id is None
        ],
        "parent_resolved": ticket.status in (Status.RESOLVED, Status.CLOSED)
        and bool(ticket.resolution),
        "merged_into": selectors.merged_into_for(user=user, ticket=ticket),
        "merged_from": merged_from,
        "kinds": LinkKind.choices,
    }


@register.filter
def link_label(kind: str) -> str:
    return str(LINK_LABELS.get(kind, kind))


def link_event(event, is_staff_view: bool) -> str:
    """A history row of a link, a parent incident or a merge, in words. Customers read
    only the merge rows (the others are staff-only), and never the duplicate's
    reference on the target (it may be a colleague's ticket they cannot open)."""
    words = {"reference": event.new_value}
    if event.kind == "link_added":
        words["how"] = link_label(event.message).lower()
        return _("linked %(reference)s (%(how)s)") % words
    if event.kind == "merged_from":
        if not is_staff_view:
            return _("merged a duplicate report into this ticket")
        return _("merged %(reference)s into this ticket") % words
    texts = {
        "link_removed": _("removed the link to %(reference)s"),
        "parent_set": _("made this ticket a child of the incident %(reference)s"),
        "parent_removed": _("detached this ticket from the incident %(reference)s"),
        "child_added": _("added %(reference)s as a child of this incident"),
        "child_removed": _("detached %(reference)s from this incident"),
        "merged_into": _("merged this ticket into %(reference)s"),
    }
    return texts[event.kind] % words
