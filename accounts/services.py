"""Writes of the accounts domain: invitations and contacts of an organisation.

Each function is one transaction run outside any organisation scope (accounts.scoping:
an invited person accepts before they belong to a scope), takes the acting user first
and raises ``PermissionDenied`` or ``ValidationError`` for the view to show.
"""

from __future__ import annotations

import datetime as dt

from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.modelfields import PhoneNumberField

from accounts import permissions, saml_settings, selectors, sso
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
    claimed = selectors.single_sign_on_for_email(email=email)
    if claimed is not None and claimed.organization_id != organization.pk:
        # The domain is another organisation's: its provider would never admit this
        # person here, and a password beside it would break the domain's claim. The
        # sign-in page already names the domain's provider, so this tells nothing new.
        raise ValidationError(
            {
                "email": _(
                    "Addresses at %(domain)s sign in through another organisation's "
                    "single sign-on, so they cannot be invited here."
                )
                % {"domain": selectors.email_domain(email)}
            }
        )
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


def _lock_open_invitation(invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was already used."))
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired."))
    return invitation


@service(tenant="invitation")
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """Set the password, activate the account; the link cannot be used again. A person
    of a domain whose single sign-on is mandatory has no password here: they accept
    through their identity provider (``invitation_accept_through_sign_on``)."""
    invitation = _lock_open_invitation(invitation)
    single_sign_on = selectors.mandatory_sign_on_for_email(email=invitation.user.email)
    if single_sign_on is not None:
        raise ValidationError(
            _(
                "%(organization)s signs its people in through its identity provider: "
                "accept the invitation through it."
            )
            % {"organization": single_sign_on.organization.name}
        )
    user = invitation.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


@service(tenant="invitation")
def invitation_accept_through_sign_on(*, invitation: Invitation, user: User) -> User:
    """The invited person came back from their organisation's identity provider, which
    vouched for ``user`` (accounts.sso.admit): the account is activated with the
    membership and role the invitation gave, and no password. Only the invitation's own
    person accepts it: it grants nothing to anyone else."""
    invitation = _lock_open_invitation(invitation)
    if invitation.user_id != user.pk:
        raise ValidationError(_("This invitation is for another address."))
    user.is_active = True
    user.save(update_fields=["is_active"])
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


def _claim_domains(organization: Organization, domains: list[str]) -> list[str]:
    """``domains`` normalised, or a ValidationError for the form's ``domains``: a domain
    may be another organisation's in no way, neither on its single sign-on nor in the
    address of anyone outside this organisation (nor the staff's)."""
    domains = sorted({domain.strip().lower() for domain in domains if domain.strip()})
    if not domains:
        raise ValidationError({"domains": _("Enter at least one email domain.")})
    refused = selectors.domains_not_only_of(organization=organization, domains=domains)
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
    return domains


def _connection_to_change(organization: Organization) -> SingleSignOn | None:
    """The organisation's single sign-on, locked; the support team's (one the page cannot
    show in full) is not the customer administrator's to change."""
    # Two administrators connecting a first provider at once would make two: the
    # organisation's row puts them one after the other.
    Organization.objects.select_for_update().get(pk=organization.pk)
    existing = (
        SingleSignOn.objects.select_for_update(of=("self",))
        .select_related("app")
        .filter(organization=organization)
        .first()
    )
    if existing is not None and not sso.customer_may_change(existing.app):
        raise PermissionDenied(_("Your single sign-on is set up by the support team."))
    return existing


def _unlink_if_another_provider(provider_id: str, before: tuple, after: tuple) -> None:
    """People linked to a provider (allauth's SocialAccount, by the provider's own id of
    them) are unlinked when it becomes another one (protocol, issuer or entity ID): the
    new one's ids are another namespace. They are linked again by address on their next
    sign-in (accounts.sso)."""
    if before != after:
        SocialAccount.objects.filter(provider=provider_id).delete()


def _save_connection(
    organization: Organization,
    existing: SingleSignOn | None,
    *,
    app: SocialApp,
    domains: list[str],
    mandatory: bool,
) -> SingleSignOn:
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


def _identity(app: SocialApp | None) -> tuple:
    """Which provider an app is: its protocol and its issuer or entity ID."""
    if app is None:
        return ()
    app_settings = app.settings or {}
    return (
        app.provider,
        app_settings.get("server_url"),
        (app_settings.get("idp") or {}).get("entity_id"),
    )


def _change_started(
    actor: User, organization: Organization, domains: list[str]
) -> tuple[SingleSignOn | None, list[str], SocialApp, tuple]:
    """What a customer administrator's change of the connection starts from: the
    connection (locked), the domains it may claim, its provider (a new one when none)
    and which provider that was (for _unlink_if_another_provider)."""
    _require_contact_manager(actor, organization)
    existing = _connection_to_change(organization)
    domains = _claim_domains(organization, domains)
    app = existing.app if existing is not None else SocialApp()
    return existing, domains, app, (app.provider_id, _identity(app if app.pk else None))


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
    provider (or changes it, or its SAML one for it): an empty ``secret`` keeps the saved
    one. The domains are claimed as ``_claim_domains`` says."""
    existing, domains, app, before = _change_started(actor, organization, domains)
    if app.provider != "openid_connect":
        if not secret:
            raise ValidationError({"secret": _("Enter the client secret.")})
        app.provider = "openid_connect"
        app.provider_id = selectors.oidc_provider_id_for(organization=organization, app=None)
        app.key = ""
    app.name = name.strip()[:40] or organization.name[:40]
    app.client_id = client_id.strip()
    if secret:
        app.secret = secret
    app.settings = {"server_url": server_url.strip()}
    app.save()
    if before[0]:
        _unlink_if_another_provider(before[0], before[1], _identity(app))
    return _save_connection(organization, existing, app=app, domains=domains, mandatory=mandatory)


@service(tenant="organization")
def single_sign_on_configure_saml(
    actor: User,
    *,
    organization: Organization,
    name: str,
    entity_id: str,
    sso_url: str,
    certificate: str,
    domains: list[str],
    mandatory: bool,
) -> SingleSignOn:
    """A customer administrator connects their organisation's SAML 2.0 identity provider
    (or changes it, or its OpenID Connect one for it), stored as the Django admin's
    connections are (accounts.saml_settings.page_settings): the sign-in path is the
    same. The domains are claimed as ``_claim_domains`` says."""
    existing, domains, app, before = _change_started(actor, organization, domains)
    if app.provider != "saml":
        client_id = selectors.saml_client_id_for(organization=organization, app=None)
        app.provider = "saml"
        app.provider_id = f"saml-{client_id}"
        app.client_id = client_id
        app.secret = ""
        app.key = ""
    app.name = name.strip()[:40] or organization.name[:40]
    app.settings = saml_settings.page_settings(
        entity_id=entity_id.strip(), sso_url=sso_url.strip(), certificate=certificate
    )
    app.save()
    if before[0]:
        _unlink_if_another_provider(before[0], before[1], _identity(app))
    return _save_connection(organization, existing, app=app, domains=domains, mandatory=mandatory)


@service(tenant="organization")
def single_sign_on_disconnect(actor: User, *, organization: Organization) -> None:
    """A customer administrator disconnects their organisation's identity provider: its
    domains, its links to people and the provider go; people sign in with a password
    again (those who have none choose one through "Forgot your password?")."""
    _require_contact_manager(actor, organization)
    existing = _connection_to_change(organization)
    if existing is None:
        raise ValidationError(_("No single sign-on is set up."))
    app = existing.app
    SocialAccount.objects.filter(provider=app.provider_id).delete()
    existing.delete()
    app.delete()
