"""Resolves the signed-in user's organisation and runs the request inside its scope, then
activates the person's language (LanguageMiddleware).

Customers' requests run in ``scope(organization=...)``, so every query on a scoped
model is filtered to their organisation. Staff requests run in no scope: a staff
view that works across organisations must say so in its selector with
``scopes_disabled()``, and one that forgets raises ``ScopeError`` instead of leaking.
The Django admin is the one staff area that runs unscoped as a whole.
"""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django_scopes import scope, scopes_disabled

from accounts.permissions import can_use_admin_site, must_use_second_factor, organization_of
from accounts.selectors import has_second_factor
from core.request_limits import API_PATH


class OrganizationScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request):
        user = request.user
        organization = organization_of(user) if user.is_authenticated else None
        request.organization = organization
        tz_name = (
            (user.timezone if user.is_authenticated else "")
            or (organization.timezone if organization else "")
            or settings.TIME_ZONE
        )
        request.viewer_timezone = tz_name
        timezone.activate(zoneinfo.ZoneInfo(tz_name))
        try:
            if organization is not None:
                with scope(organization=organization):
                    return self.get_response(request)
            if self.admin_prefix is None:
                self.admin_prefix = reverse("admin:index")
            if request.path.startswith(self.admin_prefix) and can_use_admin_site(user):
                # Administrators configure every tenant in the admin: unscoped by design.
                with scopes_disabled():
                    return self.get_response(request)
            return self.get_response(request)
        finally:
            timezone.deactivate()


# The session's note that its person has a second factor (SecondFactorMiddleware).
SECOND_FACTOR_SEEN = "accounts.second_factor_seen"


class SecondFactorMiddleware:
    """Sends a signed-in person who must use a second factor and has none
    (permissions.must_use_second_factor) to set one up, from every page but those that
    do it (two-factor, re-authentication) and signing out. A request with an API token
    is left alone: the token was made by its person, and is revoked with them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_prefixes: tuple[str, ...] | None = None

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and getattr(request, "api_token", None) is None
            and must_use_second_factor(user)
            and not request.path.startswith(self._open_prefixes())
            and not self._has_second_factor(request)
        ):
            messages.warning(
                request,
                translation.gettext(
                    "Set up two-factor authentication to continue: an authenticator app "
                    "or a security key."
                ),
            )
            return redirect("mfa_index")
        return self.get_response(request)

    @staticmethod
    def _has_second_factor(request) -> bool:
        """Asked of the database once a session: a person who must use a second factor
        cannot remove their last one (accounts.adapters), so the answer, once yes, is
        kept in the session and spares every later page its query."""
        if request.session.get(SECOND_FACTOR_SEEN):
            return True
        if has_second_factor(user=request.user):
            request.session[SECOND_FACTOR_SEEN] = True
            return True
        return False

    def _open_prefixes(self) -> tuple[str, ...]:
        if self.open_prefixes is None:
            self.open_prefixes = (
                reverse("mfa_index"),
                reverse("account_reauthenticate"),
                reverse("logout"),
                reverse("login"),
                reverse("javascript_catalog"),
                settings.STATIC_URL
                if settings.STATIC_URL.startswith("/")
                else f"/{settings.STATIC_URL}",
            )
        return self.open_prefixes


def language_for(request) -> str:
    """The language of a request's pages: the signed-in person's own choice, else their
    organisation's default, else the browser's (Accept-Language, or Django's language
    cookie), else settings.LANGUAGE_CODE. The REST API answers machines: always in the
    help desk's own language (settings.LANGUAGE_CODE), as its webhooks do."""
    if request.path.startswith(API_PATH):
        return settings.LANGUAGE_CODE
    user = request.user
    if user.is_authenticated and user.language:
        return user.language
    organization = getattr(request, "organization", None)
    if organization is not None and organization.default_language:
        return organization.default_language
    return translation.get_language_from_request(request)


class LanguageMiddleware:
    """Activates the person's language for the request (after OrganizationScopeMiddleware,
    which finds their organisation). The URL never says the language, so the answer names
    it (Content-Language) and varies with Accept-Language for caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", translation.get_language())
            return response
        finally:
            translation.deactivate()
