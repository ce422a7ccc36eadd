from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task
def clear_expired_sessions() -> None:
    """Housekeeping: drop expired sessions (the same as ``manage.py clearsessions``)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(invitation_id: int) -> None:
    """Email the one-time link. Safe to run twice: the second link replaces the first."""
    from accounts.emails import send_invitation_email

    send_invitation_email(invitation_id)
