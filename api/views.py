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
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
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
from api import forms, selectors, services
from api.serializers import (
    ErrorSerializer,
    ReplyCreateSerializer,
    ReplySerializer,
    TicketCreateSerializer,
    TicketFilterSerializer,
    TicketPageSerializer,
    TicketSerializer,
)
from tickets import intake
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.forms import add_service_errors
from tickets.models import Ticket

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


# --- Tokens: the person's own page ------------------------------------------------------------


@login_required
def token_list(request):
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, raw = services.api_token_create(request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Shown once, on the next page: the session keeps it until then.
            request.session["new_api_token"] = {"text": raw}
            return redirect("api_token_list")
    new = request.session.pop("new_api_token", None)
    tokens = selectors.tokens_of(user=request.user)
    return render(
        request, "api/token_list.html", {"form": form, "tokens": tokens, "new_token": new}
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = selectors.token_of(user=request.user, token_id=pk)
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
    # A plain dict, so that an empty value is refused rather than taken as not given.
    given = TicketFilterSerializer(data=request.query_params.dict())
    given.is_valid(raise_exception=True)
    found, order = selectors.ticket_list_for(user=_person(request), filters=given.validated_data)
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
    """Staff name the organisation and the requester; the intake checks that the one is
    a contact of the other."""
    if not data.get("organization") or not data.get("requester"):
        raise InvalidRequest({"organization": "Staff name the organisation and the requester."})
    organization = selectors.organization_by_code(data["organization"])
    if organization is None:
        raise InvalidRequest({"organization": "No active organisation has this code."})
    requester = selectors.person_by_email(data["requester"])
    if requester is None:
        raise InvalidRequest({"requester": "No active person has this address."})
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
    ticket = ticket_selectors.ticket_get_for(user=_person(request), reference=reference)
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
    ticket = ticket_selectors.ticket_get_for(user=user, reference=reference)
    if request.method == "GET":
        replies = ticket_selectors.conversation_for(user=user, ticket=ticket)
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
