"""Writes of the accounts domain: invitations and contacts of an organisation.

Each function is one transaction run outside any organisation scope (accounts.scoping:
an invited person accepts before they belong to a scope), takes the acting user first
and raises ``PermissionDenied`` or ``ValidationError`` for the view to show.
"""

from __future__ import annotations

import datetime as dt

from allauth.socialaccount.models import SocialApp
from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from phonenumber_field.modelfields import PhoneNumberField

from accounts import permissions
from accounts.models import (
    Invitation,
    MemberRole,
    Membership,
    Organization,
    SecurityEvent,
    SingleSignOn,
    SingleSignOnDomain,
    User,
    language_choices,
    validate_timezone,
)
from accounts.scoping import service
from core import events

INVITATION_LIFETIME = dt.timedelta(days=7)


def _require_contact_manager(actor: User, organization: Organization) -> None:
    if not permissions.can_manage_contacts(actor, organization):
        raise PermissionDenied(_("Only your organisation's administrators manage its contacts."))


@service(tenant="organization")
def invitation_create(
    actor: User, *, organization: Organization, email: str, full_name: str, role: str
) -> Invitation | None:
    """Invite a colleague: an inactive account with no password and a one-time link.

    None, and nothing sent, when the address already has an account elsewhere (another
    organisation, or the vendor): the inviting administrator must not learn that it
    exists, so the caller answers exactly as for a sent invitation.
    """
    _require_contact_manager(actor, organization)
    if role not in MemberRole.values:
        raise ValidationError({"role": _("Choose a customer role.")})
    email = User.objects.normalize_email(email).strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if permissions.organization_of(existing) == organization:
            # Their own contact list shows this person already: nothing to hide.
            raise ValidationError({"email": _("This person is already one of your contacts.")})
        return None
    user = User.objects.create_user(email, None, full_name=full_name.strip(), is_active=False)
    Membership.objects.create(organization=organization, user=user, role=role)
    invitation = Invitation.objects.create(
        organization=organization,
        user=user,
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    _send_invitation(invitation)
    return invitation


@service(tenant="invitation")
def invitation_resend(actor: User, *, invitation: Invitation) -> Invitation:
    """A fresh link with a new expiry; the old link stops working."""
    _require_contact_manager(actor, invitation.organization)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was already accepted."))
    invitation.expires_at = timezone.now() + INVITATION_LIFETIME
    invitation.invited_by = actor
    invitation.save(update_fields=["expires_at", "invited_by"])
    # Changing the unusable password's random part invalidates every earlier token.
    user = invitation.user
    user.set_unusable_password()
    user.save(update_fields=["password"])
    _send_invitation(invitation)
    return invitation


def _send_invitation(invitation: Invitation) -> None:
    """Record the email as an event of this transaction: a worker sends it after the
    commit, and sends it again later if the provider fails or the broker is down
    (core.events). A second send carries a fresh link, which also works."""
    events.emit("invitation_sent", invitation=invitation)


@service(tenant="invitation")
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """Set the password, activate the account; the link cannot be used again."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was already used."))
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired."))
    user = invitation.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


@service(tenant="membership")
def membership_change_role(actor: User, *, membership: Membership, role: str) -> Membership:
    _require_contact_manager(actor, membership.organization)
    if role not in MemberRole.values:
        raise ValidationError({"role": _("Choose a customer role.")})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == MemberRole.ADMIN and _is_last_active_admin(membership):
        raise ValidationError(
            _(
                "The organisation needs at least one active administrator: "
                "make someone else an administrator first."
            )
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@service(tenant="membership")
def contact_set_active(actor: User, *, membership: Membership, active: bool) -> User:
    """Deactivate a contact (they can no longer sign in) or reactivate them."""
    _require_contact_manager(actor, membership.organization)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    user = membership.user
    if not active:
        if user == actor:
            raise ValidationError(_("You cannot deactivate your own account."))
        if membership.role == MemberRole.ADMIN and _is_last_active_admin(membership):
            raise ValidationError(_("The organisation's last administrator cannot be deactivated."))
    elif not user.has_usable_password():
        raise ValidationError(_("This contact has not accepted the invitation yet: resend it."))
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
    if not active:
        _access_ended(user)
    return user


@service
def user_access_ended(actor: User | None, *, user: User) -> int:
    """A person was deactivated or lost their membership (an administrator, in the
    admin): their sessions end at once and their API tokens are revoked."""
    return _access_ended(user)


def _access_ended(user: User) -> int:
    """End every session of ``user`` and tell the listeners (api revokes the person's
    tokens, in this transaction); the number of sessions ended."""
    ended = _end_sessions(user)
    events.emit("person_access_ended", user=user)
    return ended


@service
def user_sessions_end(
    actor: User | None, *, user: User, keep_session_key: str | None = None
) -> int:
    """A person's password changed (``actor`` is they, or None for a reset by email):
    their other sessions end, all but ``keep_session_key``'s."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied(_("People end only their own sessions."))
    return _end_sessions(user, keep_session_key=keep_session_key)


def _end_sessions(user: User, *, keep_session_key: str | None = None) -> int:
    """Each session is deleted from the session store, so the next request of its
    browser is signed out. Sessions are known by the record of each sign-in
    (allauth.usersessions, accounts.sessions)."""
    ending = [
        user_session
        for user_session in UserSession.objects.filter(user_id=user.pk)
        if not (keep_session_key and user_session.session_key == keep_session_key)
    ]
    # allauth's adapter ends them, as its sessions page does, and logs each one
    # (accounts.adapters.UserSessionsAdapter).
    get_usersessions_adapter().end_sessions(ending)
    return len(ending)


def security_event_record(
    *,
    kind: str,
    user: User | None = None,
    email: str = "",
    request=None,
    ip_address: str | None = None,
    user_agent: str | None = None,
    detail: str = "",
) -> SecurityEvent:
    """One line of the security log, about ``user`` (or the address typed, at a failed
    sign-in), from ``request``'s client unless ``ip_address`` and ``user_agent`` say
    otherwise (an ended session's own). It joins the caller's transaction, if any: the
    event is kept exactly when what it records is."""
    meta = request.META if request is not None else {}
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        email=(email or (user.email if user is not None else ""))[:254],
        organization=permissions.organization_of(user) if user is not None else None,
        ip_address=ip_address or meta.get("REMOTE_ADDR") or None,
        user_agent=(user_agent if user_agent is not None else meta.get("HTTP_USER_AGENT", ""))[
            :300
        ],
        detail=detail[:200],
    )


