"""Outgoing webhooks: registering endpoints, writing a delivery per event and endpoint,
and sending it.

Once per event and endpoint: the event's handler writes one Delivery row per endpoint,
keyed by (endpoint, event key), after the change committed (the events outbox); a
worker claims the row with a conditional UPDATE committed before the request goes out,
so of two workers holding the same id only one sends. A claim whose worker died is
taken over when its lease runs out: the one window in which a receiver may get an
event twice is a worker dying after the receiver answered and before the answer was
recorded (the same window as the emails', README "Email delivery"). Every delivery
carries the event's ``id``, for a receiver to tell such a repeat.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import time
from collections.abc import Sequence

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from accounts import permissions
from accounts.models import Organization, StaffRole, User
from accounts.scoping import service
from core import handover
from tickets.models import Ticket
from webhooks import addresses, payloads, signing
from webhooks.models import STAFF_ONLY_EVENTS, Delivery, DeliveryState, Endpoint, EventType

log = logging.getLogger(__name__)

MAX_ENDPOINTS = 10  # per organisation, and for every organisation
RESPONSE_KEPT = 2_000  # characters of a receiver's answer kept on the delivery
DELIVER_TASK = "webhooks.tasks.deliver"
# An administrator's endpoint belongs to no organisation, and hears of all of them:
# the services below work across organisations, behind _check_owner.
OWNER_CHECKED = "an endpoint's owner was checked (_check_owner)"
USER_AGENT = "Helpdesk-Webhooks/1"


# --- Who may register endpoints ------------------------------------------------------------


def is_administrator(user: User) -> bool:
    return permissions.is_staff_member(user) and user.staff_role == StaffRole.ADMINISTRATOR


def can_manage_webhooks(user: User) -> bool:
    """Administrators, the vendor's endpoints; customer administrators, their own
    organisation's."""
    return is_administrator(user) or permissions.is_customer_admin(user)


def events_for(*, vendor: bool) -> list[tuple[str, str]]:
    """The events an endpoint may hear: the SLA's warnings are the vendor's own alarm,
    for the vendor's endpoints only."""
    return [
        (value, str(label))
        for value, label in EventType.choices
        if value != EventType.PING and (vendor or value not in STAFF_ONLY_EVENTS)
    ]


def _owns(user: User, *, vendor: bool, organization: Organization | None) -> bool:
    """The vendor's endpoints are its administrators'; a customer's, its administrator's."""
    if vendor:
        return is_administrator(user)
    return organization is not None and permissions.can_manage_contacts(user, organization)


def _check_owner(user: User, *, vendor: bool, organization: Organization | None) -> None:
    if not _owns(user, vendor=vendor, organization=organization):
        raise PermissionDenied(_("Only the endpoint's owner manages it."))


def _check_events(events: Sequence[str], *, vendor: bool) -> list[str]:
    allowed = [value for value, _ in events_for(vendor=vendor)]
    chosen = [value for value in allowed if value in events]
    if not chosen or len(chosen) != len(set(events)):
        raise ValidationError({"events": _("Pick one or more of the events listed.")})
    return chosen


def may_manage(user: User, endpoint: Endpoint) -> bool:
    """Who changes an endpoint: its owner alone. Administrators see customers'
    endpoints and their deliveries, but a customer's secret, switch and replays are the
    customer's own."""
    return _owns(user, vendor=endpoint.is_vendor, organization=endpoint.organization)


def _check_endpoint_owner(user: User, endpoint: Endpoint) -> None:
    _check_owner(user, vendor=endpoint.is_vendor, organization=endpoint.organization)


# --- Endpoints -----------------------------------------------------------------------------


