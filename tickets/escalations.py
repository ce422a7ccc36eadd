"""Escalation of a ticket: a request, a manager's decision with its action plan and
update cadence, and the way back down."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from accounts.scoping import service
from sla import services as clocks
from sla.models import BusinessCalendar, TargetUnit
from tickets import changes, visibility
from tickets.models import CADENCE_MAX, EscalationRequest, EscalationStatus, Status, Ticket
from tickets.wording import ENDED_NOTES


@service(tenant="ticket")
def escalation_request(actor: User, *, ticket: Ticket, reason: str) -> EscalationRequest:
    if not visibility.can_view(actor, ticket):
        raise PermissionDenied(_("You cannot escalate this ticket."))
    if not reason.strip():
        raise ValidationError({"reason": _("Tell us why this needs escalating.")})
    ticket = changes.lock(ticket)
    if not ticket.is_open:
        raise ValidationError(_("Only open tickets can be escalated."))
    if ticket.escalations.filter(status=EscalationStatus.PENDING).exists():
        raise ValidationError(_("An escalation request is already awaiting review."))
    at = changes.now()
    escalation = EscalationRequest.objects.create(
        ticket=ticket,
        organization_id=ticket.organization_id,
        requested_by=actor,
        reason=reason.strip(),
        created_at=at,
    )
    changes.record(ticket, actor, "escalation_requested", message=reason.strip(), at=at)
    changes.touch(ticket, at)
    changes.notify("escalation_requested", ticket, escalation=escalation)
    return escalation


def _lock_pending(escalation: EscalationRequest) -> tuple[EscalationRequest, Ticket]:
    """The ticket, then the request, locked: the order ticket_transition takes them in
    when it ends a pending request, so a decision and a resolution never deadlock. A
    request already decided or ended, or on a ticket resolved or closed, is refused."""
    ticket = changes.lock(escalation.ticket)
    escalation = EscalationRequest.objects.select_for_update(of=("self",)).get(pk=escalation.pk)
    if escalation.status == EscalationStatus.ENDED:
        raise ValidationError(
            _("This escalation request ended with the ticket: there is nothing left to decide.")
        )
    if escalation.status != EscalationStatus.PENDING:
        raise ValidationError(_("This escalation request was already handled."))
    if not ticket.is_open:
        raise ValidationError(
            _("The ticket is %(status)s: there is nothing left to escalate.")
            % {"status": str(Status(ticket.status).label).lower()}
        )
    return escalation, ticket


def end_pending(ticket: Ticket, status: str, at: dt.datetime) -> None:
    """A resolved or closed ticket leaves nothing to escalate: a request still awaiting
    review ends with it, with a history row saying why."""
    note = ENDED_NOTES.get(status) or (
        f"The ticket was {Status(status).label.lower()} before a manager decided on the request."
    )
    pending = EscalationRequest.objects.select_for_update(of=("self",)).filter(
        ticket=ticket, status=EscalationStatus.PENDING
    )
    for escalation in pending:
        escalation.status = EscalationStatus.ENDED
        escalation.handled_at = at
        escalation.decision_note = note
        escalation.save(update_fields=["status", "handled_at", "decision_note"])
        changes.record(ticket, None, "escalation_ended", message=note, at=at)


def cadence_resume(ticket: Ticket, at: dt.datetime) -> None:
    """A reopened ticket still escalated owes updates again at its latest plan's cadence."""
    if ticket.escalation_level == 0:
        return
    plan = (
        ticket.escalations.filter(status=EscalationStatus.ACCEPTED, cadence_amount__isnull=False)
        .select_related("cadence_calendar")
        .order_by("-handled_at", "-pk")
        .first()
    )
    if plan is None or plan.cadence_amount is None or plan.cadence_calendar is None:
        return
    clocks.escalation_cadence_start(
        ticket=ticket,
        amount=plan.cadence_amount,
        unit=plan.cadence_unit,
        calendar=plan.cadence_calendar,
        at=at,
    )


def _clean_cadence(
    amount: int | None, unit: str, calendar: BusinessCalendar | None
) -> tuple[int, str, BusinessCalendar]:
    """An action plan's cadence, checked: 1 to 999 of an engine unit, on a calendar."""
    errors = {}
    if amount is None or not 1 <= amount <= CADENCE_MAX:
        errors["cadence_amount"] = _(
            "Give how often the customer hears from us as a whole number from 1 to %(max)s."
        ) % {"max": CADENCE_MAX}
    if unit not in TargetUnit.values:
        errors["cadence_unit"] = _(
            "Choose minutes, hours, business days, weeks or months for the update interval."
        )
    if calendar is None:
        errors["cadence_calendar"] = _("Choose the calendar the update interval counts on.")
    if errors or amount is None or calendar is None:
        raise ValidationError(errors)
    return amount, unit, calendar


