"""Reads of the notifications domain: who is on call, who hears about what, what is due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts import permissions
from accounts.models import MemberRole, StaffRole, User
from notifications.models import (
    Kind,
    Notification,
    NotificationPreference,
    OnCallPage,
    OnCallShift,
    OutboundEmail,
    OutboundState,
    PendingEvent,
    SweepRun,
)
from sla import engine
from sla.models import BusinessCalendar, Contract, SLAClock
from sla.services import engine_calendar
from tickets.models import Reply

# Sent whatever the preference: the people responsible must hear of a breach or a page.
ALWAYS_EMAILED = frozenset({Kind.SLA_BREACH, Kind.ONCALL_PAGE, Kind.ONCALL_ESCALATION})
# Critical (S1) notices to the staff responsible cannot be switched off either.
CRITICAL_FOR_STAFF = frozenset(
    {Kind.SLA_WARNING, Kind.UPDATE_DUE, Kind.ASSIGNED, Kind.ESCALATION_REQUESTED}
)

# What each side of the desk can receive, in the order the preferences page lists them.
CUSTOMER_KINDS = [
    Kind.TICKET_CREATED,
    Kind.REPLY_ADDED,
    Kind.STATUS_CHANGED,
    Kind.SEVERITY_CHANGED,
    Kind.ETA_CHANGED,
    Kind.TICKET_MERGED,
    Kind.WORKAROUND_PROVIDED,
    Kind.TICKET_RESOLVED,
    Kind.ESCALATION_HANDLED,
    Kind.RELEASE_NOTE,
]
STAFF_KINDS = [
    Kind.ASSIGNED,
    Kind.REPLY_ADDED,
    Kind.NOTE_ADDED,
    Kind.MENTIONED,
    Kind.STATUS_CHANGED,
    Kind.SLA_WARNING,
    Kind.UPDATE_DUE,
    Kind.ESCALATION_REQUESTED,
    Kind.ESCALATION_HANDLED,
    Kind.SLA_BREACH,
    Kind.ONCALL_PAGE,
    Kind.ONCALL_ESCALATION,
]


# --- On call ------------------------------------------------------------------------------


def on_call_at(at: dt.datetime) -> User | None:
    """Who is on call at ``at``: the override covering it if any, else the rota shift.

    One query; among several overrides the one that started last wins.
    """
    shift = (
        OnCallShift.objects.filter(starts_at__lte=at, ends_at__gt=at, user__is_active=True)
        .select_related("user")
        .order_by("-is_override", "-starts_at")
        .first()
    )
    return shift.user if shift else None


def shifts_between(start: dt.datetime, end: dt.datetime) -> QuerySet[OnCallShift]:
    """Rota shifts and overrides overlapping [start, end), for showing the rota."""
    return (
        OnCallShift.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("user")
        .order_by("starts_at", "-is_override")
    )


def after_hours(at: dt.datetime) -> bool:
    """Is the vendor closed at ``at`` (the calendar named by ONCALL_CALENDAR_NAME)?

    Without that calendar nothing counts as after hours, so nobody is paged.
    """

    calendar = BusinessCalendar.objects.filter(name=settings.ONCALL_CALENDAR_NAME).first()
    if calendar is None:
        return False
    return not engine.is_open(engine_calendar(calendar), at)


# --- Who hears ----------------------------------------------------------------------------


def managers() -> list[User]:
    return list(User.objects.filter(staff_role=StaffRole.MANAGER, is_active=True))


def agents(ticket=None) -> list[User]:
    """Who hears about an unassigned ticket: the agents and specialists of the team that
    looks after its organisation, or all of them when it has no team (or nobody active
    in it)."""
    people = User.objects.filter(
        staff_role__in=[StaffRole.AGENT, StaffRole.SPECIALIST], is_active=True
    ).order_by("full_name")
    if ticket is not None:
        team = list(people.filter(teams__organizations=ticket.organization_id).distinct())
        if team:
            return team
    return list(people)


def customers_on(ticket) -> list[User]:
    """The requester and the watchers: the customers who follow a ticket."""
    people = [ticket.requester, *ticket.watchers.all()]
    return [person for person in people if person.is_active]


def email_is_mandatory(kind: str, *, user: User, ticket=None) -> bool:
    if kind in ALWAYS_EMAILED:
        return True
    return bool(
        permissions.is_staff_member(user)
        and ticket is not None
        and ticket.severity == "S1"
        and kind in CRITICAL_FOR_STAFF
    )


def email_wanted(kind: str, *, user: User, ticket=None) -> bool:
    """The user's preference for this kind (email unless switched off), unless the
    notice is one they cannot switch off."""
    if email_is_mandatory(kind, user=user, ticket=ticket):
        return True
    preference = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return preference is None or preference.email


def preference_kinds_for(user: User) -> Sequence[str]:
    return STAFF_KINDS if permissions.is_staff_member(user) else CUSTOMER_KINDS


def preferences_for(user: User) -> dict[str, bool]:
    """Kind → email on or off, for every kind the user can receive (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: chosen.get(kind, True) for kind in preference_kinds_for(user)}