@service(tenant="organization")
def organization_set_require_mfa(
    actor: User, *, organization: Organization, require: bool
) -> Organization:
    """A customer administrator asks (or stops asking) every person of their organisation
    to set up a second factor before they use the help desk."""
    _require_contact_manager(actor, organization)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.require_mfa != require:
        organization.require_mfa = require
        organization.save(update_fields=["require_mfa"])
    return organization


def _is_last_active_admin(membership: Membership) -> bool:
    return not (
        Membership.objects.filter(
            organization=membership.organization, role=MemberRole.ADMIN, user__is_active=True
        )
        .exclude(pk=membership.pk)
        .exists()
    )


@service
def user_update_profile(
    actor: User,
    *,
    user: User,
    full_name: str,
    timezone_name: str,
    language: str | None = None,
    phone: str | None = None,
) -> User:
    """A person changes their own name, the time zone their pages are shown in (empty:
    their organisation's, or the vendor's for staff), their language (empty: their
    organisation's default, else their browser's; None leaves it as it is) and their
    phone number (empty: none; None leaves it as it is)."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("People change only their own profile."))
    full_name = full_name.strip()
    if not full_name:
        raise ValidationError({"full_name": _("Enter your name.")})
    validate_timezone(timezone_name)
    if language and language not in dict(language_choices()):
        raise ValidationError({"language": _("Choose one of the help desk's languages.")})
    user = User.objects.select_for_update().get(pk=user.pk)
    user.full_name = full_name
    user.timezone = timezone_name
    fields = ["full_name", "timezone"]
    if language is not None:
        user.language = language
        fields.append("language")
    if phone is not None:
        field = User._meta.get_field("phone")
        assert isinstance(field, PhoneNumberField)
        try:
            user.phone = field.clean(phone, user)
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from error
        fields.append("phone")
    user.save(update_fields=fields)
    return user


@service(tenant="single_sign_on")
def single_sign_on_member_create(*, single_sign_on: SingleSignOn, user: User) -> Membership:
    """A person's first sign-in through their organisation's identity provider: a
    plain user of that organisation (never its administrator, never staff)."""
    return Membership.objects.create(
        organization_id=single_sign_on.organization_id, user=user, role=MemberRole.USER
    )


def _domains_of_others(organization: Organization, domains: list[str]) -> list[str]:
    """Those of ``domains`` that someone outside ``organization`` has an address at:
    another organisation's people or the vendor's staff."""
    taken = []
    for domain in domains:
        outsiders = User.objects.filter(email__iendswith=f"@{domain}").exclude(
            membership__organization=organization
        )
        if outsiders.exists():
            taken.append(domain)
    return taken


@service(tenant="organization")
def single_sign_on_configure(
    actor: User,
    *,
    organization: Organization,
    name: str,
    server_url: str,
    client_id: str,
    secret: str,
    domains: list[str],
    mandatory: bool,
) -> SingleSignOn:
    """A customer administrator connects their organisation's OpenID Connect identity
    provider (or changes it): an empty ``secret`` keeps the saved one. A domain may be
    another organisation's in no way: neither on its single sign-on nor in the address of
    anyone outside this organisation (nor the staff's)."""
    _require_contact_manager(actor, organization)
    domains = sorted({domain.strip().lower() for domain in domains if domain.strip()})
    if not domains:
        raise ValidationError({"domains": _("Enter at least one email domain.")})
    existing = (
        SingleSignOn.objects.select_for_update(of=("self",))
        .select_related("app")
        .filter(organization=organization)
        .first()
    )
    # Another organisation's domains are outside this scope: looked up across them.
    with scopes_disabled():
        claimed = sorted(
            SingleSignOnDomain.objects.filter(domain__in=domains)
            .exclude(organization=organization)
            .values_list("domain", flat=True)
        )
    staff_domains = sorted(set(domains) & set(settings.STAFF_SSO_DOMAINS))
    outside = _domains_of_others(organization, domains)
    refused = sorted({*claimed, *staff_domains, *outside})
    if refused:
        raise ValidationError(
            {
                "domains": _(
                    "These domains are not only your organisation's: %(domains)s. Ask the "
                    "support team to connect them."
                )
                % {"domains": ", ".join(refused)}
            }
        )
    if existing is None:
        if not secret:
            raise ValidationError({"secret": _("Enter the client secret.")})
        app = SocialApp(provider="openid_connect", provider_id=f"org-{organization.code.lower()}")
    else:
        app = existing.app
        if app.provider != "openid_connect":
            raise PermissionDenied(_("Your single sign-on is set up by the support team."))
    app.name = name.strip()[:40] or organization.name[:40]
    app.client_id = client_id.strip()
    if secret:
        app.secret = secret
    app.settings = {**(app.settings or {}), "server_url": server_url.strip()}
    app.save()
    if existing is None:
        existing = SingleSignOn.objects.create(organization=organization, app=app)
    existing.mandatory = mandatory
    existing.save(update_fields=["mandatory"])
    SingleSignOnDomain.objects.filter(single_sign_on=existing).exclude(domain__in=domains).delete()
    kept = set(
        SingleSignOnDomain.objects.filter(single_sign_on=existing).values_list("domain", flat=True)
    )
    SingleSignOnDomain.objects.bulk_create(
        SingleSignOnDomain(organization=organization, single_sign_on=existing, domain=domain)
        for domain in domains
        if domain not in kept
    )
    return existing
