"""Writes of the notifications domain: the outbox, in-app notifications, preferences,
SLA sweep outcomes and on-call pages.

Exactly once: every notification is inserted under its natural key (a unique
constraint) before anything is sent; a second insert of the same key is skipped, so
a second beat, a retried task or two workers never notify twice. Nothing is lost:
emails are enqueued only after the transaction that wrote them commits; when the
broker is down they stay pending and the sweep sends them later.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterable, Sequence

from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from accounts import permissions
from accounts.languages import language_of
from accounts.models import User
from accounts.scoping import service
from core import events, handover
from notifications import emails, selectors
from notifications.models import (
    Kind,
    Notification,
    NotificationPreference,
    OnCallPage,
    OutboundEmail,
    OutboundState,
    PageReason,
    PendingEvent,
    SweepRun,
)
from sla.models import ClockState, SLAClock, TargetKind
from sla.services import clock_check
from tickets import services as ticket_services

log = logging.getLogger(__name__)

# Refusals that no retry can cure: the provider will not deliver to this address.
PERMANENT_ERRORS = (AnymailRecipientsRefused, AnymailInvalidAddress)


# --- Writing notifications ------------------------------------------------------------------


def _insert_once(model, **fields):
    """Insert a row under its natural key; None when it already exists (or a concurrent
    transaction inserted it first: the unique index makes us wait, then refuse)."""
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError:
        return None


def _summary(context: dict | None, user: User) -> str:
    """The in-app notification's line of text, in the recipient's language (a summary
    may be a lazy translation), stored as they will read it."""
    with translation.override(language_of(user)):
        return str((context or {}).get("summary", ""))[:500]


def notifications_create(
    *,
    kind: str,
    event_key: str,
    users: Iterable[User | None],
    ticket=None,
    context: dict | None = None,
    email: bool = True,
    in_app: bool = True,
) -> list[int]:
    """For each user once: an in-app notification and, unless their preference says
    otherwise, an outbound email. Runs inside the caller's transaction; the emails are
    enqueued after it commits. Returns the ids of the emails written now."""
    assert transaction.get_connection().in_atomic_block, "call inside a transaction"
    if ticket is not None:
        # The ticket's thread root first: two transactions notifying about the same
        # ticket (an event and a clock check in two workers) then meet on this one row
        # and wait, instead of each holding a row the other needs (a deadlock).
        emails.root_message_id(ticket)
    written: list[int] = []
    seen: set[int] = set()
    for user in users:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        rendered = None
        key = {"kind": kind, "event_key": event_key}
        if in_app and not Notification.objects.filter(recipient=user, **key).exists():
            rendered = emails.render(kind, context or {}, ticket=ticket, recipient=user)
            _insert_once(
                Notification,
                recipient=user,
                organization_id=ticket.organization_id if ticket is not None else None,
                ticket=ticket,
                title=rendered.subject,
                body=_summary(context, user),
                url=emails.ticket_url(ticket).removeprefix(settings.SITE_URL.rstrip("/"))
                if ticket is not None
                else "",
                **key,
            )
        if not (email and user.email and selectors.email_wanted(kind, user=user, ticket=ticket)):
            continue
        recipient = user.email.lower()
        if OutboundEmail.objects.filter(recipient=recipient, **key).exists():
            continue
        rendered = rendered or emails.render(kind, context or {}, ticket=ticket, recipient=user)
        outbound = outbound_write(
            key=key, recipient=recipient, user=user, ticket=ticket, rendered=rendered
        )
        if outbound is not None:
            written.append(outbound.pk)
    outbound_enqueue_on_commit(written)
    return written


def outbound_write(
    *,
    key: dict,
    recipient: str,
    rendered: emails.Rendered,
    user: User | None = None,
    ticket=None,
    in_reply_to: str = "",
    auto_reply: bool = False,
) -> OutboundEmail | None:
    """One outbox row under its natural key (None if it exists), threaded under the
    ticket's root Message-ID. The caller enqueues it after commit."""
    root = emails.root_message_id(ticket) if ticket is not None else ""
    in_reply_to = in_reply_to or root
    return _insert_once(
        OutboundEmail,
        recipient=recipient,
        user=user,
        ticket=ticket,
        organization_id=ticket.organization_id if ticket is not None else None,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        message_id=emails.new_message_id(ticket),
        in_reply_to=in_reply_to,
        references=" ".join(dict.fromkeys(filter(None, [root, in_reply_to]))),
        auto_reply=auto_reply,
        **key,
    )


