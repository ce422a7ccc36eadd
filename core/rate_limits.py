"""A fixed-window count of requests per person and action, in the shared cache, for
the small endpoints a page's script calls as someone types or pastes (tickets.views).
The API has its own throttle (api.authentication); sign-in has allauth's."""

from __future__ import annotations

import time

from django.core.cache import cache


def allow(action: str, who: object, *, limit: int, per_seconds: int = 60) -> bool:
    """Count one more request of ``who`` for ``action``; False once past ``limit`` in
    the current window of ``per_seconds``."""
    window = int(time.time()) // per_seconds
    key = f"rate:{action}:{who}:{window}"
    # add() is atomic: the first request of the window creates the counter.
    if cache.add(key, 1, timeout=per_seconds + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=per_seconds + 1)
        return True
    return count <= limit
