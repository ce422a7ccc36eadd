"""The API's reads beside the tickets: organisations and their contracts, the knowledge
base and release notes, and the person's own notifications. Each is scoped as its page
is (a customer sees their own organisation; what another's is answers 404)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from api import selectors
from api.common import BAD_CURSOR, ERRORS, INVALID, PAGE_QUERY, error, page, person
from api.serializers import (
    ArticleDetailSerializer,
    ArticleSerializer,
    ContractSerializer,
    NotificationSerializer,
    OrganizationSerializer,
    ReleaseNoteSerializer,
    page_of,
)
from knowledge import selectors as knowledge_selectors
from notifications import selectors as notification_selectors
from notifications import services as notification_services

# --- Organisations and contracts ----------------------------------------------------------------

ORGANIZATION_NOT_FOUND = {404: error("No such organisation, or not yours: the same answer.")}


@extend_schema(
    parameters=PAGE_QUERY,
    responses={
        200: page_of(OrganizationSerializer, "OrganizationPage"),
        **INVALID,
        **BAD_CURSOR,
        **ERRORS,
    },
    summary="Your organisation (staff: every organisation)",
    operation_id="organizations_list",
)
@api_view(["GET"])
def organizations(request: Request) -> Response:
    found = selectors.organizations_for(user=person(request))
    return page(request, found, "code", OrganizationSerializer)


@extend_schema(
    parameters=PAGE_QUERY,
    responses={
        200: page_of(ContractSerializer, "ContractPage"),
        **INVALID,
        **ORGANIZATION_NOT_FOUND,
        **ERRORS,
    },
    summary="An organisation's support contracts and their tiers, latest first",
    operation_id="organizations_contracts_list",
)
@api_view(["GET"])
def organization_contracts(request: Request, code: str) -> Response:
    organization = selectors.organization_get_for(user=person(request), code=code)
    found = selectors.contracts_of(organization=organization)
    return page(request, found, ("-valid_from", "-id"), ContractSerializer)


# --- Knowledge base and release notes -----------------------------------------------------------


@extend_schema(
    parameters=PAGE_QUERY,
    responses={200: page_of(ArticleSerializer, "ArticlePage"), **INVALID, **BAD_CURSOR, **ERRORS},
    summary="The knowledge articles you may read (staff: drafts too)",
    operation_id="articles_list",
)
@api_view(["GET"])
def articles(request: Request) -> Response:
    found = knowledge_selectors.visible_articles(user=person(request))
    return page(request, found.select_related("category"), "slug", ArticleSerializer)


@extend_schema(
    responses={
        200: ArticleDetailSerializer,
        404: error("No such article, or not one you may read: the same answer."),
        **ERRORS,
    },
    summary="One knowledge article, with its text (Markdown)",
    operation_id="articles_retrieve",
)
@api_view(["GET"])
def article(request: Request, slug: str) -> Response:
    found = knowledge_selectors.article_get_for(user=person(request), slug=slug)
    return Response(ArticleDetailSerializer(found).data)


@extend_schema(
    parameters=PAGE_QUERY,
    responses={
        200: page_of(ReleaseNoteSerializer, "ReleaseNotePage"),
        **INVALID,
        **BAD_CURSOR,
        **ERRORS,
    },
    summary="The published release notes for you, newest first",
    operation_id="release_notes_list",
)
@api_view(["GET"])
def release_notes(request: Request) -> Response:
    found = knowledge_selectors.release_notes_for(user=person(request))
    return page(request, found, ("-published_at", "-id"), ReleaseNoteSerializer)


# --- Notifications ------------------------------------------------------------------------------


@extend_schema(
    parameters=PAGE_QUERY,
    responses={
        200: page_of(NotificationSerializer, "NotificationPage"),
        **INVALID,
        **BAD_CURSOR,
        **ERRORS,
    },
    summary="Your notifications, newest first",
    operation_id="notifications_list",
)
@api_view(["GET"])
def notifications(request: Request) -> Response:
    found = notification_selectors.notifications_for(user=person(request))
    return page(request, found, "-id", NotificationSerializer)


@extend_schema(
    request=None,
    responses={
        200: NotificationSerializer,
        404: error("No such notification, or not yours: the same answer."),
        **ERRORS,
    },
    summary="Mark one of your notifications read",
    operation_id="notifications_read",
)
@api_view(["POST"])
def notification_read(request: Request, notification_id: int) -> Response:
    user = person(request)
    notification = notification_selectors.notification_get_for(
        user=user, notification_id=notification_id
    )
    notification = notification_services.notification_mark_read(user, notification=notification)
    return Response(NotificationSerializer(notification).data)
