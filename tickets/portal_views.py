"""The customer portal: the home page and the customers' ticket list."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts import permissions
from accounts.permissions import require
from knowledge import selectors as knowledge_selectors
from tickets import portal_forms, portal_selectors

customer_only = require(permissions.is_customer)
PAGE_SIZE = 25


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
