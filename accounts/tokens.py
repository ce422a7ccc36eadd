"""One-time invitation tokens, made like Django's password-reset tokens.

The token hashes the user's password and last sign-in, so it stops working the moment the
invited contact sets a password; it is never stored. Expiry is the Invitation's own.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "helpdesk.accounts.tokens.InvitationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{timestamp}"


invitation_tokens = InvitationTokenGenerator()
