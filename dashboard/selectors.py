"""Reads of the dashboard that are neither live lists (dashboard.current) nor figures over
a period (dashboard.period): the organisation a page is about."""

from django.http import Http404

from accounts import permissions
from accounts.models import Organization, User


def organization_for(*, user: User, code: str) -> Organization:
    """An organisation whose pages this user may see: managers see every one, a CEM the
    organisations they look after; any other code is a 404, like a missing one."""
    organization = Organization.objects.select_related("cem").filter(code=code.upper()).first()
    if organization is None:
        raise Http404("No such organisation.")
    if not permissions.is_manager(user) and organization.cem_id != user.pk:
        raise Http404("No such organisation.")
    return organization
