"""Writes of the API app: personal tokens created and revoked."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scoping import service
from api.models import ApiToken, TokenScope

PREFIX = "hd_"
MAX_TOKENS = 20  # per person: enough for every tool, few enough to review on one page
MAX_DAYS = 366


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@service
def api_token_create(
    actor: User, *, name: str, scope: str = TokenScope.READ, expires_in_days: int | None = 90
) -> tuple[ApiToken, str]:
    """A new token of ``actor``'s own, and its text, which is shown once and never
    stored (only its hash is)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token after the tool that will use it.")})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": _("Choose read, or read and write.")})
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise ValidationError(
            {"expires_in_days": _("Choose 1 to %(max)s days.") % {"max": MAX_DAYS}}
        )
    if ApiToken.objects.filter(user=actor, revoked_at=None).count() >= MAX_TOKENS:
        raise ValidationError(
            _("You have %(max)s tokens: revoke one you no longer use.") % {"max": MAX_TOKENS}
        )
    prefix = secrets.token_hex(4)
    raw = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    at = timezone.now()
    token = ApiToken.objects.create(
        user=actor,
        name=name[:100],
        prefix=prefix,
        key_hash=token_hash(raw),
        scope=scope,
        created_at=at,
        expires_at=at + dt.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    return token, raw


@service
def api_token_revoke(actor: User, *, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise PermissionDenied(_("You can revoke your own tokens only."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_tokens_revoke_all(*, user: User) -> int:
    """Every usable token of a person whose access ended (deactivated, or no longer a
    member): revoked at once, so that reactivating them later revives none."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