# --- In-app notifications -------------------------------------------------------------------


def _own_notifications(user: User) -> QuerySet[Notification]:
    if permissions.is_staff_member(user):
        # Staff notifications span organisations; they are filtered to the recipient.
        with scopes_disabled():
            return Notification.objects.filter(recipient=user).all()
    return Notification.objects.filter(recipient=user)


def unread_count_for(*, user: User) -> int:
    """The bell: one COUNT on the partial unread index."""
    return _own_notifications(user).filter(read_at__isnull=True).count()


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return _own_notifications(user).select_related("ticket").order_by("-created_at", "-pk")


def notification_get_for(*, user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; anyone else's is a 404, like a missing one."""
    notification = _own_notifications(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


# --- Outbox -------------------------------------------------------------------------------


def outbound_failed_for_staff() -> QuerySet[OutboundEmail]:
    """Undelivered email of every organisation, for agents to act on."""
    # Agents work across organisations: the one unscoped read of failed email.
    with scopes_disabled():
        return (
            OutboundEmail.objects.filter(state=OutboundState.FAILED)
            .select_related("ticket", "organization")
            .order_by("-created_at")
            .all()
        )


def outbound_due(*, at: dt.datetime, grace: dt.timedelta, limit: int = 500) -> list[int]:
    """Emails the outbox must (re)send: pending past their time plus a grace period
    (normally enqueued at commit, so only a failed enqueue is found), and sending
    claims whose lease ran out (the worker died). Uses the partial retry index."""
    # The sweep serves every organisation by design.
    with scopes_disabled():
        return list(
            OutboundEmail.objects.filter(
                state__in=[OutboundState.PENDING, OutboundState.SENDING],
                next_attempt_at__lte=at - grace,
            )
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )


def events_due(*, at: dt.datetime, grace: dt.timedelta, limit: int = 500) -> list[int]:
    """Recorded events still waiting a grace period after their time (normally
    dispatched within seconds of the commit), by event_due_idx."""
    return list(
        PendingEvent.objects.filter(next_attempt_at__lte=at - grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- The sweep ----------------------------------------------------------------------------


def clocks_due_for_check(*, at: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """Ids and check times of running clocks whose warning or deadline has come, by the
    partial next-deadline index (clock_sweep_idx): tickets that are not due are not read."""
    # The sweep serves every organisation by design.
    with scopes_disabled():
        return list(
            SLAClock.objects.due_for_check(at)
            .order_by("next_check_at")
            .values_list("pk", "next_check_at")
        )


def last_sweep() -> dt.datetime | None:
    """When the SLA sweep last ran; None before its first run."""
    return SweepRun.objects.filter(pk=1).values_list("swept_at", flat=True).first()


def pages_due(*, at: dt.datetime) -> list[int]:
    """On-call pages whose hour is up and that nobody settled, by oncall_page_due_idx."""
    # The sweep serves every organisation by design.
    with scopes_disabled():
        return list(
            OnCallPage.objects.filter(
                answered_at__isnull=True, escalated_at__isnull=True, answer_due_at__lte=at
            ).values_list("pk", flat=True)
        )


def status_notification_sent(*, ticket, since: dt.datetime) -> bool:
    """Has the customer had a status notification with an estimate since ``since``?

    A public reply from support after the page, and an estimated time to resolution on
    the ticket. A ticket no longer open or no longer critical needs none.
    """

    if not ticket.is_open or ticket.severity != "S1":
        return True
    if ticket.estimated_resolution is None:
        return False
    return (
        Reply.objects.filter(ticket=ticket, is_internal=False, created_at__gte=since)
        .filter(~Q(author__staff_role=""))
        .exists()
    )


def users_by_email(addresses: Iterable[str]) -> dict[str, User]:
    return {
        user.email.lower(): user
        for user in User.objects.filter(email__in=[a.lower() for a in addresses])
    }


def release_note_audience(release_note) -> list[User]:
    """Active customer administrators of organisations with a contract in force today,
    narrowed to contracts covering one of the note's products when it names any."""

    today = timezone.localdate()
    contracts = Contract._base_manager.filter(valid_from__lte=today, valid_to__gte=today)
    product_ids = list(release_note.products.values_list("pk", flat=True))
    if product_ids:
        contracts = contracts.filter(covered_versions__product_id__in=product_ids)
    # A release note goes to every covered organisation: the one cross-tenant read here.
    return list(
        User.objects.filter(
            is_active=True,
            membership__role=MemberRole.ADMIN,
            membership__organization__is_active=True,
            membership__organization__in=contracts.values("organization_id"),
        )
        .distinct()
        .order_by("pk")
    )
