"""Celery tasks of the notifications domain. They take ids, load, and call one service.

Deadlines live in PostgreSQL, never in the broker: ``sla_sweep`` runs every minute from
beat, finds the due rows by their indexed next-deadline columns, and hands each id to
an idempotent per-row task. No SLA work is ever scheduled with an ETA or countdown.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications import inbound, selectors, services
from notifications.models import OutboundEmail

log = logging.getLogger(__name__)

# Beat runs the sweep this often (CELERY_BEAT_SCHEDULE["sla-sweep"] in settings).
SWEEP_INTERVAL = dt.timedelta(seconds=60)


class EmailNotSentYet(Exception):
    """A transient failure at the provider: the email waits for its next attempt."""


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def send_email(self, outbound_id: int) -> str:
    """Send one outbox row. Safe to run twice or in parallel: the row is claimed with a
    conditional UPDATE (pending → sending), so only one run sends it.

    Transient errors retry with exponential backoff until EMAIL_MAX_ATTEMPTS, counted
    on the row; the final failure stays on the row for an administrator to retry.
    """

    outcome = services.outbound_send(outbound_id=outbound_id)
    if outcome is services.SendOutcome.RETRY:
        # The row is pending again with its next_attempt_at: should this retry message
        # be lost, the sweep still finds the row.

        attempts = OutboundEmail._base_manager.filter(pk=outbound_id).values_list(
            "attempts", flat=True
        )[0]
        raise self.retry(
            exc=EmailNotSentYet(f"email {outbound_id}: attempt {attempts} failed"),
            countdown=services.backoff(attempts).total_seconds(),
        )
    return outcome.value


@shared_task(acks_late=True)
def dispatch_event(event_id: int) -> bool:
    """Fan one recorded ticket event out into notifications and emails (its handlers).
    Safe to run twice: a dispatched event is gone, and the handlers' rows have natural
    keys. A failed one stays recorded for the sweep."""

    return services.event_dispatch(event_id=event_id, at=timezone.now())


@shared_task(acks_late=True)
def sla_sweep() -> dict[str, int]:
    """Every minute: due SLA clocks, unanswered on-call pages, events and emails that
    never reached the broker or whose worker died. Reads indexed columns only."""

    now = timezone.now()
    clocks = selectors.clocks_due_for_check(at=now)
    for clock_id, _ in clocks:
        sla_clock_check.delay(clock_id)
    # A clock still due two sweeps after its check time was missed by a sweep: its check
    # was skipped (its row stayed locked), lost with a worker, or the workers lag behind.
    late = [pk for pk, check_at in clocks if now - check_at > 2 * SWEEP_INTERVAL]
    if late:
        log.warning("SLA sweep: %d clock checks are late, oldest first: %s", len(late), late[:20])
    pages = selectors.pages_due(at=now)
    for page_id in pages:
        oncall_page_check.delay(page_id)
    events = services.events_redispatch_due(at=now)
    emails = services.outbound_resend_due(at=now)
    services.sweep_record(at=now)
    return {
        "clocks": len(clocks),
        "late_clocks": len(late),
        "pages": len(pages),
        "events": events,
        "emails": emails,
    }


@shared_task(acks_late=True)
def sla_clock_check(clock_id: int) -> str | None:
    """One due clock: its warning or breach, recorded and notified once."""

    return services.sla_clock_check(clock_id=clock_id, at=timezone.now())


@shared_task(acks_late=True)
def oncall_page_check(page_id: int) -> str | None:
    """An on-call page whose hour is up: settled, or escalated to the managers once."""

    return services.oncall_page_check(page_id=page_id, at=timezone.now())


@shared_task(acks_late=True)
def fetch_mail() -> int:
    """Read the configured Maildir (INBOUND_MAILDIR) into tickets and replies."""

    if not settings.INBOUND_MAILDIR:
        return 0
    return inbound.maildir_fetch(path=settings.INBOUND_MAILDIR)
