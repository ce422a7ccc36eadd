"""What a user may do: the one place that answers it, used by views and services alike."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.models import MemberRole, Organization, StaffRole

if TYPE_CHECKING:
    from accounts.models import Membership, User

MANAGER_ROLES = {StaffRole.MANAGER, StaffRole.ADMINISTRATOR}
# The statuses in which a ticket's requester is asked how we did (tickets.Status values:
# the accounts app sits below tickets and cannot import them).
SURVEYED_STATUSES = ("resolved", "closed")


def membership_of(user: User) -> Membership | None:
    """The user's membership, loaded through the unscoped one-to-one accessor."""
    if not user.is_authenticated or user.staff_role:
        return None
    try:
        return user.membership
    except user.__class__.membership.RelatedObjectDoesNotExist:
        return None


def organization_of(user: User) -> Organization | None:
    membership = membership_of(user)
    if membership is None or not membership.organization.is_active:
        return None
    return membership.organization


def is_staff_member(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.staff_role)


def is_manager(user: User) -> bool:
    return is_staff_member(user) and user.staff_role in MANAGER_ROLES


def is_customer(user: User) -> bool:
    return organization_of(user) is not None


def is_customer_admin(user: User) -> bool:
    membership = membership_of(user)
    return bool(
        membership and membership.organization.is_active and membership.role == MemberRole.ADMIN
    )


def can_manage_contacts(user: User, organization: Organization) -> bool:
    """Customer administrators manage the contacts of their own organisation only."""
    return is_customer_admin(user) and organization_of(user) == organization


def must_use_second_factor(user: User) -> bool:
    """Staff, when settings.STAFF_REQUIRE_MFA says so, and the people of an organisation
    that requires it set up a second factor before they may use the help desk."""
    if not user.is_authenticated:
        return False
    if user.staff_role:
        return bool(settings.STAFF_REQUIRE_MFA)
    organization = organization_of(user)
    return bool(organization and organization.require_mfa)


def can_read_security_log(user: User) -> bool:
    """The vendor's administrators read every organisation's sign-in events."""
    return is_staff_member(user) and user.staff_role == StaffRole.ADMINISTRATOR


def can_use_admin_site(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def require(predicate):
    """View decorator: sign-in first, then ``predicate(user)`` or a 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- Tickets ---------------------------------------------------------------------------


def can_work_tickets(user: User) -> bool:
    """Reply as support, add internal notes, triage, assign, change status."""
    return is_staff_member(user)


def can_assign_ticket(user: User, ticket) -> bool:
    return is_staff_member(user)


def can_handle_escalations(user: User) -> bool:
    return is_manager(user)


def can_answer_survey(user: User, ticket) -> bool:
    """The satisfaction survey of a resolved or closed ticket is its requester's, while
    they are still an active person of the ticket's organisation."""
    if not (user.is_authenticated and user.is_active and ticket.requester_id == user.pk):
        return False
    organization = organization_of(user)
    return (
        organization is not None
        and organization.pk == ticket.organization_id
        and ticket.status in SURVEYED_STATUSES
    )


def can_view_survey(user: User, ticket) -> bool:
    """Staff, and the people of the ticket's own organisation who may see the ticket
    (the caller has loaded it through tickets.visibility): never another organisation."""
    if is_staff_member(user):
        return True
    organization = organization_of(user)
    return organization is not None and organization.pk == ticket.organization_id


def can_log_ticket_for(user: User, organization: Organization) -> bool:
    """Customers log tickets for their own organisation; staff for any, on their behalf."""
    if is_staff_member(user):
        return True
    own = organization_of(user)
    return own is not None and own.pk == organization.pk


# --- The dashboard ------------------------------------------------------------------


def can_view_dashboard(user: User) -> bool:
    """Managers and administrators see every organisation's figures."""
    return is_manager(user)


def can_view_organization_pages(user: User) -> bool:
    """Managers, and the Client Engagement Manager of some organisation."""
    if is_manager(user):
        return True
    return is_staff_member(user) and Organization.objects.filter(cem=user).exists()
