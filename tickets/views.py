from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.permissions import require
from sla.models import ProductVersion
from sla.selectors import contract_in_force
from tickets import forms, selectors, services, workflow

signed_in = require(lambda user: user.is_authenticated)
staff_only = require(permissions.can_work_tickets)
customer_only = require(permissions.is_customer)


@signed_in
def ticket_list(request):
    if permissions.is_staff_member(request.user):
        tickets = selectors.ticket_list_open_for_staff()
    elif permissions.is_customer(request.user):
        tickets = selectors.ticket_list_for_customer(user=request.user)
    else:
        raise PermissionDenied
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    return render(request, "tickets/ticket_list.html", {"page": page})


@customer_only
def ticket_create(request):
    organization = request.organization
    contract = contract_in_force(organization=organization)
    versions = (
        contract.covered_versions.select_related("product")
        if contract
        else ProductVersion.objects.select_related("product")
    )
    colleagues = selectors.colleagues_in(organization=organization).exclude(pk=request.user.pk)
    form = forms.TicketCreateForm(
        request.POST or None,
        request.FILES or None,
        product_versions=versions,
        colleagues=colleagues,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                request.user,
                organization=organization,
                requester=request.user,
                title=data["title"],
                description=data["description"],
                type=data["type"],
                severity=data["severity"],
                product_version=data["product_version"],
                business_impact=data["business_impact"],
                watchers=list(data["watchers"]),
                attachments=data["attachments"],
                intake_key=data["intake_key"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Ticket {ticket.reference} is logged.")
            return redirect("ticket_detail", reference=ticket.reference)
    return render(request, "tickets/ticket_create.html", {"form": form, "contract": contract})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@signed_in
def ticket_detail(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    staff = permissions.can_work_tickets(request.user)
    role = workflow.role_of(request.user)
    context = {
        "ticket": ticket,
        "is_staff_view": staff,
        "replies": selectors.conversation_for(user=request.user, ticket=ticket),
        "events": selectors.history_for(user=request.user, ticket=ticket),
        "clocks": selectors.clocks_for(ticket=ticket),
        "attachments": selectors.ticket_attachments(ticket=ticket),
        "escalations": selectors.escalations_for(ticket=ticket),
        "watchers": list(ticket.watchers.all()),
        "actions": workflow.available(status=ticket.status, role=role),
        "reply_form": forms.ReplyForm(),
        "can_handle_escalations": permissions.can_handle_escalations(request.user),
        "reopen_days": settings.TICKET_REOPEN_WINDOW_DAYS,
    }
    if staff:
        staff_users = selectors.staff_choices()
        context |= {
            "assign_form": forms.AssignForm(
                initial={"assignee": ticket.assignee_id, "version": ticket.version},
                staff=staff_users,
            ),
            "severity_form": forms.SeverityForm(
                initial={"severity": ticket.severity, "version": ticket.version}
            ),
            "priority_form": forms.PriorityForm(
                initial={"priority": ticket.priority, "version": ticket.version}
            ),
            "tracker_form": forms.TrackerForm(
                initial={
                    "reference": ticket.tracker_reference,
                    "url": ticket.tracker_url,
                    "estimated_resolution": ticket.estimated_resolution,
                    "version": ticket.version,
                }
            ),
            "accept_form": forms.EscalationAcceptForm(staff=staff_users),
        }
    else:
        context["watcher_form"] = forms.WatcherForm(
            colleagues=selectors.colleagues_of(ticket=ticket).exclude(
                pk__in=[ticket.requester_id, *(w.pk for w in context["watchers"])]
            )
        )
    return render(request, "tickets/ticket_detail.html", context)


def _back(reference: str):
    return redirect("ticket_detail", reference=reference)


def _run(request, reference: str, action, success: str):
    """Call a service; show its domain error as a message on the ticket page."""
    try:
        action()
    except services.ConcurrentEdit as conflict:
        changes = "; ".join(
            f"{e.actor or 'system'} changed {e.field or e.kind}"
            + (f" from “{e.old_value}” to “{e.new_value}”" if e.field else "")
            for e in conflict.changes
        )
        messages.warning(request, f"{conflict} {changes}.")
    except (ValidationError, workflow.TransitionError) as error:
        text = forms.error_text(error) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, success)
    return _back(reference)


@require_POST
@signed_in
def ticket_reply(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    form = forms.ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return _back(reference)
    internal = form.cleaned_data["internal"] and permissions.can_work_tickets(request.user)
    return _run(
        request,
        reference,
        lambda: services.ticket_reply(
            request.user,
            ticket=ticket,
            body=form.cleaned_data["body"],
            internal=internal,
            attachments=form.cleaned_data["attachments"],
        ),
        "Internal note added." if internal else "Reply sent.",
    )


@require_POST
@signed_in
def ticket_transition(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return _back(reference)
    data = form.cleaned_data
    transition = workflow.TRANSITIONS.get(data["action"])
    label = transition.label if transition else data["action"]
    return _run(
        request,
        reference,
        lambda: services.ticket_transition(
            request.user,
            ticket=ticket,
            action=data["action"],
            expected_version=data["version"],
            workaround=data["workaround"],
        ),
        f"Done: {label.lower()}.",
    )


@require_POST
@staff_only
def ticket_assign(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    form = forms.AssignForm(request.POST, staff=selectors.staff_choices())
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return _back(reference)
    assignee = form.cleaned_data["assignee"]
    return _run(
        request,
        reference,
        lambda: services.ticket_assign(
            request.user,
            ticket=ticket,
            assignee=assignee,
            expected_version=form.cleaned_data["version"],
        ),
        f"Assigned to {assignee}." if assignee else "Unassigned.",
    )


@require_POST
@staff_only
def ticket_severity(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    form = forms.SeverityForm(request.POST)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return _back(reference)
    data = form.cleaned_data
    return _run(
        request,
        reference,
        lambda: services.ticket_set_severity(
            request.user,
            ticket=ticket,
            severity=data["severity"],
            reason=data["reason"],
            expected_version=data["version"],
        ),
        f"Severity set to {data['severity']}; the SLA clocks follow the new targets.",
    )


@require_POST
@staff_only
def ticket_priority(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    form = forms.PriorityForm(request.POST)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return _back(reference)
    return _run(
        request,
        reference,
        lambda: services.ticket_set_priority(
            request.user,
            ticket=ticket,
            priority=form.cleaned_data["priority"],
            expected_version=form.cleaned_data["version"],
        ),
        "Priority changed.",
    )


@require_POST
@staff_only
def ticket_tracker(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    form = forms.TrackerForm(request.POST)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return _back(reference)
    data = form.cleaned_data
    return _run(
        request,
        reference,
        lambda: services.ticket_link_tracker(
            request.user,
            ticket=ticket,
            reference=data["reference"],
            url=data["url"],
            estimated_resolution=data["estimated_resolution"],
            expected_version=data["version"],
        ),
        "Tracker issue linked.",
    )


@require_POST
@customer_only
def ticket_watcher(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    form = forms.WatcherForm(request.POST, colleagues=selectors.colleagues_of(ticket=ticket))
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return _back(reference)
    watcher = form.cleaned_data["watcher"]
    return _run(
        request,
        reference,
        lambda: services.ticket_add_watcher(request.user, ticket=ticket, watcher=watcher),
        f"{watcher} is copied on this ticket.",
    )


@require_POST
@signed_in
def escalation_request(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    form = forms.EscalationRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tell us why this needs escalating.")
        return _back(reference)
    return _run(
        request,
        reference,
        lambda: services.escalation_request(
            request.user, ticket=ticket, reason=form.cleaned_data["reason"]
        ),
        "Escalation requested: a manager will review it.",
    )


@require_POST
@require(permissions.can_handle_escalations)
def escalation_accept(request, reference: str, escalation_id: int):
    escalation = selectors.escalation_get_for(
        user=request.user, reference=reference, escalation_id=escalation_id
    )
    form = forms.EscalationAcceptForm(request.POST, staff=selectors.staff_choices())
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return _back(reference)
    return _run(
        request,
        reference,
        lambda: services.escalation_accept(
            request.user, escalation=escalation, **form.cleaned_data
        ),
        "Escalation accepted.",
    )


@require_POST
@require(permissions.can_handle_escalations)
def escalation_decline(request, reference: str, escalation_id: int):
    escalation = selectors.escalation_get_for(
        user=request.user, reference=reference, escalation_id=escalation_id
    )
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the customer the reason.")
        return _back(reference)
    return _run(
        request,
        reference,
        lambda: services.escalation_decline(
            request.user, escalation=escalation, reason=form.cleaned_data["reason"]
        ),
        "Escalation declined.",
    )


@require_POST
@staff_only
def escalation_lower(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason for lowering the level.")
        return _back(reference)
    return _run(
        request,
        reference,
        lambda: services.ticket_lower_escalation(
            request.user, ticket=ticket, reason=form.cleaned_data["reason"]
        ),
        "Escalation level lowered.",
    )


@require_GET
@signed_in
def attachment_download(request, reference: str, attachment_id: int):
    attachment = selectors.attachment_get_for(
        user=request.user, reference=reference, attachment_id=attachment_id
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    # Never rendered inline: an uploaded file must not run in our origin.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