@service(across="an administrator's endpoint may hear of every organisation")
def endpoint_create(
    user: User,
    *,
    organization: Organization | None,
    url: str,
    events: Sequence[str],
    description: str = "",
) -> Endpoint:
    """Register an endpoint: an administrator's is the vendor's (of one organisation or
    of all), a customer administrator's their organisation's. Its secret is on the row,
    shown to its owner once."""
    vendor = is_administrator(user)
    _check_owner(user, vendor=vendor, organization=organization)
    chosen = _check_events(events, vendor=vendor)
    try:
        addresses.check(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from error
    if Endpoint.objects.filter(is_vendor=vendor, organization=organization).count() >= (
        MAX_ENDPOINTS
    ):
        raise ValidationError(
            _("At most %(max)s endpoints: delete one you no longer use.") % {"max": MAX_ENDPOINTS}
        )
    return Endpoint.objects.create(
        is_vendor=vendor,
        organization=organization,
        url=url,
        description=description,
        events=chosen,
        secret=signing.new_secret(),
        created_by=user,
    )


@service(across=OWNER_CHECKED)
def endpoint_update(
    user: User, *, endpoint: Endpoint, events: Sequence[str], description: str, is_active: bool
) -> Endpoint:
    _check_endpoint_owner(user, endpoint)
    endpoint.events = _check_events(events, vendor=endpoint.is_vendor)
    endpoint.description = description
    woken = is_active and not endpoint.is_active
    endpoint.is_active = is_active
    endpoint.save(update_fields=["events", "description", "is_active"])
    if woken:
        # What waited while it was switched off goes now, not at the next sweep.
        waiting = endpoint.deliveries.filter(state=DeliveryState.PENDING)
        waiting.update(next_attempt_at=timezone.now())
        handover.enqueue_on_commit(DELIVER_TASK, list(waiting.values_list("pk", flat=True)))
    return endpoint


@service(across=OWNER_CHECKED)
def endpoint_secret_roll(user: User, *, endpoint: Endpoint) -> Endpoint:
    """A new secret at once: deliveries from now on are signed with it."""
    _check_endpoint_owner(user, endpoint)
    endpoint.secret = signing.new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint


@service(across=OWNER_CHECKED)
def endpoint_delete(user: User, *, endpoint: Endpoint) -> None:
    _check_endpoint_owner(user, endpoint)
    endpoint.delete()


@service(across=OWNER_CHECKED)
def endpoint_ping(user: User, *, endpoint: Endpoint) -> Delivery:
    """A test event, sent at once, to see the endpoint answer and check the signature."""
    _check_endpoint_owner(user, endpoint)
    at = timezone.now()
    key = f"ping:{endpoint.pk}:{at.timestamp()}"
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        organization=endpoint.organization,
        event=EventType.PING,
        event_key=key,
        payload={
            "id": payloads.event_id(key),
            "type": EventType.PING.value,
            "created_at": at.isoformat(),
            "endpoint": endpoint.pk,
        },
        next_attempt_at=at,
        created_at=at,
    )
    handover.enqueue_on_commit(DELIVER_TASK, [delivery.pk])
    return delivery


@service(across=OWNER_CHECKED)
def delivery_retry(user: User, *, delivery: Delivery) -> Delivery:
    """Send a delivery again now (after a failure, or to replay one)."""
    _check_endpoint_owner(user, delivery.endpoint)
    if delivery.state == DeliveryState.SENDING:
        raise ValidationError(_("This delivery is being sent right now."))
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["state", "next_attempt_at"])
    handover.enqueue_on_commit(DELIVER_TASK, [delivery.pk])
    return delivery


# --- Deliveries ----------------------------------------------------------------------------


@service(across="an event's handler: administrators' endpoints hear of every organisation")
def deliveries_create(
    *, event: EventType, key: str, ticket: Ticket, at: dt.datetime, **extra
) -> list[int]:
    """One delivery per active endpoint that hears of this event on this ticket, once
    per (endpoint, key) however often it is called. Returns the waiting ones' ids."""
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(is_active=True).filter(
            Q(organization_id=ticket.organization_id) | Q(organization__isnull=True)
        )
        if event in endpoint.events and (endpoint.is_vendor or event not in STAFF_ONLY_EVENTS)
    ]
    if not endpoints:
        return []
    bodies: dict[bool, dict] = {}
    rows = []
    for endpoint in endpoints:
        for_staff = endpoint.is_vendor
        if for_staff not in bodies:
            bodies[for_staff] = payloads.ticket_payload(
                event=event, key=key, ticket=ticket, for_staff=for_staff, at=at, **extra
            )
        rows.append(
            Delivery(
                endpoint=endpoint,
                organization_id=ticket.organization_id,
                event=event,
                event_key=key,
                payload=bodies[for_staff],
                next_attempt_at=at,
                created_at=at,
            )
        )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        Delivery.objects.filter(
            event_key=key, endpoint__in=endpoints, state=DeliveryState.PENDING
        ).values_list("pk", flat=True)
    )
    handover.enqueue_on_commit(DELIVER_TASK, ids)
    return ids


class Outcome(enum.Enum):
    SKIPPED = "skipped"  # not due, being sent by another worker, or its endpoint is off
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


