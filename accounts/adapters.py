"""How django-allauth fits the help desk: nobody signs up on their own (customers are
invited by their administrator, staff are made by an administrator), and its messages
are in the help desk's words."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.utils.translation import gettext_lazy as _

from accounts.models import SecurityEventKind
from accounts.permissions import must_use_second_factor
from accounts.selectors import SECOND_FACTORS
from accounts.services import security_event_record


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The same words for an unknown address and a wrong password.
        "email_password_mismatch": _(
            "Please enter a correct email address and password. Both may be case-sensitive."
        ),
    }

    def is_open_for_signup(self, request) -> bool:
        return False


class MfaAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Someone who must use a second factor keeps at least one."""
        if authenticator.type not in SECOND_FACTORS:
            return True
        if not must_use_second_factor(authenticator.user):
            return True
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTORS
        ).exclude(pk=authenticator.pk)
        return others.exists()


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions) -> None:
        """Every ended session in the security log, with its own address and browser."""
        for session in sessions:
            security_event_record(
                kind=SecurityEventKind.SESSION_ENDED,
                user=session.user,
                ip_address=session.ip,
                user_agent=session.user_agent,
                detail=session.user_agent,
            )
        super().end_sessions(sessions)
