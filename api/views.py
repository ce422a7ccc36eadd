"""The REST API (/api/v1/) and the page where a person manages their API tokens.

Every read is scoped as the pages' are (tickets.visibility, tickets.selectors): a
customer's request runs in their organisation's scope (accounts.middleware), another
organisation's ticket is a 404. Every write goes through the services the pages use,
so references, clocks, events, history and emails behave identically.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from django_scopes import scope
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import ValidationError as InvalidRequest
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import permissions
from accounts.models import Organization, User
from api import forms, selectors, services
from api.common import (
    ERRORS,
    INVALID,
    NOT_FOUND,
    NOT_JSON,
    PAGE_QUERY,
    Cursor,
    error,
    page,
    person,
)
from api.serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    ClockSerializer,
    EscalationCreateSerializer,
    EscalationSerializer,
    ReplyCreateSerializer,
    ReplySerializer,
    SeverityChangeSerializer,
    StatusChangeSerializer,
    TicketCreateSerializer,
    TicketFilterSerializer,
    TicketPageSerializer,
    TicketSerializer,
    page_of,
)
from sla import selectors as sla_selectors
from sla.models import Channel
from tickets import actions, attachments, changes, escalations, intake, workflow
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
    messages.success(
        request,
        gettext("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name},
    )
    return redirect("api_token_list")


# --- Tickets ------------------------------------------------------------------------------------


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
    responses={201: TicketSerializer, **INVALID, **NOT_JSON, **ERRORS},
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
    found, order = selectors.ticket_list_for(user=person(request), filters=given.validated_data)
    paginator = Cursor()
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
    user = person(request)
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
    ticket = ticket_selectors.ticket_get_for(user=person(request), reference=reference)
    body = TicketSerializer(ticket, context={"request": request}).data
    return Response(body, headers=_etag(ticket))


@extend_schema(
    methods=["GET"],
    parameters=PAGE_QUERY,
    responses={
        200: page_of(ReplySerializer, "ReplyPage"),
        **INVALID,
        **NOT_FOUND,
        **ERRORS,
    },
    summary="The conversation, oldest first",
    operation_id="tickets_replies_list",
)
@extend_schema(
    methods=["POST"],
    parameters=[IF_MATCH],
    request=ReplyCreateSerializer,
    responses={
        201: ReplySerializer,
        412: error("The ticket changed since the version of If-Match: `version` is now."),
        **INVALID,
        **NOT_FOUND,
        **NOT_JSON,
        **ERRORS,
    },
    summary="Reply, or write an internal note (staff)",
    operation_id="tickets_replies_create",
)
@api_view(["GET", "POST"])
def ticket_replies(request: Request, reference: str) -> Response:
    user = person(request)
    ticket = ticket_selectors.ticket_get_for(user=user, reference=reference)
    if request.method == "GET":
        with scope(organization=ticket.organization_id):  # the ticket's own organisation
            found = ticket_selectors.conversation_query(user=user, ticket=ticket)
            return page(request, found, "id", ReplySerializer)
    given = ReplyCreateSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    try:
        reply = ticket_services.ticket_reply(
            user,
            ticket=ticket,
            body=given.validated_data["body"],
            internal=given.validated_data["internal"],
            expected_version=_if_match(request),
        )
    except changes.ConcurrentEdit as conflict:
        return _stale(conflict)
    except ValidationError as error:
        raise InvalidRequest(_errors(error)) from error
    return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)


# --- Lists of a fixed number of queries ---------------------------------------------------------


def _if_match(request: Request) -> int | None:
    """The version of If-Match, for the service to check under its lock: none (or ``*``)
    checks nothing, and a value that is no version is stale whatever the ticket's."""
    given = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not given or given == "*":
        return None
    return int(given) if given.isdigit() and len(given) < 10 else -1


def _stale(conflict: changes.ConcurrentEdit) -> Response:
    return Response(
        {"detail": actions.describe_conflict(conflict), "version": conflict.ticket.version},
        status=status.HTTP_412_PRECONDITION_FAILED,
        headers=_etag(conflict.ticket),
    )


