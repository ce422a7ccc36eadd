"""The agent workspace: SLA-ordered queues, take next, triage in place, bulk actions,
phone and email intake, canned responses and global search. Staff only."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.models import Organization
from accounts.permissions import require
from notifications.selectors import on_call_at
from sla import selectors as sla_selectors
from sla.models import Severity, SupportTier
from sla.selectors import contract_in_force
from tickets import actions, forms, intake, selectors, workflow
from tickets.models import Priority
from workspace import bulk, canned_responses, pickers, queues, saved_views, search
from workspace import forms as wforms

staff_only = require(permissions.can_work_tickets)


# --- Queues ----------------------------------------------------------------------------

ROW_URLS = {
    "detail": "ticket_detail",
    "acknowledge": "workspace_acknowledge",
    "assign": "workspace_assign",
    "row": "workspace_row",
}
_REFERENCE_MARK = "REFERENCE-0"


def _set_row_urls(tickets: list) -> None:
    """Set ``ticket.urls`` (ROW_URLS by key) on each row: each URL is reversed once per
    page with a stand-in reference, then filled in per row, instead of four reverses in
    the template for each of the 50 rows."""
    patterns = {key: reverse(name, args=[_REFERENCE_MARK]) for key, name in ROW_URLS.items()}
    for ticket in tickets:
        ticket.urls = {
            key: url.replace(_REFERENCE_MARK, ticket.reference) for key, url in patterns.items()
        }


def _nav_context(request, filters: queues.QueueFilters, at: dt.datetime) -> dict:
    tiers = list(SupportTier.objects.order_by("rank", "name"))
    views = [
        (view, queues.parse_filters(QueryDict(view.query)))
        for view in saved_views.saved_views_of(user=request.user)
    ]
    counts = queues.queue_counts(
        user=request.user, filters=filters, tiers=tiers, views=views, at=at
    )
    queue_links = [
        {
            "slug": queue.slug,
            "label": queue.label,
            "icon": queue.icon,
            "count": counts.queues[queue.slug],
            "querystring": filters.querystring(queue=queue.slug),
            "active": queue.slug == filters.queue,
        }
        for queue in queues.QUEUES.values()
    ]
    current_query = filters.querystring()
    return {
        "filters": filters,
        "queue": queues.QUEUES[filters.queue],
        "queue_count": counts.queues[filters.queue],
        "breached_count": counts.queues["breached"],
        "queue_links": queue_links,
        "tiers": [(tier, counts.tiers[tier.pk]) for tier in tiers],
        "severities": [
            (value, label, counts.severities[value]) for value, label in Severity.choices
        ],
        "saved_views": [
            {
                "view": view,
                "count": counts.views[view.pk],
                "active": view.query == current_query,
            }
            for view, _ in views
        ],
        "on_call": on_call_at(at),
    }


@require_GET
@staff_only
def workspace(request):
    filters = queues.parse_filters(request.GET)
    at = timezone.now()
    context = _nav_context(request, filters, at)
    if request.htmx and request.GET.get("fragment") == "nav":
        return render(request, "workspace/queue.html#queue_nav", context)
    # The breached queue under these filters holds every overdue ticket of any queue.
    any_overdue = context["breached_count"] > 0
    tickets = queues.queue_tickets(
        user=request.user, filters=filters, at=at, any_overdue=any_overdue
    )
    paginator = Paginator(tickets, queues.PAGE_SIZE)
    # The counts query has just counted this queue under these filters: no second COUNT.
    paginator.count = context["queue_count"]
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    sla_selectors.ticket_countdowns(tickets=page.object_list, at=at, calendars=tickets.calendars)
    _set_row_urls(page.object_list)
    organization = (
        Organization.objects.filter(pk=filters.organization_id).first()
        if filters.organization_id
        else None
    )
    context |= {
        "page": page,
        "organization": organization,
        "bulk_form": wforms.BulkForm(),
        "view_form": wforms.SavedViewForm(initial={"query": filters.querystring()}),
        "here": request.get_full_path(),
    }
    return render(request, "workspace/queue.html", context)


@require_POST
@staff_only
def take_next(request):
    form = wforms.TakeNextForm(request.POST)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return redirect("workspace")
    ticket = bulk.ticket_take_next(request.user, filters=form.filters(request.POST))
    if ticket is None:
        messages.info(request, _("No unassigned ticket is waiting. Well done."))
        query = queues.parse_filters(request.POST).querystring()
        return redirect(f"{reverse('workspace')}?{query}" if query else "workspace")
    messages.success(
        request,
        _("%(reference)s is yours: it was the most urgent.") % {"reference": ticket.reference},
    )
    return redirect("ticket_detail", reference=ticket.reference)


# --- Triage in place: each action answers with the re-rendered row --------------------


def _row(request, reference: str, *, panel: bool, message=None, status: int = 200):
    ticket = queues.ticket_row(reference=reference)
    sla_selectors.ticket_countdowns(tickets=[ticket], at=timezone.now())
    _set_row_urls([ticket])
    context = {"ticket": ticket, "panel": panel, "message": message}
    if panel:
        context |= {
            "transitions": workflow.available(status=ticket.status, role=workflow.STAFF),
            "canned_responses": canned_responses.canned_response_list(),
            "severity_choices": Severity.choices,
            "priority_choices": Priority.choices,
        }
    response = render(request, "workspace/queue.html#ticket_row", context, status=status)
    if message and message[0] == "success":
        response["HX-Trigger"] = "queue-changed"
    return response


@require_GET
@staff_only
def row(request, reference: str):
    ticket = queues.ticket_row(reference=reference.upper())  # 404 before anything else
    if ticket.merged_into is not None:
        # A merged duplicate's row is its target's (tickets.merging).
        url = reverse("workspace_row", args=[ticket.merged_into.reference])
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    return _row(request, reference.upper(), panel=request.GET.get("panel") == "1")


def _triage(request, reference: str, action):
    """Run one ticket action (tickets.actions) on the ticket the URL names; answer htmx
    with its row (and how the action went), others with a redirect to the queue."""
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    outcome = action(request, ticket)
    message = (outcome.level, outcome.text)
    if request.htmx:
        return _row(
            request, ticket.reference, panel=request.POST.get("panel") == "1", message=message
        )
    level = "error" if outcome.level == "danger" else outcome.level
    getattr(messages, level)(request, outcome.text)
    return redirect("workspace")


@require_POST
@staff_only
def triage_acknowledge(request, reference: str):
    return _triage(request, reference, actions.acknowledge)


@require_POST
@staff_only
def triage_assign(request, reference: str):
    return _triage(request, reference, actions.assign)


@require_POST
@staff_only
def triage_severity(request, reference: str):
    return _triage(request, reference, actions.severity)


@require_POST
@staff_only
def triage_priority(request, reference: str):
    return _triage(request, reference, actions.priority)


@require_POST
@staff_only
def triage_transition(request, reference: str):
    return _triage(request, reference, actions.transition)


@require_POST
@staff_only
def triage_reply(request, reference: str):
    return _triage(request, reference, actions.reply)


# --- Bulk actions -----------------------------------------------------------------------


def _safe_next(request, target: str) -> str:
    """A path on this site to go back to, or the workspace. Only paths: ``redirect()``
    takes any other word for a URL name and fails on it."""
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return reverse("workspace")


@require_POST
@staff_only
def bulk_apply(request):
    form = wforms.BulkForm(request.POST)
    back = _safe_next(request, request.POST.get("next", ""))
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return redirect(back)
    data = form.cleaned_data
    tickets = queues.tickets_by_references(references=data["tickets"])
    result = bulk.tickets_bulk_apply(
        request.user,
        tickets=tickets,
        action=data["action"],
        assignee=data["assignee"],
        priority=data["priority"],
        transition=data["transition"],
        watcher=data["watcher"],
    )
    missing = sorted(set(data["tickets"]) - {t.reference for t in tickets})
    if result.done:
        messages.success(
            request,
            ngettext(
                "%(action)s: done for %(count)s ticket (%(references)s).",
                "%(action)s: done for %(count)s tickets (%(references)s).",
                len(result.done),
            )
            % {
                "action": bulk.BULK_ACTIONS[data["action"]],
                "count": len(result.done),
                "references": ", ".join(result.done),
            },
        )
    for reference, why in result.failed:
        messages.error(request, f"{reference}: {why}")
    for reference in missing:
        messages.error(request, _("%(reference)s: no such ticket.") % {"reference": reference})
    return redirect(back)


# --- Saved views ------------------------------------------------------------------------


@require_POST
@staff_only
def saved_view_create(request):
    form = wforms.SavedViewForm(request.POST)
    if form.is_valid():
        try:
            view = saved_views.saved_view_create(request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, forms.error_text(error))
        else:
            messages.success(
                request,
                _("Saved “%(name)s”: it is listed under your views.") % {"name": view.name},
            )
            return redirect(f"{reverse('workspace')}?{view.query}")
    else:
        messages.error(request, forms.first_error(form))
    return redirect("workspace")


@require_POST
@staff_only
def saved_view_delete(request, view_id: int):
    view = saved_views.saved_view_get(user=request.user, view_id=view_id)
    saved_views.saved_view_delete(request.user, view=view)
    messages.success(request, _("Deleted the view “%(name)s”.") % {"name": view.name})
    return redirect("workspace")


# --- Phone and email intake -------------------------------------------------------------


def _intake_warnings(contact, data) -> tuple[str, ...]:
    organization = contact.membership.organization
    check = intake.intake_check(
        organization=organization,
        product_version=data.get("product_version"),
        channel=data.get("channel") or "phone",
    )
    return check.warnings


@staff_only
def log_ticket(request):
    contact_id = request.GET.get("contact") or request.POST.get("contact")
    contact = (
        pickers.contact_get(contact_id=int(contact_id))
        if contact_id and contact_id.isdigit()
        else None
    )
    context: dict = {"contact": contact}
    if contact is None:
        if request.method == "POST":
            messages.error(request, _("Find the customer contact first."))
        return render(request, "workspace/log.html", context)
    organization = contact.membership.organization
    contract = contract_in_force(organization=organization)
    check_url = f"{reverse('workspace_log_check')}?contact={contact.pk}"
    form = wforms.LogTicketForm(request.POST or None, check_url=check_url)
    warnings: tuple[str, ...] = ()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        warnings = _intake_warnings(contact, data)
        try:
            ticket = intake.ticket_create(
                request.user,
                organization=organization,
                requester=contact,
                title=data["title"],
                description=data["description"],
                type=data["type"],
                severity=data["severity"],
                priority=data["priority"],
                product_version=data["product_version"],
                channel=data["channel"],
                business_impact=data["business_impact"],
                intake_key=data["intake_key"],
                mismatch_confirmed=data["confirm_mismatch"],
            )
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{ticket.reference} is logged for {contact} "
                f"({ticket.get_channel_display().lower()}).",
            )
            return redirect("ticket_detail", reference=ticket.reference)
    elif request.method == "GET":
        warnings = _intake_warnings(contact, {"channel": form["channel"].value()})
    context |= {
        "organization": organization,
        "contract": contract,
        "covered": sla_selectors.covered_versions(contract=contract),
        "form": form,
        "warnings": warnings,
    }
    return render(request, "workspace/log.html", context)


@require_GET
@staff_only
def log_customers(request):
    text = request.GET.get("q", "").strip()[:100]
    results = pickers.contact_search(text=text) if len(text) >= 2 else []
    return render(
        request,
        "workspace/log.html#customer_results",
        {"results": results, "text": text, "limit": pickers.PICKER_LIMIT},
    )


@require_GET
@staff_only
def log_check(request):
    contact_id = request.GET.get("contact", "")
    if not contact_id.isdigit():
        return HttpResponse("")  # no contact chosen yet: nothing to warn about
    contact = pickers.contact_get(contact_id=int(contact_id))
    form = wforms.IntakeCheckForm(request.GET)
    form.is_valid()
    warnings = _intake_warnings(contact, form.cleaned_data)
    return render(request, "workspace/log.html#intake_warnings", {"warnings": warnings})


# --- Pickers: staff, contacts and organisations, searched as you type -------------------


def _picker(request, results, label):
    return render(
        request,
        "workspace/picker.html",
        {"results": [(item.pk, label(item)) for item in results], "limit": pickers.PICKER_LIMIT},
    )


@require_GET
@staff_only
def picker_staff(request):
    people = pickers.staff_search(text=request.GET.get("q", "").strip()[:100])
    return _picker(request, people, lambda p: f"{p} ({p.get_staff_role_display().lower()})")


@require_GET
@staff_only
def picker_contacts(request):
    text = request.GET.get("q", "").strip()[:100]
    people = pickers.contact_search(text=text) if text else []
    return _picker(request, people, lambda p: f"{p} · {p.membership.organization.code}")


@require_GET
@staff_only
def picker_organizations(request):
    found = pickers.organization_search(text=request.GET.get("q", "").strip()[:100])
    return _picker(request, found, lambda o: f"{o.name} ({o.code})")


# --- Global search ------------------------------------------------------------------------


@require_GET
@staff_only
def search_view(request):
    text = request.GET.get("q", "").strip()[: search.MAX_WORDS_LENGTH]
    reference = search.as_reference(text)
    if reference:
        ticket = search.ticket_by_reference(reference=reference)
        if ticket is not None:
            return redirect("ticket_detail", reference=ticket.reference)
    page = search.ticket_search_page(words=text, number=request.GET.get("page"))
    return render(
        request,
        "workspace/search.html",
        {"text": text, "page": page, "missing_reference": reference},
    )


# --- Canned responses ---------------------------------------------------------------------


@staff_only
def canned_response_list(request):
    form = wforms.CannedResponseForm(request.POST or None, submit_label=_("Add the response"))
    if request.method == "POST" and form.is_valid():
        try:
            canned_response = canned_responses.canned_response_create(
                request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Added “%(title)s”.") % {"title": canned_response.title})
            return redirect("workspace_canned_responses")
    return render(
        request,
        "workspace/canned_responses.html",
        {
            "canned_responses": canned_responses.canned_response_list(),
            "form": form,
            "placeholders": canned_responses.PLACEHOLDERS,
        },
    )


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@staff_only
def canned_response_edit(request, canned_response_id: int):
    canned_response = canned_responses.canned_response_get(canned_response_id=canned_response_id)
    form = wforms.CannedResponseForm(
        request.POST or None,
        initial={
            "title": canned_response.title,
            "body": canned_response.body,
            "status": canned_response.status,
            "priority": canned_response.priority,
            "assign": canned_response.assign,
            "assignee": canned_response.assignee,
        },
        submit_label=_("Save the response"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            canned_responses.canned_response_update(
                request.user, canned_response=canned_response, **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("Saved “%(title)s”.") % {"title": form.cleaned_data["title"]}
            )
            return redirect("workspace_canned_responses")
    return render(
        request,
        "workspace/canned_response_edit.html",
        {
            "canned_response": canned_response,
            "form": form,
            "placeholders": canned_responses.PLACEHOLDERS,
        },
    )


@require_POST
@staff_only
def canned_response_delete(request, canned_response_id: int):
    canned_response = canned_responses.canned_response_get(canned_response_id=canned_response_id)
    form = wforms.CannedResponseDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return redirect("workspace_canned_responses")
    try:
        canned_responses.canned_response_delete(
            request.user, canned_response=canned_response, seen=form.cleaned_data["seen"]
        )
    except ValidationError as error:
        messages.error(request, forms.error_text(error))
    else:
        messages.success(request, _("Deleted “%(title)s”.") % {"title": canned_response.title})
    return redirect("workspace_canned_responses")


@require_GET
@staff_only
def canned_response_render(request, canned_response_id: int, reference: str):
    canned_response = canned_responses.canned_response_get(canned_response_id=canned_response_id)
    ticket = selectors.ticket_get_for(user=request.user, reference=reference)
    text = canned_responses.canned_response_fill(
        canned_response=canned_response, ticket=ticket, agent=request.user
    )
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
