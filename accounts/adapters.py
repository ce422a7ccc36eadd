"""How django-allauth fits the help desk: nobody signs up on their own (customers are
invited by their administrator, staff are made by an administrator, people of an
organisation's single sign-on are made on their first sign-in through it), and its
messages are in the help desk's words."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from accounts import audit, saml, selectors, services, sso
from accounts.models import SecurityEventKind
from accounts.permissions import must_use_second_factor
from accounts.selectors import SECOND_FACTORS
from accounts.services import security_event_record, single_sign_on_member_create


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The same words for an unknown address and a wrong password.
        "email_password_mismatch": _(
            "Please enter a correct email address and password. Both may be case-sensitive."
        ),
    }

    def is_open_for_signup(self, request) -> bool:
        return False


class MfaAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Someone who must use a second factor keeps at least one."""
        if authenticator.type not in SECOND_FACTORS:
            return True
        if not must_use_second_factor(authenticator.user):
            return True
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTORS
        ).exclude(pk=authenticator.pk)
        return others.exists()


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions) -> None:
        """Every ended session in the security log, with its own address and browser."""
        for session in sessions:
            security_event_record(
                kind=SecurityEventKind.SESSION_ENDED,
                user=session.user,
                ip_address=session.ip,
                user_agent=session.user_agent,
                detail=session.user_agent,
            )
        super().end_sessions(sessions)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on through allauth's socialaccount: each person a provider vouches
    for is admitted by accounts.sso before anything is signed in, linked or created."""

    def _admit(self, request, sociallogin) -> sso.Admission:
        """The person's admission, decided once per sign-in: allauth asks the adapter
        up to three times for one (pre_social_login, is_open_for_signup, save_user), on
        the same sign-in object and with the same addresses. A refusal ends the sign-in;
        a sign-in carried to another request (allauth's sign-up form) is decided again."""
        admission = getattr(sociallogin, "_helpdesk_admission", None)
        if admission is None:
            admission = self._decide(request, sociallogin)
            sociallogin._helpdesk_admission = admission
        return admission

    def _decide(self, request, sociallogin) -> sso.Admission:
        app = sociallogin.provider.app
        linked = sociallogin.user if sociallogin.is_existing else None
        try:
            # Only signing in: allauth's "connect" (a provider added to whoever is
            # signed in) is not the help desk's; people are linked by their address.
            if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
                raise sso.Refused(
                    "not a sign-in", str(_("Your identity provider can only sign you in."))
                )
            return sso.admit(app=app, addresses=sociallogin.email_addresses, linked=linked)
        except sso.Refused as refusal:
            security_event_record(
                kind=SecurityEventKind.SSO_REFUSED,
                email=refusal.email,
                request=request,
                detail=f"{app.name}: {refusal.reason}",
            )
            messages.error(request, refusal.message)
            raise ImmediateHttpResponse(redirect("login")) from None

    def pre_social_login(self, request, sociallogin) -> None:
        # One try: the invitation's page sets it again for another.
        invitation_id = request.session.pop(sso.PENDING_INVITATION, None)
        admission = self._admit(request, sociallogin)
        setattr(request, audit.SSO_SIGN_IN, True)
        # The admitted, verified address is the person's (allauth reads the first).
        sociallogin.email_addresses.sort(key=lambda address: address.email != admission.email)
        if sociallogin.user is not None and not sociallogin.is_existing:
            sociallogin.user.email = admission.email
        with transaction.atomic():
            if invitation_id is not None:
                self._accept_invitation(request, invitation_id, admission)
            if admission.user is not None and not sociallogin.is_existing:
                # An existing person of the organisation (or staff, for the staff's
                # provider) signs in through it from now on.
                sociallogin.connect(request, admission.user)
                security_event_record(
                    kind=SecurityEventKind.SSO_LINKED,
                    user=admission.user,
                    request=request,
                    detail=sociallogin.provider.app.name,
                )

    def _accept_invitation(self, request, invitation_id: str, admission: sso.Admission) -> None:
        """The invitation whose page sent the person to the provider, accepted when the
        provider vouched for its own person (``admission.user``, the same object allauth
        then signs in); anyone else signs in as themselves, and it keeps waiting."""
        user = admission.user
        invitation = selectors.invitation_by_public_id(public_id=invitation_id)
        if user is None or invitation is None or invitation.user_id != user.pk:
            messages.warning(
                request,
                _(
                    "Your identity provider signed you in as %(email)s: the invitation for "
                    "another address is still waiting."
                )
                % {"email": admission.email},
            )
            return
        try:
            services.invitation_accept_through_sign_on(invitation=invitation, user=user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            raise ImmediateHttpResponse(redirect("login")) from None

    def is_email_verified(self, provider, email) -> bool:
        """A SAML identity provider's asserted address, within its domains (accounts.saml)."""
        return super().is_email_verified(provider, email) or saml.vouches_for(
            app=provider.app, email=email
        )

    def is_open_for_signup(self, request, sociallogin) -> bool:
        """Only an organisation's provider makes people, of its own domains."""
        admission = self._admit(request, sociallogin)
        return admission.single_sign_on is not None and admission.user is None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.full_name = (name or "").strip()[:150]
        user.email = (user.email or "").strip().lower()
        user.staff_role = ""
        user.is_staff = False
        user.is_superuser = False
        return user

    def save_user(self, request, sociallogin, form=None):
        """A new person, with a plain user's membership of the provider's organisation,
        in one transaction."""
        admission = self._admit(request, sociallogin)
        if admission.single_sign_on is None or admission.user is not None:
            raise ImmediateHttpResponse(redirect("login"))  # is_open_for_signup said no
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            single_sign_on_member_create(single_sign_on=admission.single_sign_on, user=user)
        return user
