"""The search-as-you-type pickers of the workspace: staff, organisations and customer
contacts, capped at PICKER_LIMIT matches. Staff reads across organisations."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django_scopes import scopes_disabled

from accounts.models import Organization, User
from sla.models import Contract

PICKER_LIMIT = 20


def staff_search(*, text: str) -> list[User]:
    """Staff only, never customers: the assignee picker."""
    people = User.objects.active_staff()
    if text:
        people = people.filter(Q(full_name__icontains=text) | Q(email__icontains=text))
    return list(people.order_by("full_name")[:PICKER_LIMIT])


def organization_search(*, text: str) -> list[Organization]:
    organizations = Organization.objects.filter(is_active=True)
    if text:
        organizations = organizations.filter(Q(name__icontains=text) | Q(code__istartswith=text))
    return list(organizations.order_by("name")[:PICKER_LIMIT])


def contact_search(*, text: str, organization: Organization | None = None) -> list[User]:
    """Customer contacts by name, email, organisation name or code, or licence key."""
    contacts = User.objects.filter(
        staff_role="",
        is_active=True,
        membership__isnull=False,
        membership__organization__is_active=True,
    )
    if organization is not None:
        contacts = contacts.filter(membership__organization=organization)
    if text:
        # Contracts are tenant-owned; the phone desk looks across every organisation.
        with scopes_disabled():
            by_licence = Contract.objects.filter(licence_key__istartswith=text).values(
                "organization_id"
            )
        contacts = contacts.filter(
            Q(full_name__icontains=text)
            | Q(email__icontains=text)
            | Q(membership__organization__name__icontains=text)
            | Q(membership__organization__code__iexact=text)
            | Q(membership__organization__in=by_licence)
        )
    return list(
        contacts.select_related("membership__organization").order_by(
            "membership__organization__name", "full_name"
        )[:PICKER_LIMIT]
    )


def contact_get(*, contact_id: int) -> User:
    """A customer contact the phone desk logs a ticket for; anyone else is a 404."""
    contact = (
        User.objects.filter(
            pk=contact_id,
            staff_role="",
            is_active=True,
            membership__organization__is_active=True,
        )
        .select_related("membership__organization")
        .first()
    )
    if contact is None:
        raise Http404("No such customer contact.")
    return contact
