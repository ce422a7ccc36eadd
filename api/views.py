"""The REST API (/api/v1/) and the page where a person manages their API tokens.

Every read is scoped as the pages' are (tickets.visibility, tickets.selectors): a
customer's request runs in their organisation's scope (accounts.middleware), another
organisation's ticket is a 404. Every write goes through the services the pages use,
so references, clocks, events, history and emails behave identically.
"""

from __future__ import annotations

import re
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError as InvalidRequest
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import permissions
from accounts.models import Organization, User
from api import forms, services
from api.models import ApiToken
from api.serializers import (
    ErrorSerializer,
    ReplyCreateSerializer,
    ReplySerializer,
    TicketCreateSerializer,
    TicketFilterSerializer,
    TicketPageSerializer,
    TicketSerializer,
)
from tickets import intake, selectors, visibility
from tickets import services as ticket_services
from tickets.models import OPEN_STATUSES, Ticket

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


# --- Tokens: the person's own page ------------------------------------------------------------


@login_required
def token_list(request):
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.api_token_create(request.user, **form.cleaned_data)
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            # Shown once, on the next page: the session keeps it until then.
            request.session["new_api_token"] = {"id": token.pk, "text": raw}
            return redirect("api_token_list")
    new = request.session.pop("new_api_token", None)
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request, "api/token_list.html", {"form": form, "tokens": tokens, "new_token": new}
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(request.user, token=token)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("api_token_list")


# --- Tickets ------------------------------------------------------------------------------------


