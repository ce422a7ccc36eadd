"""Words and colours of the customer portal: a ticket's status as a customer reads it,
and what the vendor owes them next ("next from us by …", "reply overdue since …")."""

import datetime as dt
import html
from collections.abc import Iterable
from dataclasses import dataclass

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from sla.models import ClockState, SLAClock, TargetKind
from tickets.models import Status, Ticket, TicketType
from tickets.wording import choice_label, status_name

register = template.Library()

# Bootstrap's text-bg-* pairs keep text and background at an accessible contrast.
STATUS_BADGE: dict[str, str] = {
    Status.NEW: "text-bg-secondary",
    Status.ACKNOWLEDGED: "text-bg-info",
    Status.IN_PROGRESS: "text-bg-primary",
    Status.WAITING_ON_CUSTOMER: "text-bg-warning",
    Status.WORKAROUND_PROVIDED: "text-bg-info",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-light border",
}

SEVERITY_BADGE = {"S1": "text-bg-danger", "S2": "text-bg-warning", "S3": "text-bg-info"}


@register.filter
def customer_status(status: str) -> str:
    return status_name(status, for_staff=False)


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGE.get(status, "text-bg-secondary")


@register.filter
def severity_badge(severity: str) -> str:
    return SEVERITY_BADGE.get(severity, "text-bg-light border")


# What the vendor owes, in the customer's words. Triage is an internal step and never
# named to customers: to them a late acknowledgement is a late reply, as is an update.
OWED: dict[str, Promise] = {
    TargetKind.TRIAGE: _("reply"),
    TargetKind.FIRST_RESPONSE: _("reply"),
    TargetKind.UPDATE: _("reply"),
    TargetKind.WORKAROUND: _("workaround"),
    TargetKind.RESOLUTION: _("resolution"),
}
# A deadline still to come, as the ticket page names it to customers.
DUE: dict[str, Promise] = {
    TargetKind.TRIAGE: _("Acknowledgement"),
    TargetKind.FIRST_RESPONSE: _("First response"),
    TargetKind.UPDATE: _("Next update"),
    TargetKind.WORKAROUND: _("Workaround"),
    TargetKind.RESOLUTION: _("Resolution"),
}


def owed_word(kind: str | None) -> str:
    """ "reply", "workaround" or "resolution": what a target of this kind owes the
    customer (any other kind, an escalation's updates among them, is a reply)."""
    return str(OWED.get(kind, _("reply")) if kind else _("reply"))


def due_label(kind: str) -> str:
    """A deadline to come on the customer's ticket page; never "Triage"."""
    return str(DUE.get(kind, _("Next update")))


@dataclass(frozen=True)
class Owed:
    """A deadline the vendor still owes: ``label`` by ``due``, ``overdue`` once passed."""

    label: str
    kind: str
    due: dt.datetime
    overdue: bool
    clock: SLAClock | None = None


@register.simple_tag
def owed_next(ticket: Ticket) -> Owed | None:
    """A list row's "next from us": the ticket's earliest deadline still owed
    (``sla_due_at``) and what it is (``owed_kind``, annotated by
    portal.selectors); None without one or while we wait on the customer."""
    due = ticket.sla_due_at
    if due is None or ticket.status == Status.WAITING_ON_CUSTOMER:
        return None
    kind = getattr(ticket, "owed_kind", None) or TargetKind.FIRST_RESPONSE
    return Owed(owed_word(kind), kind, due, overdue=due <= timezone.now())


def _still_owed(clock: SLAClock) -> bool:
    """Running, or breached and not met yet: the vendor still owes it."""
    return clock.state == ClockState.RUNNING or (
        clock.state == ClockState.BREACHED and clock.met_at is None
    )


@register.simple_tag
def owed_on_ticket(ticket: Ticket, clocks: Iterable[SLAClock], staff: bool) -> list[Owed]:
    """The ticket page's deadlines still owed, the earliest first: each one overdue and
    each one to come. Staff read every target by its name. A customer reads them in
    their words, one overdue line for each thing owed ("Reply overdue since …", however
    many targets are late for it), and none while we wait on them."""
    now = timezone.now()
    owed: list[Owed] = []
    overdue_words: set[str] = set()
    pending = [(clock.due_at, clock) for clock in clocks if clock.due_at and _still_owed(clock)]
    for due, clock in sorted(pending, key=lambda pair: pair[0]):
        overdue = due <= now
        if staff:
            label = str(clock.get_kind_display())
        elif overdue:
            if ticket.status == Status.WAITING_ON_CUSTOMER:
                continue
            label = owed_word(clock.kind).capitalize()
            if label in overdue_words:
                continue
            overdue_words.add(label)
        else:
            label = due_label(clock.kind)
        owed.append(Owed(label, clock.kind, due, overdue, clock))
    return owed


@register.simple_tag(takes_context=True)
def portal_row(context, ticket: Ticket) -> SafeString:
    """A ticket's ``<li>`` in the portal's lists (the ticket list's page of rows, the
    portal home's latest): reference and title, status, severity and type, who opened
    it, when it last moved and what we owe next.

    Written in plain Python, not in the template, as the queue's rows are: the
    template's nodes a row, twenty-five rows a page, were most of the list's rendering."""
    esc = html.escape
    user = context.get("user")
    severity = ticket.severity
    status = ticket.status
    if ticket.requester_id == getattr(user, "pk", None):
        opened = esc(gettext("opened by you"))
    else:
        opened = esc(gettext("opened by %(requester)s") % {"requester": ticket.requester})
    activity = timezone.localtime(ticket.last_activity_at)
    meta = (
        f'<span class="badge {severity_badge(severity)}">{esc(severity)}</span> '
        if severity
        else ""
    )
    updated = pgettext("a ticket, … ago", "updated")
    meta += (
        f"{esc(choice_label(TicketType, ticket.type))} · {opened} · {esc(updated)} "
        f'<time datetime="{activity.isoformat()}" '
        f'title="{esc(date_filter(activity, "DAY_DATETIME_ZONE_FORMAT"))}">'
        f"{esc(str(naturaltime(ticket.last_activity_at)))}</time>"
    )
    owed = owed_next(ticket)
    if owed is not None:
        due = esc(date_filter(timezone.localtime(owed.due), "DAY_TIME_FORMAT"))
        if owed.overdue:
            words = gettext("%(label)s overdue since %(due)s")
            meta += (
                ' · <strong class="sla-breached" data-testid="overdue"><i class="bi '
                'bi-exclamation-triangle-fill" aria-hidden="true"></i> '
                f"{words % {'label': esc(owed.label), 'due': due}}</strong>"
            )
        else:
            next_from_us = gettext("next from us by %(due)s") % {"due": due}
            meta += f" · {next_from_us}"
    detail = esc(reverse("ticket_detail", args=[ticket.reference]))
    return mark_safe(  # noqa: S308 - every value is escaped above
        f'<li class="list-group-item portal-ticket sev-{esc(severity or "none")}">'
        '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2">'
        f'<a class="portal-ticket-link text-break" href="{detail}">'
        f'<span class="portal-ticket-ref text-nowrap">{esc(ticket.reference)}</span> '
        f'<span class="portal-ticket-title">{esc(ticket.title)}</span></a>'
        f'<span class="badge {status_badge(status)}" data-testid="status">'
        f"{esc(str(customer_status(status)))}</span></div>"
        f'<p class="small text-body-secondary mb-0">{meta}</p></li>'
    )