def outbound_enqueue_on_commit(outbound_ids: Sequence[int]) -> None:
    """Hand the emails to the broker once the transaction commits (core.handover: when
    Redis is down, the rows stay pending and the sweep sends them once it is back)."""
    handover.enqueue_on_commit("notifications.tasks.send_email", outbound_ids)


def event_store(name: str, payload: dict) -> None:
    """The outbox of core.events: the event is a row of the caller's transaction, handed
    to a worker once it commits."""
    pending = PendingEvent.objects.create(name=name, payload=payload)
    events_enqueue_on_commit([pending.pk])


def events_enqueue_on_commit(event_ids: Sequence[int]) -> None:
    """Hand recorded events to the workers once the transaction commits; as robust as
    the emails' hand-over (the sweep dispatches what could not be enqueued)."""
    handover.enqueue_on_commit("notifications.tasks.dispatch_event", event_ids)


def event_dispatch(*, event_id: int, at: dt.datetime) -> bool:
    """Run the handlers of one recorded event and delete it; True when it was done.

    The row is locked (SKIP LOCKED) for the whole run, so an event enqueued twice is
    dispatched by one worker at a time; a deleted row means it was done already. When
    a handler fails, nothing it wrote is kept, and the event waits for the sweep after
    a growing delay, the error recorded on it.
    """
    # A task: the events of every organisation pass through here (each handler then
    # works in its ticket's organisation, notifications.handlers).
    with scopes_disabled(), transaction.atomic():
        event = PendingEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
        if event is None:
            return False
        try:
            with transaction.atomic():
                events.dispatch(event.name, event.payload)
        except Exception as error:
            log.exception("dispatching event %s (%s) failed", event.pk, event.name)
            event.attempts += 1
            event.last_error = _describe(error)
            event.next_attempt_at = at + event_backoff(event.attempts)
            event.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return False
        event.delete()
        return True


def event_backoff(attempt: int) -> dt.timedelta:
    """1, 2, 4… minutes after each failed dispatch, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempt - 1, 0), 60))


def events_redispatch_due(*, at: dt.datetime) -> int:
    """The sweep's recovery of events: those not dispatched a minute after they were
    due (never enqueued, or their task was lost), and failed ones whose delay is over."""
    ids = selectors.events_due(at=at, grace=dt.timedelta(minutes=1))
    return handover.enqueue("notifications.tasks.dispatch_event", ids) if ids else 0


# --- Sending ------------------------------------------------------------------------------


class SendOutcome(enum.Enum):
    SKIPPED = "skipped"  # not pending, or claimed by another worker
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


def backoff(attempt: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min… after the first, second, third… failed attempt."""
    return dt.timedelta(seconds=settings.EMAIL_RETRY_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0))


def outbound_send(*, outbound_id: int) -> SendOutcome:
    """Claim one email (pending → sending), send it, and record the result.

    The claim is a conditional UPDATE committed before the provider is called, so of
    two workers holding the same id only one sends. A claim whose worker died is
    taken over once its lease runs out: the one unavoidable duplicate (the provider
    accepted, the worker died before recording it) is at most one extra copy.
    """
    at = timezone.now()
    lease = dt.timedelta(seconds=settings.EMAIL_SENDING_LEASE_SECONDS)
    with scopes_disabled():  # a task: the id comes from our own outbox
        claimed = OutboundEmail.objects.filter(
            Q(state=OutboundState.PENDING)
            | Q(state=OutboundState.SENDING, next_attempt_at__lte=at),
            pk=outbound_id,
        ).update(
            state=OutboundState.SENDING,
            claimed_at=at,
            attempts=F("attempts") + 1,
            next_attempt_at=at + lease,
        )
        if not claimed:
            return SendOutcome.SKIPPED
        outbound = OutboundEmail.objects.select_related("ticket").get(pk=outbound_id)
        message = emails.build_message(outbound)
        try:
            message.send()
        except PERMANENT_ERRORS as error:
            _record_failure(outbound, error, refused=True)
            return SendOutcome.FAILED
        except Exception as error:
            if outbound.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                _record_failure(outbound, error, refused=False)
                return SendOutcome.FAILED
            OutboundEmail.objects.filter(pk=outbound.pk).update(
                state=OutboundState.PENDING,
                last_error=_describe(error),
                next_attempt_at=timezone.now() + backoff(outbound.attempts),
            )
            log.warning("email %s failed (attempt %s): %s", outbound.pk, outbound.attempts, error)
            return SendOutcome.RETRY
        status = getattr(message, "anymail_status", None)
        provider_id = getattr(status, "message_id", None) if status is not None else None
        OutboundEmail.objects.filter(pk=outbound.pk).update(
            state=OutboundState.SENT,
            sent_at=timezone.now(),
            provider_message_id=str(provider_id) if provider_id is not None else "",
            last_error="",
        )
    return SendOutcome.SENT


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _record_failure(outbound: OutboundEmail, error: Exception, *, refused: bool) -> None:
    """Keep the failed email with its error, and tell the agents who own the ticket."""
    with transaction.atomic():
        OutboundEmail.objects.filter(pk=outbound.pk).update(
            state=OutboundState.FAILED, last_error=_describe(error), refused=refused
        )
        if outbound.kind == Kind.UNKNOWN_SENDER:
            return
        ticket = outbound.ticket
        owners = [ticket.assignee] if ticket is not None and ticket.assignee else None
        notifications_create(
            kind=Kind.DELIVERY_FAILED,
            event_key=f"outbound:{outbound.pk}",
            users=owners or selectors.agents(ticket),
            ticket=ticket,
            context={
                "outbound": outbound,
                "refused": refused,
                "error": _describe(error),
                "summary": f"{outbound.recipient}: {_describe(error)}",
            },
            email=False,
        )