def backoff(attempt: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min… after each failed attempt, at most an hour."""
    seconds = settings.WEBHOOK_RETRY_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0)
    return dt.timedelta(seconds=min(seconds, 3600))


def delivery_send(*, delivery_id: int) -> Outcome:
    """Claim one delivery, post it signed, and record the answer: a 2xx is delivered;
    anything else (an error status, a redirect, a timeout, a refused address) waits for
    its next attempt, until WEBHOOK_MAX_ATTEMPTS, then stays failed for its owner to
    send again from the endpoint's page."""
    at = timezone.now()
    lease = dt.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    with scopes_disabled():  # a task: the id comes from our own rows
        # No join in this UPDATE: Django would move every condition into a subquery,
        # which PostgreSQL does not evaluate again once a concurrent claim committed,
        # and two workers would both claim the row. On the row itself, it does.
        claimed = Delivery.objects.filter(
            pk=delivery_id,
            state__in=[DeliveryState.PENDING, DeliveryState.SENDING],
            next_attempt_at__lte=at,
            endpoint_id__in=Endpoint.objects.filter(is_active=True).values("pk"),
        ).update(
            state=DeliveryState.SENDING, attempts=F("attempts") + 1, next_attempt_at=at + lease
        )
        if not claimed:
            return Outcome.SKIPPED
        delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    answer = _post(delivery)
    delivered = answer.status is not None and 200 <= answer.status < 300
    if delivered:
        state, outcome = DeliveryState.DELIVERED, Outcome.DELIVERED
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        state, outcome = DeliveryState.FAILED, Outcome.FAILED
    else:
        state, outcome = DeliveryState.PENDING, Outcome.RETRY
    finished = timezone.now()
    with scopes_disabled():  # a task, as above
        # Only while the claim is still this attempt's (its lease may have run out).
        Delivery.objects.filter(
            pk=delivery_id, attempts=delivery.attempts, state=DeliveryState.SENDING
        ).update(
            state=state,
            delivered_at=finished if delivered else None,
            next_attempt_at=finished + backoff(delivery.attempts),
            response_status=answer.status,
            response_body=answer.body,
            last_error=answer.error,
            duration_ms=answer.duration_ms,
        )
    if not delivered:
        log.warning(
            "webhook delivery %s to %s, attempt %s: %s",
            delivery_id,
            delivery.endpoint.url,
            delivery.attempts,
            answer.error or f"HTTP {answer.status}",
        )
    return outcome


class Answer:
    def __init__(self, status: int | None = None, body: str = "", error: str = "",
                 duration_ms: int = 0) -> None:  # fmt: skip
        self.status, self.body, self.error, self.duration_ms = status, body, error, duration_ms


def _post(delivery: Delivery) -> Answer:
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Helpdesk-Event": delivery.event,
        "X-Helpdesk-Delivery": str(delivery.pk),
        signing.SIGNATURE_HEADER: signing.signature(
            secret=endpoint.secret, timestamp=int(time.time()), body=body
        ),
    }
    started = time.monotonic()
    try:
        addresses.check(endpoint.url)
        with requests.post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=(settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS, settings.WEBHOOK_TIMEOUT_SECONDS),
            allow_redirects=False,
            stream=True,
        ) as response:
            text = response.raw.read(RESPONSE_KEPT, decode_content=True)
            status = response.status_code
    except ValidationError as error:
        return Answer(error="Not sent: " + " ".join(error.messages))
    except (requests.RequestException, OSError, ValueError) as error:
        return Answer(error=_describe(error), duration_ms=_since(started))
    kept = text.decode("utf-8", errors="replace").replace("\x00", "")
    problem = "" if 200 <= status < 300 else f"The receiver answered {status}."
    if 300 <= status < 400:
        problem = f"The receiver answered {status} (a redirect, not followed): update the URL."
    return Answer(status=status, body=kept, error=problem, duration_ms=_since(started))


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _describe(error: BaseException) -> str:
    if isinstance(error, requests.Timeout):
        return f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS} s."
    if isinstance(error, requests.ConnectionError):
        return f"Could not connect: {error}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


def deliveries_redispatch_due(*, at: dt.datetime) -> int:
    """The sweep: hand out again the deliveries whose next attempt is due (a retry after
    a failure, one that never reached the broker, one whose worker died)."""
    grace = dt.timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS)
    with scopes_disabled():  # a task: every organisation's deliveries
        ids = list(
            Delivery.objects.filter(
                state__in=[DeliveryState.PENDING, DeliveryState.SENDING],
                next_attempt_at__lte=at - grace,
                endpoint__is_active=True,
            )
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:1000]
        )
    return handover.enqueue(DELIVER_TASK, ids) if ids else 0


def deliveries_clear_finished(*, at: dt.datetime, batch: int = 1000) -> int:
    """Delete delivered and failed deliveries older than WEBHOOK_RETENTION_DAYS, a
    batch at a time (the sweep runs every minute); returns how many went."""
    before = at - dt.timedelta(days=settings.WEBHOOK_RETENTION_DAYS)
    with scopes_disabled():  # a task: every organisation's deliveries
        finished = Delivery.objects.filter(
            state__in=[DeliveryState.DELIVERED, DeliveryState.FAILED], created_at__lt=before
        )
        ids = list(finished.order_by("created_at").values_list("pk", flat=True)[:batch])
        return Delivery.objects.filter(pk__in=ids).delete()[0] if ids else 0
