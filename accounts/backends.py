"""Sign-in: allauth's backend (an email address, whatever its case, and a password),
loading what every request of a customer needs."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model


class UserBackend(AuthenticationBackend):
    """allauth's backend (Django's ModelBackend, finding the person by their address
    case-insensitively), whose ``get_user`` (once per request, from the session) also
    loads the user's membership and its organisation in the same query: the
    organisation scope of every customer request needs them (OrganizationScopeMiddleware),
    which took two more queries. Staff users have no membership; the join finds none."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("membership__organization")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
