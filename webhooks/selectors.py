"""The endpoints and deliveries a person may see: an administrator every endpoint, a
customer administrator their organisation's own (their request runs in its scope),
not the vendor's endpoints for it."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from accounts import permissions
from accounts.models import User
from webhooks.models import Delivery, DeliveryState, Endpoint
from webhooks.services import is_administrator

DELIVERIES_SHOWN = 50


def endpoints_for(*, user: User) -> list[Endpoint]:
    """With the count of failed deliveries and of those waiting, in one query."""
    counts = {
        "failed": Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
        "waiting": Count(
            "deliveries",
            filter=Q(deliveries__state__in=[DeliveryState.PENDING, DeliveryState.SENDING]),
        ),
    }
    if is_administrator(user):
        with scopes_disabled():  # administrators manage every organisation's endpoints
            found: QuerySet[Endpoint] = Endpoint.objects.select_related("organization")
            return list(found.annotate(**counts).order_by("-created_at"))
    own = permissions.organization_of(user) if permissions.is_customer_admin(user) else None
    if own is None:
        return []
    return list(
        Endpoint.objects.filter(organization=own, is_vendor=False)
        .select_related("organization")
        .annotate(**counts)
        .order_by("-created_at")
    )


def endpoint_of(*, user: User, endpoint_id: int) -> Endpoint:
    """One endpoint its owner may manage, else 404 (another organisation's included)."""
    if is_administrator(user):
        with scopes_disabled():  # administrators see every organisation's endpoints
            found = Endpoint.objects.select_related("organization").filter(pk=endpoint_id)
            endpoint = found.first()
    elif permissions.is_customer_admin(user):
        own = permissions.organization_of(user)
        endpoint = (
            Endpoint.objects.select_related("organization")
            .filter(pk=endpoint_id, organization=own, is_vendor=False)
            .first()
        )
    else:
        endpoint = None
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def deliveries_of(*, endpoint: Endpoint, state: str = "") -> list[Delivery]:
    """The endpoint's latest deliveries, newest first (its index)."""
    with scopes_disabled():  # the endpoint's owner was checked by endpoint_of
        found = Delivery.objects.filter(endpoint=endpoint)
        if state:
            found = found.filter(state=state)
        return list(found.order_by("-created_at")[:DELIVERIES_SHOWN])


def delivery_of(*, endpoint: Endpoint, delivery_id: int) -> Delivery:
    with scopes_disabled():  # the endpoint's owner was checked by endpoint_of
        delivery = (
            Delivery.objects.select_related("endpoint__organization")
            .filter(pk=delivery_id, endpoint=endpoint)
            .first()
        )
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery
