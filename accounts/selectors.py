"""Reads of the accounts domain that decide what a user sees."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from accounts.models import (
    Invitation,
    Membership,
    Organization,
    SecurityEvent,
    SingleSignOn,
    SingleSignOnDomain,
    User,
)

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


def email_domain(email: str) -> str:
    """The domain of an address, lower-case ("" when it has none)."""
    local, at, domain = email.strip().rpartition("@")
    return domain.lower() if at and local else ""


def single_sign_on_for_email(*, email: str) -> SingleSignOn | None:
    """The single sign-on of an active organisation that answers for the address's domain."""
    domain = email_domain(email)
    if not domain:
        return None
    # The sign-in page's visitor is anonymous: the address names the organisation.
    with scopes_disabled():
        row = (
            SingleSignOnDomain.objects.select_related(
                "single_sign_on__app", "single_sign_on__organization"
            )
            .filter(domain=domain, single_sign_on__organization__is_active=True)
            .first()
        )
    return row.single_sign_on if row is not None else None


def mandatory_sign_on_for_email(*, email: str) -> SingleSignOn | None:
    """The address's single sign-on when it is mandatory (its people have no password
    here), else None."""
    single_sign_on = single_sign_on_for_email(email=email)
    return single_sign_on if single_sign_on is not None and single_sign_on.mandatory else None


def domains_not_only_of(*, organization: Organization, domains: list[str]) -> list[str]:
    """Those of ``domains`` (lower-case) that are not only ``organization``'s: another
    organisation's single sign-on answers for it, the vendor's staff sign in with it, or
    someone outside the organisation has an address at it. Two queries, whatever the
    number of domains."""
    if not domains:
        return []
    # Another organisation's domains and people are outside this scope: looked up across.
    with scopes_disabled():
        claimed = set(
            SingleSignOnDomain.objects.filter(domain__in=domains)
            .exclude(organization=organization)
            .values_list("domain", flat=True)
        )
        people_outside = User.objects.exclude(membership__organization=organization).aggregate(
            **{
                f"d{n}": Count("pk", filter=Q(email__iendswith=f"@{domain}"))
                for n, domain in enumerate(domains)
            }
        )
    staff = set(domains) & set(settings.STAFF_SSO_DOMAINS)
    outside = {domain for n, domain in enumerate(domains) if people_outside[f"d{n}"]}
    return sorted(claimed | staff | outside)


def single_sign_on_for_app(*, app: SocialApp) -> SingleSignOn | None:
    """The organisation's single sign-on whose identity provider is ``app``, with its
    domains."""
    # Signing in through a provider: nobody is signed in yet, the app names the organisation.
    with scopes_disabled():
        return (
            SingleSignOn.objects.select_related("organization", "app")
            .prefetch_related("domains")
            .filter(app=app)
            .first()
        )


def single_sign_on_of(*, organization: Organization) -> SingleSignOn | None:
    return (
        SingleSignOn.objects.select_related("app")
        .prefetch_related("domains")
        .filter(organization=organization)
        .first()
    )


def staff_sign_on_app() -> SocialApp | None:
    """The vendor's own identity provider for its staff (settings.STAFF_SSO_PROVIDER_ID)."""
    if not settings.STAFF_SSO_PROVIDER_ID:
        return None
    return SocialApp.objects.filter(provider_id=settings.STAFF_SSO_PROVIDER_ID).first()


def is_staff_sign_on_domain(domain: str) -> bool:
    return bool(domain) and domain in settings.STAFF_SSO_DOMAINS


def sign_on_app_for_email(*, email: str) -> SocialApp | None:
    """The identity provider an address signs in through: the staff's for the vendor's
    own domains, else its organisation's; None when it has none."""
    if is_staff_sign_on_domain(email_domain(email)):
        return staff_sign_on_app()
    single_sign_on = single_sign_on_for_email(email=email)
    return single_sign_on.app if single_sign_on is not None else None


def oidc_provider_id_for(*, organization: Organization, app: SocialApp | None) -> str:
    """The provider ID (the name in its URLs, /accounts/oidc/<it>/) of the organisation's
    OpenID Connect identity provider: ``app``'s own when it is one, else the one a new
    connection gets."""
    if app is not None and app.provider == "openid_connect":
        return app.provider_id
    return f"org-{organization.code.lower()}"


def saml_client_id_for(*, organization: Organization, app: SocialApp | None) -> str:
    """The client ID (the name in its URLs, /accounts/saml/<it>/) of the organisation's
    SAML identity provider: ``app``'s own when it is one, else the organisation's code,
    or the code and id when another SAML provider (the support team's) has it already."""
    if app is not None and app.provider == "saml":
        return app.client_id
    slug = organization.code.lower()
    if SocialApp.objects.filter(provider="saml", client_id=slug).exists():
        return f"{slug}-{organization.pk}"
    return slug