@service(across="an administrator retries the failed emails of every organisation")
def outbound_retry(actor: User | None, *, outbound_ids: Sequence[int]) -> int:
    """An administrator sends failed emails again (the admin's "retry" action)."""
    if actor is not None and not permissions.can_use_admin_site(actor):
        raise PermissionDenied(_("Only administrators retry failed emails."))
    ids = list(
        OutboundEmail.objects.select_for_update()
        .filter(pk__in=outbound_ids, state=OutboundState.FAILED)
        .values_list("pk", flat=True)
    )
    OutboundEmail.objects.filter(pk__in=ids).update(
        state=OutboundState.PENDING, attempts=0, refused=False, next_attempt_at=timezone.now()
    )
    outbound_enqueue_on_commit(ids)
    return len(ids)


def sweep_record(*, at: dt.datetime) -> None:
    """The sweep ran at ``at`` (helpdesk.views.healthz reads it): one row, one UPDATE."""
    SweepRun.objects.update_or_create(pk=1, defaults={"swept_at": at})


def outbound_resend_due(*, at: dt.datetime) -> int:
    """The sweep's outbox recovery: emails that never reached the broker, retries whose
    task was lost, claims whose worker died. Each is enqueued again; the claim in
    ``outbound_send`` keeps a row enqueued twice from being sent twice."""
    ids = selectors.outbound_due(at=at, grace=dt.timedelta(minutes=1))
    return handover.enqueue("notifications.tasks.send_email", ids) if ids else 0


# --- In-app notifications and preferences ---------------------------------------------------