STALE = {412: error("The ticket changed since the version of If-Match: `version` is now.")}
REFUSED_STEP = {
    409: error("The workflow does not lead there from the ticket's status (`detail` says why).")
}


# --- Ticket actions -----------------------------------------------------------------------------


@extend_schema(
    parameters=[IF_MATCH],
    request=StatusChangeSerializer,
    responses={
        200: TicketSerializer,
        **INVALID,
        **NOT_FOUND,
        **REFUSED_STEP,
        **STALE,
        **NOT_JSON,
        **ERRORS,
    },
    summary="Move the ticket along the workflow (the steps your role may take)",
    operation_id="tickets_status_update",
    examples=[
        OpenApiExample(
            "A customer confirms the resolution",
            value={"action": "confirm_resolution"},
            request_only=True,
        ),
        OpenApiExample(
            "An agent resolves",
            value={"action": "resolve", "resolution": "Fixed in 8.1.4: update and rerun."},
            request_only=True,
        ),
    ],
)
@api_view(["POST"])
def ticket_status(request: Request, reference: str) -> Response:
    user = person(request)
    ticket = ticket_selectors.ticket_get_for(user=user, reference=reference)
    given = StatusChangeSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    data = given.validated_data
    step = workflow.TRANSITIONS[data["action"]]
    if workflow.role_of(user) not in step.who:
        raise PermissionDenied(f"Your role may not “{step.label.lower()}”.")
    try:
        ticket = ticket_services.ticket_transition(
            user,
            ticket=ticket,
            action=data["action"],
            expected_version=_if_match(request),
            workaround=data["workaround"],
            resolution=data["resolution"],
            reason=data["reason"],
            via=Channel.API,
        )
    except changes.ConcurrentEdit as conflict:
        return _stale(conflict)
    except workflow.TransitionError as error:
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    except ValidationError as error:
        raise InvalidRequest(_errors(error)) from error
    return _ticket_answer(request, user, ticket.reference)


def _ticket_answer(request: Request, user: User, reference: str) -> Response:
    """The ticket as it is now, read again as its reader sees it, with its new ETag."""
    ticket = ticket_selectors.ticket_get_for(user=user, reference=reference)
    body = TicketSerializer(ticket, context={"request": request}).data
    return Response(body, headers=_etag(ticket))


@extend_schema(
    parameters=[IF_MATCH],
    request=SeverityChangeSerializer,
    responses={200: TicketSerializer, **INVALID, **NOT_FOUND, **STALE, **NOT_JSON, **ERRORS},
    summary="Change the severity, with the reason the customer reads (staff)",
    operation_id="tickets_severity_update",
    examples=[
        OpenApiExample(
            "Raised to critical",
            value={"severity": "S1", "reason": "Every warehouse is stopped."},
            request_only=True,
        )
    ],
)
@api_view(["POST"])
def ticket_severity(request: Request, reference: str) -> Response:
    user = person(request)
    ticket = ticket_selectors.ticket_get_for(user=user, reference=reference)
    if not permissions.can_work_tickets(user):
        raise PermissionDenied("Only support staff change the severity.")
    given = SeverityChangeSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    try:
        ticket = ticket_services.ticket_set_severity(
            user,
            ticket=ticket,
            severity=given.validated_data["severity"],
            reason=given.validated_data["reason"],
            expected_version=_if_match(request),
        )
    except changes.ConcurrentEdit as conflict:
        return _stale(conflict)
    except ValidationError as error:
        raise InvalidRequest(_errors(error)) from error
    return _ticket_answer(request, user, ticket.reference)


