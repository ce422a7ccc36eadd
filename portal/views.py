"""The customer portal: the home page, the customers' ticket list and their contract."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import permissions
from accounts.permissions import require
from knowledge import selectors as knowledge_selectors
from portal import forms as portal_forms
from portal import selectors as portal_selectors
from sla import preview
from sla import selectors as sla_selectors
from sla.models import SEVERITY_HELP, Severity

customer_only = require(permissions.is_customer)
PAGE_SIZE = 25
EXPIRY_NOTICE_DAYS = 60  # the contract page warns this many days before it ends


@customer_only
def portal_home(request):
    """A customer's home: what needs their answer, their open tickets, their
    organisation's (administrators), search, and the way to self-help."""
    user = request.user
    return render(
        request,
        "portal/portal_home.html",
        {
            "home": portal_selectors.portal_home_for(user=user),
            "upcoming": knowledge_selectors.upcoming_maintenance_for(user=user),
        },
    )


@require_GET
@customer_only
def portal_ticket_list(request):
    query = request.GET.get("q", "").strip()
    if query and set(request.GET) == {"q"}:
        # A reference typed in a search box goes straight to that ticket.
        ticket = portal_selectors.ticket_by_reference_for(user=request.user, text=query)
        if ticket is not None:
            return redirect("ticket_detail", reference=ticket.reference)
    requesters = (
        portal_selectors.requester_choices(organization=request.organization)
        if permissions.is_customer_admin(request.user)
        else None
    )
    form = portal_forms.TicketFilterForm(request.GET, requesters=requesters)
    filters = form.filters()
    tickets = portal_selectors.ticket_list_for(user=request.user, **filters)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/ticket_list.html",
        {"form": form, "page": page, "filtered": bool(filters)},
    )


@require_GET
@customer_only
def contract_detail(request):
    """The customer's support contract: what it covers and what each severity promises."""
    today = timezone.localdate()
    terms = sla_selectors.contract_terms(organization=request.organization, on=today)
    if terms is None:
        last = sla_selectors.last_contract(organization=request.organization, before=today)
        return render(request, "portal/contract_detail.html", {"last_contract": last})
    days_left = (terms.contract.valid_to - today).days
    return render(
        request,
        "portal/contract_detail.html",
        {
            "contract": terms.contract,
            "days_left": days_left if days_left < EXPIRY_NOTICE_DAYS else None,
            "channels": terms.channels,
            "products": terms.products,
            "calendars": terms.calendars,
            "sentences": [
                (preview.describe_policy(policy), SEVERITY_HELP.get(Severity(policy.severity)))
                for policy in terms.policies
            ],
            "enhancement_sentence": preview.ENHANCEMENT_SENTENCE,
        },
    )
