"""Single sign-on's settings (django-allauth's socialaccount; docs/sign-in.md, "Single
sign-on"), made from the environment that helpdesk.settings reads and merged into it."""

from typing import Any

import environ

SSO_APPS = [
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    # SAML 2.0 (python3-saml; its views are routed and fitted in accounts.saml).
    "allauth.socialaccount.providers.saml",
]


def allauth_settings(env: environ.Env, *, installed_apps: list[str]) -> dict[str, Any]:
    return {
        "INSTALLED_APPS": [*installed_apps, *SSO_APPS],
        # Who may sign in, be created or be linked through an identity provider is the
        # adapter's to decide (accounts.adapters.SocialAccountAdapter, accounts.sso).
        "SOCIALACCOUNT_ADAPTER": "accounts.adapters.SocialAccountAdapter",
        "SOCIALACCOUNT_AUTO_SIGNUP": True,
        "SOCIALACCOUNT_EMAIL_REQUIRED": True,
        "SOCIALACCOUNT_EMAIL_VERIFICATION": "none",  # the provider's verified address only
        # A person is linked by the adapter, never by allauth's own address matching.
        "SOCIALACCOUNT_EMAIL_AUTHENTICATION": False,
        "SOCIALACCOUNT_STORE_TOKENS": False,
        # A GET of a provider's sign-in URL shows a button; only its POST leaves for the
        # provider (no sign-in forced on someone by a link).
        "SOCIALACCOUNT_LOGIN_ON_GET": False,
    }


# The vendor's own identity provider for its staff: the provider_id of its SocialApp and
# the email domains it answers for. It signs existing staff in; it never makes anyone staff.
def staff_provider_id(env: environ.Env) -> str:
    return str(env("STAFF_SSO_PROVIDER_ID", default=""))


def staff_domains(env: environ.Env) -> list[str]:
    return [domain.strip().lower() for domain in env.list("STAFF_SSO_DOMAINS", default=[])]
