"""Reads of the accounts domain that decide what a user sees."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from accounts.models import Invitation, Membership, Organization, SecurityEvent, User

# The kinds of authenticator that are a second factor on their own; recovery codes only
# stand in for a lost one.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def contact_list(*, organization: Organization) -> QuerySet[Membership]:
    """The organisation's contacts with their pending invitation, in one query."""
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user", "user__invitation")
        .order_by("-user__is_active", "user__full_name")
    )


def contact_get(*, organization: Organization, membership_id: int) -> Membership:
    """A contact of this organisation; any other id is a 404, like a missing one."""
    try:
        return Membership.objects.select_related("user").get(
            organization=organization, pk=membership_id
        )
    except Membership.DoesNotExist:
        raise Http404("No such contact.") from None


def invitation_by_public_id(*, public_id) -> Invitation | None:
    """The invitation behind a link. The visitor is anonymous and has no organisation
    yet; the random public id plus the token in the link is what authorises it."""
    with scopes_disabled():  # an anonymous visitor: the link names the organisation
        return (
            Invitation.objects.select_related("user", "organization", "invited_by")
            .filter(public_id=public_id)
            .first()
        )


def has_second_factor(*, user: User) -> bool:
    """An authenticator app or a security key (passkey) is set up."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def security_event_list(*, kind: str = "", query: str = "") -> QuerySet[SecurityEvent]:
    """The security log, newest first, of one kind and of addresses containing
    ``query`` when given (every organisation's: administrators read it)."""
    events = SecurityEvent.objects.select_related("user", "organization")
    if kind:
        events = events.filter(kind=kind)
    if query:
        events = events.filter(email__icontains=query)
    return events.order_by("-created_at", "-pk")
