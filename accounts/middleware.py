"""Resolves the signed-in user's organisation and runs the request inside its scope.

Customers' requests run in ``scope(organization=...)``, so every query on a scoped
model is filtered to their organisation. Staff requests run in no scope: a staff
view that works across organisations must say so in its selector with
``scopes_disabled()``, and one that forgets raises ``ScopeError`` instead of leaking.
The Django admin is the one staff area that runs unscoped as a whole.
"""

import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.permissions import can_use_admin_site, organization_of


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
