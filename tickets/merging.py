"""Merging a duplicate ticket into another ticket of the same organisation.

The duplicate's conversation (replies and notes, with their files), its attachments and
the people who follow it move to the target; its requester follows the target from then
on. The duplicate is closed as merged: its SLA clocks are cancelled as a closed
ticket's are (a breach already recorded stays), an escalation request still pending
ends with it, and its pages lead to the target. Both tickets' customers are told, each
in their language (notifications.handlers.ticket_merged).

One transaction locks both rows (in the order of their ids) and checks again, under the
lock, that neither ticket was merged meanwhile: of two merges of the same pair at once
(A into B, B into A), the second waits for the first and is then refused.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scoping import service
from sla import services as clocks
from tickets import changes, escalations
from tickets.links import check_staff, lock_pair
from tickets.models import Attachment, Reply, Status, Ticket


def _refusal(source: Ticket, target: Ticket) -> str:
    """Why ``source`` cannot be merged into ``target`` as they are now, or ""."""
    if source.pk == target.pk:
        return _("A ticket cannot be merged into itself.")
    if source.organization_id != target.organization_id:
        return _(
            "Only tickets of the same organisation can be merged: link them as related instead."
        )
    if source.merged_into_id is not None:
        return _("%(reference)s was already merged into another ticket.") % {
            "reference": source.reference
        }
    if target.merged_into_id is not None:
        return _("%(reference)s was merged into another ticket: merge into that one instead.") % {
            "reference": target.reference
        }
    if source.status == Status.CLOSED:
        return _("%(reference)s is closed.") % {"reference": source.reference}
    if target.status == Status.CLOSED:
        return _("%(reference)s is closed: reopen it first.") % {"reference": target.reference}
    if Ticket._base_manager.filter(parent=source).exists():
        return _("%(reference)s is a parent incident: move its children first.") % {
            "reference": source.reference
        }
    return ""


@service(tenant="source")
def ticket_merge(actor: User, *, source: Ticket, target: Ticket) -> Ticket:
    """Merge the duplicate ``source`` into ``target``; returns the closed duplicate."""
    check_staff(actor, source, target, refusal=_("Only support staff merge tickets."))
    refusal = _refusal(source, target)
    if refusal:
        raise ValidationError({"target": refusal})
    source, target = lock_pair(source, target)
    refusal = _refusal(source, target)  # again, as they are under the lock
    if refusal:
        raise ValidationError({"target": refusal})
    at = changes.now()

    # The duplicate's own words open its part of the conversation, as its requester
    # wrote them, when they wrote them.
    Reply.objects.create(
        ticket=target,
        organization_id=target.organization_id,
        author_id=source.requester_id,
        body=f"**{source.title}**\n\n{source.description}",
        via=source.channel,
        created_at=source.created_at,
    )
    Reply.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    followers = {watcher.pk for watcher in source.watchers.all()} | {source.requester_id}
    followers.discard(target.requester_id)
    target.watchers.add(*followers)
    source.watchers.clear()

    changes.set_status(source, actor, Status.CLOSED, at)
    source.closed_at = at
    source.merged_into = target
    changes.record(source, actor, "merged_into", new=target.reference, at=at)
    clocks.clocks_cancel(ticket=source, at=at)
    clocks.escalation_cadence_stop(ticket=source, at=at)
    escalations.end_pending(source, Status.CLOSED, at)
    changes.touch(source, at, "status", "closed_at", "merged_into", clocks_changed=True)

    changes.record(target, actor, "merged_from", new=source.reference, at=at)
    changes.touch(target, at)
    changes.notify("ticket_merged", source, target=target)
    return source
