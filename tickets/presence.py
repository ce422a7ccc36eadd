"""Who else has a ticket open on the agent's ticket page, and who is typing a reply.

Each open page sends a heartbeat every POLL_SECONDS (htmx polling, tickets.views
ticket_presence) and is forgotten SEEN_SECONDS after its last one: a closed tab needs no
goodbye. Kept in the shared cache only (Redis in production, as tickets.live): a poll
writes no database row, and a cache outage shows nobody rather than failing the page.

One cache entry per ticket holds every viewer's last heartbeat. Two agents' heartbeats
at the same instant may overwrite one another; the next one, seconds later, puts the
lost one back, which is good enough for a hint on a page.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

from accounts.models import User

logger = logging.getLogger(__name__)

POLL_SECONDS = 5
# Two missed heartbeats and a page is taken to be closed.
SEEN_SECONDS = 3 * POLL_SECONDS


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    typing: bool


def _key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def _now() -> float:
    return time.time()


def ticket_presence_beat(*, ticket_id: int, user: User, typing: bool) -> list[Presence]:
    """Record that ``user`` has the ticket open (and is typing a reply, or not), and
    return the others who have it open now: one cache read and one write."""
    key = _key(ticket_id)
    now = _now()
    try:
        seen: dict[int, tuple[str, float, bool]] = cache.get(key) or {}
    except Exception:  # an outage of the shared cache: nobody is shown
        logger.warning("the ticket's presence could not be read from the cache", exc_info=True)
        return []
    fresh = {uid: entry for uid, entry in seen.items() if now - entry[1] < SEEN_SECONDS}
    fresh[user.pk] = (str(user), now, typing)
    try:
        cache.set(key, fresh, SEEN_SECONDS)
    except Exception:
        logger.warning("the ticket's presence could not be kept in the cache", exc_info=True)
    return sorted(
        (
            Presence(user_id=uid, name=name, typing=is_typing)
            for uid, (name, _, is_typing) in fresh.items()
            if uid != user.pk
        ),
        key=lambda presence: presence.name,
    )
