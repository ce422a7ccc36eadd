"""Personal API tokens at the door: ``Authorization: Bearer hd_…`` on a request under
/api/ signs its person in for that one request.

The middleware runs before the organisation's scope is resolved
(accounts.middleware.OrganizationScopeMiddleware), so an API request runs in its
person's organisation exactly as their pages do; Django REST framework then reads the
person and the token it found (TokenAuthentication), and a page's own script uses its
session instead (SessionAuthentication, with its CSRF check).
"""

from __future__ import annotations

import datetime as dt
import hmac

from django.http import JsonResponse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken, TokenScope
from api.services import PREFIX, token_hash
from core.request_limits import API_PATH

# last_used_at is written at most once a minute per token: a busy script costs no write
# per request.
LAST_USE_RESOLUTION = dt.timedelta(minutes=1)
INVALID = (
    "The token is not valid: it is unknown, revoked or expired, or its person can no "
    "longer sign in."
)


def token_for(raw: str) -> ApiToken | None:
    """The usable token whose text is ``raw``, with its person, or None."""
    if not raw.startswith(PREFIX) or raw.count("_") < 2:
        return None
    prefix = raw[len(PREFIX) :].split("_", 1)[0]
    token = (
        ApiToken.objects.select_related("user__membership__organization")
        .filter(prefix=prefix)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, token_hash(raw)):
        return None
    at = timezone.now()
    if not token.usable_at(at) or not token.user.is_active:
        return None
    if token.last_used_at is None or at - token.last_used_at > LAST_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
        token.last_used_at = at
    return token


class ApiTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if not (request.path.startswith(API_PATH) and header[:7].lower() == "bearer "):
            return self.get_response(request)
        token = token_for(header[7:].strip())
        if token is None:
            return JsonResponse(
                {"detail": INVALID}, status=401, headers={"WWW-Authenticate": "Bearer"}
            )
        request.user = token.user
        request.api_token = token
        # A token is sent by a script, never by a browser on its own: no cross-site
        # request can carry it, so the CSRF check (for cookies) does not apply.
        request._dont_enforce_csrf_checks = True
        return self.get_response(request)


class TokenAuthentication(BaseAuthentication):
    """The person and token the middleware found."""

    def authenticate(self, request):
        token = getattr(request._request, "api_token", None)
        return None if token is None else (request._request.user, token)

    def authenticate_header(self, request) -> str:
        return "Bearer"


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the schema names TokenAuthentication: HTTP bearer."""

    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token: hd_<prefix>_<secret>.",
        }


class TokenScopeAllows(BasePermission):
    """A read token reads only; a session or a read-and-write token may also write."""

    message = "This token may only read: create a token with read and write for this."

    def has_permission(self, request, view) -> bool:
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return request.method in SAFE_METHODS or token is None or token.scope == TokenScope.WRITE


class PerTokenThrottle(SimpleRateThrottle):
    """So many requests a minute per token (a session: per person), API_RATE."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"t{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
