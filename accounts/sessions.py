"""Each person's sessions, as allauth.usersessions lists them: a row for every sign-in,
whatever made it, so that ending a person's sessions (accounts.services.sessions_end)
misses none."""

from allauth.usersessions.models import UserSession


def record_session(sender, request, user, **kwargs) -> None:
    """On Django's user_logged_in: the session's row, with its address and browser.
    allauth's own sign-in records it too; the session key makes it one row."""
    # Without a request from a client (a sign-in made in code) there is no browser to
    # list, and allauth could not name its address.
    if request is None or not hasattr(request, "session") or not request.META.get("REMOTE_ADDR"):
        return
    UserSession.objects.create_from_request(request, user=user)
