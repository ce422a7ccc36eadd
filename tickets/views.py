from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.permissions import require
from core import rate_limits
from sla import selectors as sla_selectors
from sla.models import TargetKind
from sla.selectors import clocks_lateness, contract_in_force
from tickets import (
    actions,
    attachments,
    changes,
    escalations,
    forms,
    intake,
    limits,
    presence,
    selectors,
    uploads,
    workflow,
)
from tickets.models import Attachment, EscalationStatus, Ticket
from tickets.urgency import UrgentFirst

signed_in = require(lambda user: user.is_authenticated)
staff_only = require(permissions.can_work_tickets)
customer_only = require(permissions.is_customer)


@signed_in
def ticket_list(request):
    tickets: UrgentFirst | QuerySet[Ticket]
    if permissions.is_staff_member(request.user):
        tickets = selectors.ticket_list_open_for_staff(at=timezone.now())
    elif permissions.is_customer(request.user):
        tickets = selectors.ticket_list_for_customer(user=request.user)
    else:
        raise PermissionDenied
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    return render(request, "tickets/ticket_list.html", {"page": page})


@customer_only
def ticket_create(request):
    organization = request.organization
    # Read only if the page is shown: a valid submission goes straight to the ticket.
    contract = SimpleLazyObject(lambda: contract_in_force(organization=organization))
    colleagues = selectors.colleagues_in(organization=organization).exclude(pk=request.user.pk)
    form = forms.TicketCreateForm(
        request.POST or None, request.FILES or None, colleagues=colleagues
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = intake.ticket_create(
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
            forms.add_service_errors(form, error)
        else:
            messages.success(
                request, _("Ticket %(reference)s is logged.") % {"reference": ticket.reference}
            )
            return redirect("ticket_detail", reference=ticket.reference)
    # The versions offered, those of the contract, are read only for a page shown (the
    # intake checks a submitted one against the contract itself).
    versions = sla_selectors.versions_to_choose(organization=organization)
    forms.set_queryset(form, "product_version", versions)
    return render(request, "tickets/ticket_create.html", {"form": form, "contract": contract})


@signed_in
def ticket_detail(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    if ticket.merged_into_id is not None and request.GET.get("merged") != "show":
        redirected = _to_merge_target(request, ticket)
        if redirected is not None:
            return redirected
    return _ticket_page(request, ticket)


def _ticket_page(request, ticket: Ticket, *, reply_form=None, conflict=None) -> HttpResponse:
    """The ticket page; after a reply refused because the ticket changed meanwhile, with
    the reply kept (``reply_form``) and what changed (``conflict``), to send again."""
    staff = permissions.can_work_tickets(request.user)
    role = workflow.role_of(request.user)
    selectors.terms_for(ticket=ticket)  # its product version and contract, which the page shows
    clocks = selectors.clocks_for(ticket=ticket)
    escalations = selectors.escalations_for(ticket=ticket)
    clocks_lateness(clocks=clocks, at=timezone.now())  # for "Breached by 2 h"
    context = {
        "ticket": ticket,
        "is_staff_view": staff,
        "replies": selectors.conversation_for(user=request.user, ticket=ticket),
        "events": selectors.history_for(user=request.user, ticket=ticket),
        "clocks": clocks,
        "attachments": selectors.ticket_attachments(ticket=ticket),
        "escalations": escalations,
        # The plan in force (the latest accepted, while escalated) and its running cycle.
        "current_plan": next(
            (e for e in escalations if e.status == EscalationStatus.ACCEPTED), None
        )
        if ticket.escalation_level
        else None,
        "cadence_clock": next(
            (c for c in clocks if c.kind == TargetKind.ESCALATION_UPDATE and c.is_active), None
        ),
        "watchers": list(ticket.watchers.all()),
        "actions": workflow.available(status=ticket.status, role=role),
        "reply_form": reply_form or forms.ReplyForm(),
        "conflict": conflict,
        "can_handle_escalations": permissions.can_handle_escalations(request.user),
        "reopen_days": settings.TICKET_REOPEN_WINDOW_DAYS,
    }
    if staff:
        staff_users = selectors.staff_choices()
        other_open, other_recent = selectors.requester_other_tickets(ticket=ticket)
        context |= {
            "others": presence.ticket_presence_beat(
                ticket_id=ticket.pk, user=request.user, typing=False
            ),
            "presence_poll": presence.POLL_SECONDS,
            # The targets still owed, counted down at the top as the queue does.
            "owed_clocks": [clock for clock in clocks if getattr(clock, "countdown", None)],
            "other_open": other_open,
            "other_recent": other_recent,
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
        }
        pending = next((e for e in escalations if e.status == EscalationStatus.PENDING), None)
        if pending is not None and ticket.is_open and context["can_handle_escalations"]:
            context["accept_form"] = _accept_form(ticket, pending)
    else:
        context["watcher_form"] = forms.WatcherForm(
            colleagues=selectors.colleagues_of(ticket=ticket).exclude(
                pk__in=[ticket.requester_id, *(w.pk for w in context["watchers"])]
            )
        )
    return render(request, "tickets/ticket_detail.html", context)


def _to_merge_target(request, ticket: Ticket) -> HttpResponse | None:
    """A merged duplicate's page leads to the ticket it was merged into, for whoever may
    see that one, with a notice saying so (staff may still open the duplicate itself)."""
    target = selectors.merged_into_for(user=request.user, ticket=ticket)
    if target is None:
        return None
    messages.info(
        request,
        _("%(reference)s was merged into this ticket, %(target)s: follow it here.")
        % {"reference": ticket.reference, "target": target.reference},
    )
    return redirect("ticket_detail", reference=target.reference)


def _accept_form(ticket, escalation, data=None) -> forms.EscalationAcceptForm:
    return forms.EscalationAcceptForm(
        data,
        staff=selectors.staff_choices(),
        calendars=sla_selectors.calendar_choices(),
        action=reverse("escalation_accept", args=[ticket.reference, escalation.pk]),
        initial={"cadence_calendar": sla_selectors.vendor_calendar()},
    )


def _back(reference: str):
    return redirect("ticket_detail", reference=reference)


_LEVELS = {"success": messages.success, "warning": messages.warning, "danger": messages.error}


def _done(request, reference: str, outcome: actions.Outcome):
    """Show how an action went on the ticket page it came from."""
    _LEVELS[outcome.level](request, outcome.text)
    return _back(reference)


def _act(request, reference: str, action: Callable[..., actions.Outcome]) -> HttpResponse:
    """Run one ticket action (tickets.actions) on the ticket the URL names."""
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    return _done(request, reference, action(request, ticket))


@require_POST
@signed_in
def ticket_reply(request, reference: str):
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    outcome = actions.reply(request, ticket)
    if outcome.conflict is None:
        return _done(request, reference, outcome)
    # Not posted: the page again, as it is now, with the reply kept to send again.
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    form = forms.ReplyForm(
        initial={
            "body": request.POST.get("body", ""),
            "internal": outcome.conflict.internal,
            "version": ticket.version,
        }
    )
    return _ticket_page(request, ticket, reply_form=form, conflict=outcome.conflict)


@require_GET
@staff_only
def ticket_presence(request, reference: str):
    """Who else has the ticket open, or is typing a reply (polled by the agent's page,
    which says here that this agent has it open, and is typing when ``typing=1``)."""
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    others = presence.ticket_presence_beat(
        ticket_id=ticket.pk, user=request.user, typing=request.GET.get("typing") == "1"
    )
    context = {"ticket": ticket, "others": others, "presence_poll": presence.POLL_SECONDS}
    return render(request, "tickets/detail/presence.html", context)


@require_POST
@signed_in
def ticket_transition(request, reference: str):
    return _act(request, reference, actions.transition)


@require_POST
@staff_only
def ticket_assign(request, reference: str):
    return _act(request, reference, actions.assign)


@require_POST
@staff_only
def ticket_severity(request, reference: str):
    return _act(request, reference, actions.severity)


@require_POST
@staff_only
def ticket_priority(request, reference: str):
    return _act(request, reference, actions.priority)


@require_POST
@staff_only
def ticket_tracker(request, reference: str):
    return _act(request, reference, actions.tracker)


@require_POST
@require(permissions.is_customer)
def ticket_watcher(request, reference: str):
    return _act(request, reference, actions.watcher)


@require_POST
@signed_in
def escalation_request(request, reference: str):
    return _act(request, reference, actions.escalate)


@require_POST
@staff_only
def escalation_lower(request, reference: str):
    return _act(request, reference, actions.lower_escalation)


@require_POST
@staff_only
def ticket_link_add(request, reference: str):
    return _act(request, reference, actions.link_add)


@require_POST
@staff_only
def ticket_link_remove(request, reference: str, link_id: int):
    link = selectors.link_get_for(user=request.user, reference=reference, link_id=link_id)
    return _done(request, reference, actions.link_remove(request, link))


@require_POST
@staff_only
def ticket_merge(request, reference: str):
    return _act(request, reference, actions.merge)


@require_POST
@staff_only
def ticket_parent_set(request, reference: str):
    return _act(request, reference, actions.set_parent)


@require_POST
@staff_only
def ticket_parent_remove(request, reference: str):
    return _act(request, reference, actions.remove_parent)


@require_POST
@staff_only
def ticket_children_resolve(request, reference: str):
    return _act(request, reference, actions.resolve_children)


def _run(request, reference: str, action, success: str):
    """Call a service; show its domain error as a message on the ticket page."""
    try:
        action()
    except changes.ConcurrentEdit as conflict:
        messages.warning(request, actions.describe_conflict(conflict))
    except (ValidationError, workflow.TransitionError) as error:
        text = forms.error_text(error) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, success)
    return _back(reference)


@require_POST
@require(permissions.can_handle_escalations)
def escalation_accept(request, reference: str, escalation_id: int):
    escalation = selectors.escalation_get_for(
        user=request.user, reference=reference, escalation_id=escalation_id
    )
    form = _accept_form(escalation.ticket, escalation, request.POST)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return _back(reference)
    return _run(
        request,
        reference,
        lambda: escalations.escalation_accept(
            request.user, escalation=escalation, **form.cleaned_data
        ),
        _("Escalation accepted."),
    )


@require_POST
@require(permissions.can_handle_escalations)
def escalation_decline(request, reference: str, escalation_id: int):
    escalation = selectors.escalation_get_for(
        user=request.user, reference=reference, escalation_id=escalation_id
    )
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the customer the reason."))
        return _back(reference)
    return _run(
        request,
        reference,
        lambda: escalations.escalation_decline(
            request.user, escalation=escalation, reason=form.cleaned_data["reason"]
        ),
        _("Escalation declined."),
    )


@require_GET
@signed_in
def attachment_download(request, reference: str, attachment_id: int):
    attachment = selectors.attachment_get_for(
        user=request.user, reference=reference, attachment_id=attachment_id
    )
    try:
        return attachments.download_response(attachment)
    except attachments.FileMissing:
        context = {"attachment": attachment, "reference": reference}
        return render(request, "tickets/attachment_missing.html", context, status=404)


# --- Pasted files and the Markdown preview (static/js/markdown_editor.js) ---------------

# Per person and minute: a few screenshots a minute, and a preview at each switch of tab.
UPLOADS_PER_MINUTE = 30
PREVIEWS_PER_MINUTE = 60


def _upload(request, *, ticket=None):
    if not rate_limits.allow("upload", request.user.pk, limit=UPLOADS_PER_MINUTE):
        return JsonResponse({"error": _("Too many files at once: wait a minute.")}, status=429)
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": _("Choose a file to attach.")}, status=400)
    try:
        pending = uploads.pending_upload_create(
            request.user,
            upload=upload,
            ticket=ticket,
            draft_key=request.POST.get("draft", "")[:64],
        )
    except ValidationError as error:
        return JsonResponse({"error": forms.error_text(error)}, status=400)
    return JsonResponse(
        {
            "name": pending.filename,
            "url": uploads.file_url(pending.token),
            "markdown": uploads.markdown_for(pending),
        },
        status=201,
    )


@require_POST
@signed_in
def ticket_upload(request, reference: str):
    """A file pasted into a reply or a note on this ticket, kept until it is sent."""
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    return _upload(request, ticket=ticket)


@require_POST
@customer_only
def draft_upload(request):
    """A file pasted into the description of a new ticket, bound to its form."""
    return _upload(request)


@require_GET
@signed_in
def upload_file(request, token):
    """A pasted file, by the address its Markdown names (tickets.uploads)."""
    found = selectors.upload_file_get_for(user=request.user, token=token)
    try:
        return attachments.download_response(found)
    except attachments.FileMissing:
        if not isinstance(found, Attachment):
            raise  # still pending: no ticket page to go back to
        context = {"attachment": found, "reference": found.ticket.reference}
        return render(request, "tickets/attachment_missing.html", context, status=404)


@require_POST
@signed_in
def markdown_preview(request):
    """The text as its readers will see it: the same Markdown filter and sanitising as
    the conversation (tickets.templatetags.ticket_tags.markdown), rendered here, never
    by the script."""
    if not rate_limits.allow("preview", request.user.pk, limit=PREVIEWS_PER_MINUTE):
        return HttpResponse(_("Too many previews at once: wait a minute."), status=429)
    text = request.POST.get("text", "")
    if len(text) > limits.TEXT_MAX_CHARS:
        error = limits.too_long(len(text), limits.TEXT_MAX_CHARS, _("The message"))
        return render(request, "tickets/markdown_preview.html", {"error": error}, status=400)
    return render(request, "tickets/markdown_preview.html", {"text": text})
