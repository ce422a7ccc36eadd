"""Canned responses: reply templates the support staff keep, with placeholders filled
in per ticket when an agent inserts one into a reply."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.models import User
from accounts.scoping import service
from tickets.canned import SETTABLE_STATUSES
from tickets.models import AssignChoice, CannedResponse, Priority, Ticket

PLACEHOLDERS = {
    "customer_name": gettext_lazy("the requester's name"),
    "organization": gettext_lazy("the customer organisation"),
    "reference": gettext_lazy("the ticket reference"),
    "title": gettext_lazy("the ticket title"),
    "deadline": gettext_lazy("the next SLA deadline, in the customer's time zone"),
    "agent_name": gettext_lazy("your name"),
}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def canned_response_list() -> list[CannedResponse]:
    return list(CannedResponse.objects.order_by("title"))


def canned_response_get(*, canned_response_id: int) -> CannedResponse:
    canned_response = CannedResponse.objects.filter(pk=canned_response_id).first()
    if canned_response is None:
        raise Http404("No such canned response.")
    return canned_response


def canned_response_fill(*, canned_response: CannedResponse, ticket: Ticket, agent: User) -> str:
    """The canned_response's text for this ticket. Only the known placeholders are replaced (a
    plain substitution, never str.format, so a template cannot reach attributes)."""
    zone = zoneinfo.ZoneInfo(
        ticket.requester.timezone
        or ticket.organization.timezone
        or timezone.get_default_timezone_name()
    )
    if ticket.sla_due_at:
        deadline = ticket.sla_due_at.astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")
    else:
        deadline = "no running deadline"
    values = {
        "customer_name": ticket.requester.get_full_name() or ticket.requester.email,
        "organization": ticket.organization.name,
        "reference": ticket.reference,
        "title": ticket.title,
        "deadline": deadline,
        "agent_name": agent.get_full_name() or agent.email,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], canned_response.body)


def _clean(title: str, body: str) -> tuple[str, str]:
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the response a title.")
    if not body.strip():
        errors["body"] = _("Write the response.")
    if errors:
        raise ValidationError(errors)
    return title.strip(), body


def _clean_fields(status: str, priority: str, assign: str, assignee: User | None) -> dict:
    errors = {}
    if status and status not in SETTABLE_STATUSES:
        errors["status"] = _("A canned response cannot set this status.")
    if priority and priority not in Priority.values:
        errors["priority"] = _("Choose a priority from the list.")
    if assign not in ("", *AssignChoice.values):
        errors["assign"] = _("Choose whom to assign from the list.")
    if assign == AssignChoice.AGENT and (
        assignee is None or not permissions.can_work_tickets(assignee)
    ):
        errors["assignee"] = _("Choose the agent to assign.")
    if errors:
        raise ValidationError(errors)
    return {
        "status": status,
        "priority": priority,
        "assign": assign,
        "assignee": assignee if assign == AssignChoice.AGENT else None,
    }


@service
def canned_response_create(
    actor: User,
    *,
    title: str,
    body: str,
    status: str = "",
    priority: str = "",
    assign: str = "",
    assignee: User | None = None,
) -> CannedResponse:
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(_("Only support staff maintain canned responses."))
    title, body = _clean(title, body)
    fields = _clean_fields(status, priority, assign, assignee)
    if CannedResponse.objects.filter(title__iexact=title).exists():
        raise ValidationError({"title": _("A canned response with this title exists.")})
    return CannedResponse.objects.create(
        title=title, body=body, created_by=actor, updated_at=timezone.now(), **fields
    )


@service
def canned_response_update(
    actor: User,
    *,
    canned_response: CannedResponse,
    title: str,
    body: str,
    status: str = "",
    priority: str = "",
    assign: str = "",
    assignee: User | None = None,
) -> CannedResponse:
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(_("Only support staff maintain canned responses."))
    title, body = _clean(title, body)
    fields = _clean_fields(status, priority, assign, assignee)
    if CannedResponse.objects.filter(title__iexact=title).exclude(pk=canned_response.pk).exists():
        raise ValidationError({"title": _("A canned response with this title exists.")})
    canned_response = CannedResponse.objects.select_for_update().get(pk=canned_response.pk)
    canned_response.title, canned_response.body, canned_response.updated_at = (
        title,
        body,
        timezone.now(),
    )
    for name, value in fields.items():
        setattr(canned_response, name, value)
    canned_response.save(update_fields=["title", "body", "updated_at", *fields])
    return canned_response


@service
def canned_response_delete(
    actor: User, *, canned_response: CannedResponse, seen: dt.datetime | None = None
) -> None:
    """Delete a response; with ``seen``, only if nobody changed it since that version."""
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(_("Only support staff maintain canned responses."))
    canned_response = CannedResponse.objects.select_for_update().get(pk=canned_response.pk)
    if seen is not None and canned_response.updated_at != seen:
        raise ValidationError(
            _("“%(title)s” was changed after you opened the page: check it, then delete.")
            % {"title": canned_response.title}
        )
    canned_response.delete()
