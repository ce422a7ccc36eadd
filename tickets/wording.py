"""What people read of a ticket's choices: the customer's name of each status and the
help beside each ticket type. The staff's names are the choices' own labels."""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from sla.models import TargetKind
from tickets.models import Status, TicketType

C = TypeVar("C", bound=models.Choices)

TYPE_HELP = {
    TicketType.INCIDENT: _("Something that worked has stopped working or misbehaves."),
    TicketType.SERVICE_REQUEST: _("A question, or a request for something to be done."),
    TicketType.BUG: _("The software does not behave as documented."),
    TicketType.ENHANCEMENT: _(
        "A request for new or changed functionality. Not a fault, so it carries no response target."
    ),
}


# Notes the help desk itself writes into a history row or an escalation request, stored
# in its own language (tickets.changes.record) and shown in the reader's (history_note).
WORKAROUND_NOTE = gettext_noop("A workaround is in place.")
ENDED_NOTES: dict[str, str] = {
    Status.RESOLVED: gettext_noop(
        "The ticket was resolved before a manager decided on the request."
    ),
    Status.CLOSED: gettext_noop("The ticket was closed before a manager decided on the request."),
}


# The one name of each status a customer reads, wherever they read it (lists, the
# ticket, emails, history); staff read the labels of Status. Triage is internal, so
# "new" is "received" to a customer, and the two states that wait for them say so.
CUSTOMER_STATUS_NAMES = {
    Status.NEW: _("Received"),
    Status.ACKNOWLEDGED: _("Acknowledged"),
    Status.IN_PROGRESS: _("In progress"),
    Status.WAITING_ON_CUSTOMER: _("Waiting for your answer"),
    Status.WORKAROUND_PROVIDED: _("Workaround provided"),
    Status.RESOLVED: _("Resolved: please confirm"),
    Status.CLOSED: _("Closed"),
}


@cache
def _choices_by_value(choices: type[C]) -> dict[str, C]:
    """Each choice of a class by its value, made once: ``Status.values`` and
    ``get_FOO_display()`` build their lists at every call, and a page names hundreds."""
    return {str(choice.value): choice for choice in choices}


@cache
def _status_by_label() -> dict[str, Status]:
    """History rows store the staff's label in the help desk's own language, whoever
    made the change (tickets.changes.record)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {str(status.label): status for status in Status}


def status_value(stored: str) -> str:
    """The value of a status as a history row stores it (its staff label, in the help
    desk's own language); anything else comes back unchanged."""
    known = _status_by_label().get(stored)
    return known.value if known is not None else stored


def status_name(status: str, *, for_staff: bool) -> str:
    """The name of a status for staff or for a customer. ``status`` is a value
    ("waiting_on_customer") or a staff label as history rows store it ("Waiting on
    customer"); anything else comes back unchanged."""
    known = _choices_by_value(Status).get(status) or _status_by_label().get(status)
    if known is None:
        return status
    return str(known.label) if for_staff else str(CUSTOMER_STATUS_NAMES[known])


def choice_label(choices: type[models.Choices], value: str) -> str:
    """The label of a choice by its value, in the reader's language: what
    ``get_FOO_display()`` gives, without Django rebuilding the field's choices for each
    call (a row of a list names several); anything else comes back unchanged."""
    known = _choices_by_value(choices).get(value)
    return value if known is None else str(known.label)


def target_name(kind: str, *, for_staff: bool) -> str:
    """The name of an SLA target (a clock's kind) for staff or for a customer: triage
    is internal, so to a customer it is the acknowledgement it leads to."""
    if kind == TargetKind.TRIAGE and not for_staff:
        return str(_("Acknowledgement"))
    return choice_label(TargetKind, kind)
