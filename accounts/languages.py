"""The language a person reads: the one rule for what is written for someone who is not
the one asking (emails, in-app notifications)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from accounts.permissions import organization_of

if TYPE_CHECKING:
    from accounts.models import User


def language_of(user: User | None) -> str:
    """The person's own choice (User.language), else their organisation's default
    (Organization.default_language), else settings.LANGUAGE_CODE. Staff have no
    organisation, so without a choice of their own they read the default language."""
    if user is None:
        return settings.LANGUAGE_CODE
    if user.language:
        return user.language
    organization = organization_of(user)
    if organization is not None and organization.default_language:
        return organization.default_language
    return settings.LANGUAGE_CODE
