"""The messages a page shows after a redirect ("Saved …", a form's first error), kept
short: an error may quote what was sent (a choice that is not one), and a megabyte
sent as one would otherwise be carried whole in the message cookie, or the session
when the cookie cannot hold it, and compressed again at every try to fit it."""

from django.contrib.messages.storage.fallback import FallbackStorage
from django.utils.safestring import SafeData

MESSAGE_MAX_CHARS = 500


def bounded(text: str, limit: int = MESSAGE_MAX_CHARS) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


class BoundedStorage(FallbackStorage):
    """Django's storage (a cookie, else the session), with each message cut to
    MESSAGE_MAX_CHARS characters (our own marked-up messages are left whole)."""

    def add(self, level, message, extra_tags=""):
        if not isinstance(message, SafeData):
            message = bounded(str(message))
        super().add(level, message, extra_tags)