class TicketCursor(CursorPagination):
    """Newest first, by a key unique in the reader's list and held by an index: the
    organisation's ticket number for customers (ticket_org_number), the id for staff."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"


def _person(request: Request) -> User:
    """The signed-in person: IsAuthenticated lets no one else in."""
    return cast(User, request.user)


def _ticket_list(user: User, params) -> tuple[QuerySet[Ticket], str]:
    """The tickets this person may see, filtered, and the order of their pages."""
    tickets: QuerySet[Ticket]
    if permissions.is_staff_member(user):
        with scopes_disabled():  # staff read every organisation's tickets, as in the workspace
            tickets = Ticket.objects.all()
        order = "-id"
        code = params.get("organization", "")
        if code:
            tickets = tickets.filter(organization__code=code.upper()[:10])
    else:
        tickets = visibility.visible_tickets(user=user)
        order = "-number"
    # A plain dict, so that an empty value is refused rather than taken as not given.
    given = TicketFilterSerializer(data=params.dict())
    given.is_valid(raise_exception=True)
    filters = given.validated_data
    state = filters.get("status")
    if state == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    elif state:
        tickets = tickets.filter(status=state)
    if filters.get("severity"):
        tickets = tickets.filter(severity=filters["severity"])
    if filters.get("mine"):
        # Staff: assigned to them; a customer: logged by them.
        mine = "assignee" if permissions.is_staff_member(user) else "requester"
        tickets = tickets.filter(**{mine: user})
    return tickets.select_related("organization", "requester", "assignee"), order


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


# The errors every operation may answer, as the schema describes them.
ERRORS = {
    401: _error("No valid token: unknown, revoked or expired, or its person is gone."),
    403: _error("Not for your role, or a read token asked to write."),
    429: _error("Past the token's rate (API_RATE)."),
}
NOT_FOUND = {404: _error("No such ticket, or not one you may see: the same answer.")}
INVALID = {400: _error("What is wrong, by field (`detail` for the request as a whole).")}

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="8 to 64 letters, digits or -_.: — the same key again returns the ticket the "
    "first request created instead of a second one.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The ticket\'s version as its ETag gave it ("7"): a ticket changed since is '
    "refused with 412 and its current version.",
)


@extend_schema(
    methods=["GET"],
    parameters=[TicketFilterSerializer],
    responses={200: TicketPageSerializer, **INVALID, **NOT_FOUND, **ERRORS},
    summary="The tickets you may see, newest first",
    operation_id="tickets_list",
)
@extend_schema(
    methods=["POST"],
    parameters=[IDEMPOTENCY],
    request=TicketCreateSerializer,
    responses={201: TicketSerializer, **INVALID, **ERRORS},
    summary="Log a ticket",
    operation_id="tickets_create",
    examples=[
        OpenApiExample(
            "A customer's monitoring tool",
            value={
                "title": "Payroll export fails with error E2044",
                "description": "The nightly export stopped at 02:10 with E2044.",
                "type": "incident",
                "severity": "S2",
            },
            request_only=True,
        )
    ],
)
@api_view(["GET", "POST"])
def tickets(request: Request) -> Response:
    if request.method == "POST":
        return _ticket_create(request)
    found, order = _ticket_list(_person(request), request.query_params)
    paginator = TicketCursor()
    paginator.ordering = order
    page = paginator.paginate_queryset(found, request)
    data = TicketSerializer(page, many=True, context={"request": request}).data
    return paginator.get_paginated_response(data)


def _ticket_create(request: Request) -> Response:
    given = TicketCreateSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    data = given.validated_data
    key = request.headers.get("Idempotency-Key", "")
    if key and not IDEMPOTENCY_KEY.match(key):
        raise InvalidRequest({"Idempotency-Key": "8 to 64 letters, digits or -_.:"})
    user = _person(request)
    if permissions.is_staff_member(user):
        organization, requester = _organization_and_requester(data)
    else:
        own = permissions.organization_of(user)
        if own is None:
            raise PermissionDenied("You belong to no organisation.")
        organization, requester = own, user
    try:
        ticket = intake.ticket_create(
            user,
            organization=organization,
            requester=requester,
            title=data["title"],
            description=data["description"],
            type=data["type"],
            severity=data["severity"],
            priority=data["priority"],
            business_impact=data["business_impact"],
            intake_key=f"api:{key}" if key else "",
        )
    except ValidationError as error:
        raise InvalidRequest(_errors(error)) from error
    body = TicketSerializer(ticket, context={"request": request}).data
    return Response(body, status=status.HTTP_201_CREATED, headers=_etag(ticket))


def _organization_and_requester(data: dict) -> tuple[Organization, User]:
    code, email = data.get("organization", ""), data.get("requester", "")
    if not code or not email:
        raise InvalidRequest({"organization": "Staff name the organisation and the requester."})
    organization = Organization.objects.filter(code=code.upper(), is_active=True).first()
    if organization is None:
        raise InvalidRequest({"organization": "No active organisation has this code."})
    requester = (
        User.objects.select_related("membership__organization")
        .filter(email__iexact=email, is_active=True)
        .first()
    )
    if requester is None or permissions.organization_of(requester) != organization:
        raise InvalidRequest({"requester": "The requester must be a contact of the organisation."})
    return organization, requester


def _errors(error: ValidationError) -> dict:
    """A service's ValidationError as the API's 400: by field, else as ``detail``."""
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"detail": " ".join(error.messages)}


def _etag(ticket: Ticket) -> dict[str, str]:
    return {"ETag": f'"{ticket.version}"'}


@extend_schema(
    responses={200: TicketSerializer, **NOT_FOUND, **ERRORS},
    summary="One ticket",
    operation_id="tickets_retrieve",
)
@api_view(["GET"])
def ticket_detail(request: Request, reference: str) -> Response:
    ticket = selectors.ticket_get_for(user=_person(request), reference=reference)
    body = TicketSerializer(ticket, context={"request": request}).data
    return Response(body, headers=_etag(ticket))


@extend_schema(
    methods=["GET"],
    responses={200: ReplySerializer(many=True), **NOT_FOUND, **ERRORS},
    summary="The conversation",
    operation_id="tickets_replies_list",
)
@extend_schema(
    methods=["POST"],
    parameters=[IF_MATCH],
    request=ReplyCreateSerializer,
    responses={
        201: ReplySerializer,
        412: _error("The ticket changed since the version of If-Match: `version` is now."),
        **INVALID,
        **NOT_FOUND,
        **ERRORS,
    },
    summary="Reply, or write an internal note (staff)",
    operation_id="tickets_replies_create",
)
@api_view(["GET", "POST"])
def ticket_replies(request: Request, reference: str) -> Response:
    user = _person(request)
    ticket = selectors.ticket_get_for(user=user, reference=reference)
    if request.method == "GET":
        replies = selectors.conversation_for(user=user, ticket=ticket)
        return Response(ReplySerializer(replies, many=True).data)
    given = ReplyCreateSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    expected = request.headers.get("If-Match", "").strip().strip('"')
    if expected and expected != str(ticket.version):
        return Response(
            {"detail": "The ticket changed since you read it.", "version": ticket.version},
            status=status.HTTP_412_PRECONDITION_FAILED,
            headers=_etag(ticket),
        )
    try:
        reply = ticket_services.ticket_reply(
            user,
            ticket=ticket,
            body=given.validated_data["body"],
            internal=given.validated_data["internal"],
        )
    except ValidationError as error:
        raise InvalidRequest(_errors(error)) from error
    return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)
