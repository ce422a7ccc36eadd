from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        """Record every sign-in's session, however it was made (allauth's sign-in, an
        accepted invitation), so that a person's sessions can be listed and ended
        (accounts.sessions)."""
        from django.contrib.auth.signals import user_logged_in

        from accounts import audit
        from accounts.sessions import record_session

        user_logged_in.connect(record_session, dispatch_uid="accounts.record_session")
        # The security log: sign-ins, failed ones, second factors added and removed.
        audit.connect()