@extend_schema(
    request=EscalationCreateSerializer,
    responses={201: EscalationSerializer, **INVALID, **NOT_FOUND, **NOT_JSON, **ERRORS},
    summary="Ask for an escalation, saying why (a manager reviews it)",
    operation_id="tickets_escalations_create",
    examples=[
        OpenApiExample(
            "Month-end is at risk",
            value={"reason": "Month-end close is on Friday and payroll cannot be exported."},
            request_only=True,
        )
    ],
)
@api_view(["POST"])
def ticket_escalations(request: Request, reference: str) -> Response:
    user = person(request)
    ticket = ticket_selectors.ticket_get_for(user=user, reference=reference)
    given = EscalationCreateSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    try:
        escalation = escalations.escalation_request(
            user, ticket=ticket, reason=given.validated_data["reason"]
        )
    except ValidationError as error:
        raise InvalidRequest(_errors(error)) from error
    return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)


# --- Attachments --------------------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    parameters=PAGE_QUERY,
    responses={
        200: page_of(AttachmentSerializer, "AttachmentPage"),
        **INVALID,
        **NOT_FOUND,
        **ERRORS,
    },
    summary="The ticket's files you may open (customers: none of internal notes)",
    operation_id="tickets_attachments_list",
)
@extend_schema(
    methods=["POST"],
    request={"multipart/form-data": AttachmentUploadSerializer},
    responses={
        201: AttachmentSerializer,
        **INVALID,
        **NOT_FOUND,
        415: error("Not multipart/form-data."),
        **ERRORS,
    },
    summary="Send a file with a reply, or for staff with an internal note (multipart)",
    operation_id="tickets_attachments_create",
    examples=[
        OpenApiExample(
            "The export's log",
            value={"file": "export.log", "body": "The log of last night's run."},
            request_only=True,
        )
    ],
)
@api_view(["GET", "POST"])
@parser_classes([MultiPartParser])
def ticket_attachments(request: Request, reference: str) -> Response:
    user = person(request)
    ticket = ticket_selectors.ticket_get_for(user=user, reference=reference)
    if request.method == "GET":
        found = selectors.attachments_for(user=user, ticket=ticket)
        return page(request, found, "id", AttachmentSerializer)
    given = AttachmentUploadSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    data = given.validated_data
    try:
        reply = ticket_services.ticket_reply(
            user,
            ticket=ticket,
            body=data["body"],
            internal=data["internal"],
            attachments=[data["file"]],
            via=Channel.API,
        )
    except ValidationError as error:
        errors = _errors(error)
        if "attachments" in errors:
            errors["file"] = errors.pop("attachments")
        raise InvalidRequest(errors) from error
    attachment = selectors.attachments_for(user=user, ticket=ticket).get(reply=reply)
    return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


@extend_schema(
    responses={
        (200, "application/octet-stream"): OpenApiResponse(
            OpenApiTypes.BINARY, description="The file, as it was sent."
        ),
        404: error(
            "No such ticket or file, or not one you may see: the same answer; or the file "
            "is no longer stored, which `detail` says."
        ),
        **ERRORS,
    },
    summary="Download a file (an internal note's: staff only)",
    operation_id="tickets_attachments_download",
)
@api_view(["GET"])
def ticket_attachment(request: Request, reference: str, attachment_id: int):
    attachment = ticket_selectors.attachment_get_for(
        user=person(request), reference=reference, attachment_id=attachment_id
    )
    # A stored file gone missing is a 404 whose detail says so (attachments.FileMissing).
    return attachments.download_response(attachment)


# --- SLA clocks ---------------------------------------------------------------------------------


@extend_schema(
    parameters=PAGE_QUERY,
    responses={200: page_of(ClockSerializer, "ClockPage"), **INVALID, **NOT_FOUND, **ERRORS},
    summary="The ticket's SLA clocks: targets, due times, state",
    operation_id="tickets_clocks_list",
)
@api_view(["GET"])
def ticket_clocks(request: Request, reference: str) -> Response:
    ticket = ticket_selectors.ticket_get_for(user=person(request), reference=reference)
    found = selectors.clocks_for(ticket=ticket)

    def lateness(clocks) -> None:
        sla_selectors.clocks_lateness(clocks=clocks, at=timezone.now())

    return page(request, found, "id", ClockSerializer, prepare=lateness)
