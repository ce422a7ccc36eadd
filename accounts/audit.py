"""The security log's listeners: sign-ins and failed ones (Django's signals, whatever
made them), and second factors added and removed (allauth.mfa's). Ended sessions are
logged where they end (accounts.adapters.UserSessionsAdapter), single sign-on's links
and refusals by accounts.adapters.SocialAccountAdapter. Connected in accounts.apps."""

from allauth.account.signals import user_logged_in as allauth_user_logged_in
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_login_failed

from accounts.models import SecurityEventKind
from accounts.services import security_event_record

# Set on the request by the single sign-on adapter: this sign-in is logged as one.
SSO_SIGN_IN = "sso_sign_in"


def signed_in(sender, request, user, **kwargs) -> None:
    if request is not None and getattr(request, SSO_SIGN_IN, False):
        return  # signed_in_by_sso logs it, naming the provider
    security_event_record(kind=SecurityEventKind.SIGNED_IN, user=user, request=request)


def signed_in_by_sso(sender, request, user, sociallogin=None, **kwargs) -> None:
    """allauth's own signal, after Django's: a sign-in through an identity provider."""
    if sociallogin is None:
        return
    security_event_record(
        kind=SecurityEventKind.SSO_SIGNED_IN,
        user=user,
        request=request,
        detail=sociallogin.provider.app.name if sociallogin.provider.app else "",
    )


def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    """A wrong password, an unknown address or a locked-out one (django-axes refuses it
    the same way). Django has already masked the password in ``credentials``."""
    email = str(credentials.get("email") or credentials.get("username") or "")
    security_event_record(kind=SecurityEventKind.SIGN_IN_FAILED, email=email, request=request)


def second_factor_added(sender, request, user, authenticator, **kwargs) -> None:
    security_event_record(
        kind=SecurityEventKind.SECOND_FACTOR_ADDED,
        user=user,
        request=request,
        detail=str(authenticator.get_type_display()),
    )


def second_factor_removed(sender, request, user, authenticator, **kwargs) -> None:
    security_event_record(
        kind=SecurityEventKind.SECOND_FACTOR_REMOVED,
        user=user,
        request=request,
        detail=str(authenticator.get_type_display()),
    )


def connect() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="accounts.audit.signed_in")
    allauth_user_logged_in.connect(signed_in_by_sso, dispatch_uid="accounts.audit.sso")
    user_login_failed.connect(sign_in_failed, dispatch_uid="accounts.audit.sign_in_failed")
    authenticator_added.connect(second_factor_added, dispatch_uid="accounts.audit.added")
    authenticator_removed.connect(second_factor_removed, dispatch_uid="accounts.audit.removed")
