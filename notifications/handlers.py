"""Who hears about each ticket event, and in which words.

The ticket services emit events inside their transaction; a worker runs these handlers
after it commits (core.events), each in a short transaction of its own that
writes the in-app notifications and the outbox rows. That is safe to repeat: every row
has its natural key, so running a handler twice notifies nobody twice.

Recipients: the requester and the watchers for what happens on their ticket; the
assignee for what customers do; the managers and the organisation's CEM for escalation
requests. Internal notes reach staff only.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import transaction
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import scope, scopes_disabled

from accounts import permissions
from accounts.emails import send_invitation_email
from core import events
from core.events import on
from notifications import emails, selectors, services
from notifications.models import Kind, PageReason
from sla.models import TargetKind
from tickets.mentions import mentions_in
from tickets.models import Ticket, TicketEvent
from tickets.wording import status_name


def handler(event: str):
    """Register for a ticket event; run in the ticket's organisation, in one
    transaction, on the ticket as it is now. An error propagates: the worker keeps the
    event and dispatches it again.
    """

    def register(func):
        @functools.wraps(func)
        def run(*, ticket, version=None, **payload):
            # The service that emitted the event checked the actor's access; all a
            # handler reads and writes of tenants' rows is the ticket organisation's.
            with scope(organization=ticket.organization_id), transaction.atomic():
                fresh = _reload(ticket.pk)
                if fresh is not None:
                    func(
                        ticket=fresh,
                        version=ticket.version if version is None else version,
                        **payload,
                    )

        return on(event)(run)

    return register


def _reload(ticket_id: int):

    return (
        Ticket.objects.select_related("organization__cem", "requester", "assignee")
        .prefetch_related("watchers")
        .filter(pk=ticket_id)
        .first()
    )


def _last_actor(ticket, kind: str):
    """Who made the latest change of this kind (events carry no actor of their own)."""

    event = (
        TicketEvent.objects.filter(ticket=ticket, kind=kind)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    return event.actor if event else None


def _without(people, *excluded):
    ids = {person.pk for person in excluded if person is not None}
    return [person for person in people if person is not None and person.pk not in ids]


@events.on_emit("ticket_created")
def open_thread(*, ticket, **_payload):
    """The new ticket's email thread root, stored in the transaction that creates the
    ticket: created later by two notifying workers at once, it deadlocked them."""
    emails.thread_open(ticket)


@handler("ticket_created")
def ticket_created(*, ticket, version):
    clock = services.running_clock(ticket, TargetKind.FIRST_RESPONSE)
    services.notifications_create(
        kind=Kind.TICKET_CREATED,
        event_key=f"ticket:{ticket.pk}:created",
        users=selectors.customers_on(ticket),
        ticket=ticket,
        context={"first_response": clock, "summary": ticket.title},
    )
    if (
        ticket.severity == "S1"
        and ticket.has_sla
        and ticket.is_open
        and selectors.after_hours(ticket.created_at)
    ):
        services.oncall_page(
            ticket=ticket,
            reason=PageReason.CREATED,
            event_key=f"ticket:{ticket.pk}:created",
            at=ticket.created_at,
        )


@handler("reply_added")
def reply_added(*, ticket, version, reply):
    author = reply.author
    if permissions.is_staff_member(author):
        people = selectors.customers_on(ticket)
    else:
        people = [*selectors.customers_on(ticket), ticket.assignee]
    services.notifications_create(
        kind=Kind.REPLY_ADDED,
        # A parent incident's reply repeated on its children is one message: a customer
        # on several of these tickets hears of it once (tickets.links).
        event_key=f"reply:{reply.copied_from_id or reply.pk}",
        users=_without(people, author),
        ticket=ticket,
        context={"reply": reply, "author": author, "summary": reply.body[:300]},
    )


@handler("note_added")
def note_added(*, ticket, version, reply):
    # Internal notes are for staff: whoever the recipients, no customer is among them
    # (tickets.mentions matches active staff only).
    context = {"reply": reply, "author": reply.author, "summary": reply.body[:300]}
    mentioned = mentions_in(reply.body, author=reply.author).people
    services.notifications_create(
        kind=Kind.MENTIONED,
        event_key=f"reply:{reply.pk}",
        users=mentioned,
        ticket=ticket,
        context=context,
    )
    # A mentioned assignee hears about the note once, as a mention.
    staff = [p for p in [ticket.assignee] if p is not None and permissions.is_staff_member(p)]
    services.notifications_create(
        kind=Kind.NOTE_ADDED,
        event_key=f"reply:{reply.pk}",
        users=_without(staff, reply.author, *mentioned),
        ticket=ticket,
        context=context,
    )


STATUS_KINDS = {
    "provide_workaround": Kind.WORKAROUND_PROVIDED,
    "resolve": Kind.TICKET_RESOLVED,
}


@handler("status_changed")
def status_changed(*, ticket, version, action, reply=None, old_severity=""):
    """One message per step, saying all it changed: the reason of a reopen (posted as
    its reply) and a severity lowered with a workaround come with the status."""
    changes = {"reply": reply, "old_severity": old_severity}
    actor = _last_actor(ticket, "status")
    people = selectors.customers_on(ticket)
    if actor is None or not permissions.is_staff_member(actor):
        # The customer (or the system) moved it: the assignee needs to know.
        people.append(ticket.assignee)
    people = _without(people, actor)
    # Each reads the status by its name for them (tickets.wording.status_name).
    for for_staff in (False, True):
        services.notifications_create(
            kind=STATUS_KINDS.get(action, Kind.STATUS_CHANGED),
            event_key=f"ticket:{ticket.pk}:v{version}",
            users=[p for p in people if permissions.is_staff_member(p) == for_staff],
            ticket=ticket,
            context={
                "action": action,
                "actor": actor,
                # Lazy: written in each recipient's language (services.notifications_create).
                "summary": lazy(status_name, str)(ticket.status, for_staff=for_staff),
                **changes,
            },
        )


@handler("severity_changed")
def severity_changed(*, ticket, version, old, reason, at=None):
    actor = _last_actor(ticket, "severity")
    services.notifications_create(
        kind=Kind.SEVERITY_CHANGED,
        event_key=f"ticket:{ticket.pk}:v{version}",
        users=_without(selectors.customers_on(ticket), actor),
        ticket=ticket,
        context={"old": old, "reason": reason, "summary": reason},
    )
    # Raised to critical while the vendor is closed: paged like a ticket logged as
    # critical at that moment (events recorded before "at" was added use the change's
    # last activity).
    changed_at = dt.datetime.fromisoformat(at) if at else ticket.updated_at
    if (
        old != "S1"
        and ticket.severity == "S1"
        and ticket.has_sla
        and ticket.is_open
        and selectors.after_hours(changed_at)
    ):
        services.oncall_page(
            ticket=ticket,
            reason=PageReason.RAISED,
            event_key=f"ticket:{ticket.pk}:raised:v{version}",
            at=changed_at,
        )


@handler("eta_changed")
def eta_changed(*, ticket, version, old):
    """A tracked bug's estimated resolution moved: the customers hear the new date."""
    actor = _last_actor(ticket, "tracker")
    estimate = ticket.estimated_resolution
    services.notifications_create(
        kind=Kind.ETA_CHANGED,
        event_key=f"ticket:{ticket.pk}:v{version}",
        users=_without(selectors.customers_on(ticket), actor),
        ticket=ticket,
        context={
            "old": dt.date.fromisoformat(old) if old else None,
            "summary": format_lazy(
                _("Estimated resolution: {date}"),
                date=lazy(date_format, str)(estimate, "DAY_DATE_FORMAT"),
            )
            if estimate
            else _("No estimated resolution date for now"),
        },
    )