@service(tenant="escalation")
def escalation_accept(
    actor: User,
    *,
    escalation: EscalationRequest,
    level: int,
    specialist: User | None,
    action_plan: str,
    communication_channel: str,
    cadence_amount: int | None,
    cadence_unit: str,
    cadence_calendar: BusinessCalendar | None,
    participants: str,
) -> EscalationRequest:
    """Raise the level with an action plan. Its cadence ("every 4 business hours") runs
    the ticket's escalation update clock until the level is lowered to 0 or the ticket
    is resolved: every public staff reply meets the running cycle and starts the next."""
    if not permissions.can_handle_escalations(actor):
        raise PermissionDenied(_("Only managers handle escalation requests."))
    if specialist is not None and not permissions.is_staff_member(specialist):
        raise ValidationError({"specialist": _("Name a member of the support staff.")})
    amount, unit, calendar = _clean_cadence(cadence_amount, cadence_unit, cadence_calendar)
    escalation, ticket = _lock_pending(escalation)
    if not ticket.escalation_level < level <= 3:
        raise ValidationError(
            {
                "level": _("Raise the level above %(level)s, to 3 at most.")
                % {"level": ticket.escalation_level}
            }
        )
    if not action_plan.strip():
        raise ValidationError({"action_plan": _("Write the action plan the customer will see.")})
    at = changes.now()
    escalation.status = EscalationStatus.ACCEPTED
    escalation.handled_by, escalation.handled_at = actor, at
    escalation.specialist = specialist
    escalation.action_plan = action_plan.strip()
    escalation.communication_channel = communication_channel.strip()
    escalation.cadence_amount, escalation.cadence_unit = amount, unit
    escalation.cadence_calendar = calendar
    escalation.participants = participants.strip()
    escalation.save()
    changes.record(
        ticket,
        actor,
        "escalation",
        field="escalation_level",
        old=ticket.escalation_level,
        new=level,
        message=action_plan.strip(),
        at=at,
    )
    ticket.escalation_level = level
    fields = ["escalation_level"]
    if specialist is not None and ticket.assignee_id != specialist.pk:
        changes.record(
            ticket,
            actor,
            "assignee",
            field="assignee",
            old=ticket.assignee or "",
            new=specialist,
            at=at,
        )
        ticket.assignee = specialist
        fields.append("assignee")
    clocks.escalation_cadence_start(
        ticket=ticket, amount=amount, unit=unit, calendar=calendar, at=at
    )
    changes.touch(ticket, at, *fields, clocks_changed=True)
    changes.notify("escalation_handled", ticket, escalation=escalation)
    return escalation


@service(tenant="escalation")
def escalation_decline(
    actor: User, *, escalation: EscalationRequest, reason: str
) -> EscalationRequest:
    if not permissions.can_handle_escalations(actor):
        raise PermissionDenied(_("Only managers handle escalation requests."))
    if not reason.strip():
        raise ValidationError({"reason": _("Tell the customer why the request is declined.")})
    escalation, ticket = _lock_pending(escalation)
    at = changes.now()
    escalation.status = EscalationStatus.DECLINED
    escalation.handled_by, escalation.handled_at = actor, at
    escalation.decision_note = reason.strip()
    escalation.save()
    changes.record(ticket, actor, "escalation_declined", message=reason.strip(), at=at)
    changes.touch(ticket, at)
    changes.notify("escalation_handled", ticket, escalation=escalation)
    return escalation


@service(tenant="ticket")
def ticket_lower_escalation(actor: User, *, ticket: Ticket, reason: str) -> Ticket:
    """Lower the level when severity drops or the customer stops taking part. At level 0
    the action plan's update cadence stops."""
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(_("Only support staff lower the escalation level."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for lowering the level.")})
    ticket = changes.lock(ticket)
    if ticket.escalation_level == 0:
        raise ValidationError(_("The ticket is not escalated."))
    at = changes.now()
    changes.record(
        ticket,
        actor,
        "escalation",
        field="escalation_level",
        old=ticket.escalation_level,
        new=ticket.escalation_level - 1,
        message=reason.strip(),
        at=at,
    )
    ticket.escalation_level -= 1
    if ticket.escalation_level == 0:
        clocks.escalation_cadence_stop(ticket=ticket, at=at)
    changes.touch(ticket, at, "escalation_level", clocks_changed=True)
    return ticket
