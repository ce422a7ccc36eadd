"""Who may sign in through an identity provider (single sign-on; docs/sign-in.md).

allauth's socialaccount runs the protocol (OpenID Connect now, SAML alike); its adapter
(accounts.adapters.SocialAccountAdapter) asks ``admit`` about each person a provider
vouches for, before anyone is signed in, linked or created:

- an organisation's provider answers for its own email domains only: a person of one
  of them is signed in, linked (an existing person of that organisation) or created as
  a plain user of that organisation; any other address is refused;
- the vendor's own provider (settings.STAFF_SSO_PROVIDER_ID) signs in existing staff of
  the vendor's domains (settings.STAFF_SSO_DOMAINS); it never makes anyone staff.

Only an address the provider says it verified counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.utils.translation import gettext as _

from accounts import saml_settings, selectors
from accounts.models import SingleSignOn, User

# The session's invitation being accepted through the identity provider: its public id,
# put there by the invitation's page (accounts.views.invitation_accept, after its token
# was checked) and taken by the adapter when the provider sends the person back.
PENDING_INVITATION = "sso_pending_invitation"


class Refused(Exception):
    """The provider's person may not sign in here: ``reason`` goes to the security log,
    ``message`` to the person."""

    def __init__(self, reason: str, message: str, email: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.email = email


@dataclass(frozen=True)
class Admission:
    email: str
    # The organisation's single sign-on; None for the staff's provider.
    single_sign_on: SingleSignOn | None
    # The person signed in (None: a new person of the organisation, to be created).
    user: User | None


def verified_email(addresses) -> str:
    """The provider's verified address (its primary one first), lower-case; "" if none.
    ``addresses`` are allauth's EmailAddress objects of the social login."""
    verified = [address for address in addresses if address.verified]
    verified.sort(key=lambda address: not address.primary)
    return verified[0].email.strip().lower() if verified else ""


def is_staff_app(app: SocialApp) -> bool:
    return bool(settings.STAFF_SSO_PROVIDER_ID) and app.provider_id == (
        settings.STAFF_SSO_PROVIDER_ID
    )


def _person(email: str, linked: User | None) -> User | None:
    if linked is not None:
        return linked
    return User.objects.select_related("membership").filter(email__iexact=email).first()


def admit(*, app: SocialApp, addresses, linked: User | None) -> Admission:
    """Who signs in through ``app`` with these addresses (``linked``: the person its
    account is already linked to), or ``Refused``."""
    email = verified_email(addresses)
    if not email:
        raise Refused(
            "no verified address",
            _("Your identity provider did not confirm an email address for you."),
        )
    domain = selectors.email_domain(email)
    if is_staff_app(app):
        person = _person(email, linked)
        if (
            not selectors.is_staff_sign_on_domain(domain)
            or person is None
            or not person.staff_role
            or hasattr(person, "membership")
        ):
            raise Refused(
                "not a staff account",
                _("This identity provider signs in the support team's existing accounts only."),
                email,
            )
        return Admission(email=email, single_sign_on=None, user=person)
    single_sign_on = selectors.single_sign_on_for_app(app=app)
    if single_sign_on is None or not single_sign_on.organization.is_active:
        raise Refused(
            "provider of no organisation",
            _("This identity provider signs in nobody here."),
            email,
        )
    domains = {row.domain for row in single_sign_on.domains.all()}
    if domain not in domains:
        raise Refused(
            "foreign domain",
            _(
                "Your identity provider signs in the addresses of %(organization)s only; "
                "%(email)s is not one of them."
            )
            % {"organization": single_sign_on.organization.name, "email": email},
            email,
        )
    person = _person(email, linked)
    if person is not None:
        membership = getattr(person, "membership", None)
        if (
            person.staff_role
            or membership is None
            or membership.organization_id != single_sign_on.organization_id
        ):
            raise Refused(
                "account of another organisation",
                _("Your account cannot sign in through this identity provider."),
                email,
            )
    return Admission(email=email, single_sign_on=single_sign_on, user=person)


def customer_may_change(app: SocialApp) -> bool:
    """Whether the organisation's customer administrator may change or disconnect its
    identity provider on their page: an OpenID Connect one, or a SAML one the page shows
    in full (accounts.saml_settings.is_page_settings); any other is the support team's."""
    if app.provider == "openid_connect":
        return True
    return app.provider == "saml" and saml_settings.is_page_settings(app.settings)


def allow_form_action(response, url: str) -> None:
    """Let the page's "Continue to <provider>" form be sent to ``url``'s origin: the
    site's Content-Security-Policy sends forms to this site only (django-csp's
    per-response update)."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