@handler("ticket_merged")
def ticket_merged(*, ticket, version, target):
    """A duplicate was merged (tickets.merging): its customers learn where their ticket
    went on; the target's, that a duplicate report joined theirs (never whose)."""
    actor = _last_actor(ticket, "merged_into")
    moved = selectors.customers_on(ticket)
    services.notifications_create(
        kind=Kind.TICKET_MERGED,
        event_key=f"ticket:{ticket.pk}:merged",
        users=_without(moved, actor),
        ticket=ticket,
        context={
            "target": target,
            "summary": format_lazy(_("Merged into {reference}"), reference=target.reference),
        },
    )
    services.notifications_create(
        kind=Kind.TICKET_MERGED,
        event_key=f"ticket:{target.pk}:merged:{ticket.pk}",
        users=_without(selectors.customers_on(target), actor, *moved),
        ticket=target,
        context={"summary": _("A duplicate report was merged into this ticket")},
    )


@handler("assigned")
def assigned(*, ticket, version):
    if ticket.assignee is None:
        return
    actor = _last_actor(ticket, "assignee")
    services.notifications_create(
        kind=Kind.ASSIGNED,
        event_key=f"ticket:{ticket.pk}:v{version}",
        users=_without([ticket.assignee], actor),
        ticket=ticket,
        context={"actor": actor, "summary": ticket.title},
    )


@handler("escalation_requested")
def escalation_requested(*, ticket, version, escalation):
    people = selectors.managers()
    if ticket.organization.cem is not None:
        people.append(ticket.organization.cem)
    services.notifications_create(
        kind=Kind.ESCALATION_REQUESTED,
        event_key=f"escalation:{escalation.pk}:requested",
        users=people,
        ticket=ticket,
        context={"escalation": escalation, "summary": escalation.reason[:300]},
    )


@handler("escalation_handled")
def escalation_handled(*, ticket, version, escalation):
    people = [*selectors.customers_on(ticket), escalation.requested_by, escalation.specialist]
    services.notifications_create(
        kind=Kind.ESCALATION_HANDLED,
        event_key=f"escalation:{escalation.pk}:{escalation.status}",
        users=_without(people, escalation.handled_by),
        ticket=ticket,
        context={
            "escalation": escalation,
            "summary": escalation.get_status_display(),
        },
    )


@on("invitation_sent")
def invitation_sent(*, invitation):
    """The one-time sign-up link of an invitation (accounts.services). It is sent from
    here, not through the outbox of notifications: the link is made at sending time and
    never stored. A failure raises, so the event is dispatched again later."""

    send_invitation_email(invitation.pk)


@on("release_note_published")
def release_note_published(*, release_note):
    """Customer administrators get each published release note once (by note id)."""
    with scopes_disabled(), transaction.atomic():  # a note goes to many organisations
        services.notifications_create(
            kind=Kind.RELEASE_NOTE,
            event_key=f"release_note:{release_note.pk}",
            users=selectors.release_note_audience(release_note),
            context={"note": release_note, "summary": release_note.title},
        )