@service(tenant="notification")
def notification_mark_read(actor: User, *, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise PermissionDenied(_("This is someone else's notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk).update(read_at=notification.read_at)
    return notification


@service(across="a person's own notifications, from every organisation they hear about")
def notifications_mark_all_read(actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@service
def preferences_save(actor: User, *, choices: dict[str, bool]) -> None:
    """Store which kinds also come by email. Kinds the user cannot switch off stay on."""
    allowed = set(selectors.preference_kinds_for(actor))
    for kind, email in choices.items():
        if kind not in allowed:
            continue
        if kind in selectors.ALWAYS_EMAILED:
            email = True
        NotificationPreference.objects.update_or_create(
            user=actor, kind=kind, defaults={"email": email}
        )


# --- The SLA sweep --------------------------------------------------------------------------


def _responsible(ticket) -> list[User]:
    """The assignee, or the organisation's team while nobody is assigned."""
    return [ticket.assignee] if ticket.assignee_id else selectors.agents(ticket)


def _overseers(ticket) -> list[User]:
    """The managers and the organisation's Client Engagement Manager."""
    people = selectors.managers()
    if ticket.organization.cem is not None:
        people.append(ticket.organization.cem)
    return people


@service(across="a task of the SLA sweep: the clock it was handed may be any organisation's")
def sla_clock_check(*, clock_id: int, at: dt.datetime) -> str | None:
    """One due clock: record its warning or breach (sla.services.clock_check) and tell
    the people concerned, each notice keyed by (clock, kind, deadline)."""
    result = clock_check(clock_id=clock_id, at=at)
    if result is None:
        return None
    if result.ticket_id is not None:
        # Breached: the ticket now sorts among the breached (its stored deadline).
        ticket_services.ticket_deadline_refresh(ticket_id=result.ticket_id)
    if result.event not in ("warning", "breach"):
        return result.event  # deferred to the next opening, or skipped: nobody hears yet
    clock = SLAClock.objects.select_related(
        "ticket__organization__cem", "ticket__assignee", "ticket__requester"
    ).get(pk=clock_id)
    ticket = clock.ticket
    assert clock.due_at is not None
    event_key = f"clock:{clock.pk}:{clock.due_at.isoformat()}"
    context = {"clock": clock, "summary": f"{clock.get_kind_display()} due {clock.due_at:%c}"}
    if result.event == "warning":
        updates = (TargetKind.UPDATE, TargetKind.ESCALATION_UPDATE)
        kind = Kind.UPDATE_DUE if clock.kind in updates else Kind.SLA_WARNING
        users = _responsible(ticket)
        if clock.kind == TargetKind.ESCALATION_UPDATE:
            # The update an escalation's action plan promised: the managers and the CEM
            # who agreed it hear too, not only the assignee (usually the specialist).
            users = [*users, *_overseers(ticket)]
        notifications_create(
            kind=kind,
            event_key=event_key,
            users=users,
            ticket=ticket,
            context=context,
        )
        _publish_clock_event(result.event, clock)
        return result.event
    people: list[User | None] = [*_overseers(ticket), ticket.assignee]
    notifications_create(
        kind=Kind.SLA_BREACH, event_key=event_key, users=people, ticket=ticket, context=context
    )
    if ticket.severity == "S1" and selectors.after_hours(at):
        oncall_page(ticket=ticket, reason=PageReason.BREACH, event_key=event_key, at=at)
    _publish_clock_event(result.event, clock)
    return result.event


def _publish_clock_event(event: str, clock: SLAClock) -> None:
    """Tell whoever listens beyond people (the outgoing webhooks) of a warning or a
    breach, keyed by the deadline it concerns, in the check's transaction."""
    assert clock.due_at is not None
    name = "sla_warning" if event == "warning" else "sla_breach"
    events.emit(name, ticket=clock.ticket, clock=clock, due_at=clock.due_at.isoformat())


def oncall_page(*, ticket, reason: str, event_key: str, at: dt.datetime) -> OnCallPage | None:
    """Page the on-call agent (the managers if the rota is empty) about a critical
    ticket after hours, once per event. Runs inside the caller's transaction."""
    paged = selectors.on_call_at(at)
    page = _insert_once(
        OnCallPage,
        ticket=ticket,
        organization_id=ticket.organization_id,
        reason=reason,
        event_key=event_key,
        paged_user=paged,
        paged_at=at,
        answer_due_at=at + dt.timedelta(minutes=settings.ONCALL_ANSWER_MINUTES),
    )
    if page is None:
        return None
    notifications_create(
        kind=Kind.ONCALL_PAGE,
        event_key=f"page:{page.pk}",
        users=[paged] if paged is not None else selectors.managers(),
        ticket=ticket,
        context={"page": page, "summary": page.get_reason_display()},
    )
    return page


@service(across="a task of the SLA sweep: the page it was handed may be any organisation's")
def oncall_page_check(*, page_id: int, at: dt.datetime) -> str | None:
    """An hour after a page: settled if the customer had a status notification with an
    estimate; otherwise the managers and the CEM hear, once."""
    page = (
        OnCallPage.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("ticket__organization__cem", "paged_user")
        .filter(pk=page_id, answered_at__isnull=True, escalated_at__isnull=True)
        .filter(answer_due_at__lte=at)
        .first()
    )
    if page is None:
        return None
    if selectors.status_notification_sent(ticket=page.ticket, since=page.paged_at):
        page.answered_at = at
        page.save(update_fields=["answered_at"])
        return "answered"
    page.escalated_at = at
    page.save(update_fields=["escalated_at"])
    notifications_create(
        kind=Kind.ONCALL_ESCALATION,
        event_key=f"page:{page.pk}",
        users=_overseers(page.ticket),
        ticket=page.ticket,
        context={"page": page, "summary": f"Paged {page.paged_at:%c}, no status notification"},
    )
    return "escalated"


def running_clock(ticket, kind: str) -> SLAClock | None:
    return (
        SLAClock.objects.filter(ticket=ticket, kind=kind, state=ClockState.RUNNING)
        .order_by("-started_at")
        .first()
    )
