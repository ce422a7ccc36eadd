"""The workspace's global search: a reference jumps straight to its ticket; words are
looked up in titles, descriptions, replies and notes.

On PostgreSQL, words use full-text search: the ``@@`` matches are served by the GIN
indexes on TICKET_SEARCH_VECTOR and REPLY_SEARCH_VECTOR (tickets.models), and the union
of both id sets is ranked by the ticket's own document. The SQLite demo falls back to
case-insensitive containment. Search is for staff, who may see every ticket and every
internal note; a customer-facing search would have to start from the scoped managers.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django_scopes import scopes_disabled

from tickets.models import REPLY_SEARCH_VECTOR, TICKET_SEARCH_VECTOR, Reply, Ticket
from tickets.queues import ROW_RELATED

REFERENCE = re.compile(r"^\s*#?([A-Za-z0-9]{2,10}-\d{1,9})\s*$")
MAX_WORDS_LENGTH = 200
# The snippet marks matches with two private-use characters, never with HTML: the
# description is customer text, so the template escapes it first and only then turns
# these two characters into <mark> (the highlight filter of workspace_tags).
MARK_START, MARK_STOP = "\ue000", "\ue001"


def as_reference(text: str) -> str | None:
    """``acme-1042`` → ``ACME-1042``; None when the text is not shaped like a reference."""
    match = REFERENCE.match(text or "")
    return match.group(1).upper() if match else None


def ticket_by_reference(*, reference: str) -> Ticket | None:
    # Staff search covers every organisation by design.
    with scopes_disabled():
        return Ticket.objects.filter(reference=reference).only("pk", "reference").first()


def _full_text(words: str) -> QuerySet[Ticket]:
    query = SearchQuery(words, config="english", search_type="websearch")
    in_tickets = Ticket.objects.annotate(document=TICKET_SEARCH_VECTOR).filter(document=query)
    in_replies = Reply.objects.annotate(document=REPLY_SEARCH_VECTOR).filter(document=query)
    # A UNION of the two index scans: an OR across the two tables could use neither index.
    matching = in_tickets.order_by().values("pk").union(in_replies.order_by().values("ticket_id"))
    return (
        Ticket.objects.filter(pk__in=matching)
        .annotate(
            rank=SearchRank(TICKET_SEARCH_VECTOR, query),
            snippet=SearchHeadline(
                "description",
                query,
                config="english",
                max_words=24,
                min_words=8,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
            ),
        )
        .order_by("-rank", "-last_activity_at", "pk")
    )


def _contains(words: str) -> QuerySet[Ticket]:
    condition = Q()
    for word in words.split()[:8]:
        condition &= (
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(pk__in=Reply.objects.filter(body__icontains=word).values("ticket_id"))
        )
    return (
        Ticket.objects.filter(condition)
        .annotate(rank=Value(0.0), snippet=F("description"))
        .order_by("-last_activity_at", "pk")
    )


def ticket_search(*, words: str) -> QuerySet[Ticket]:
    """Tickets whose title, description or any reply or note contains the words, best
    match first; a fixed number of queries whatever the number of hits (count + page)."""
    words = words.strip()[:MAX_WORDS_LENGTH]
    # Staff search covers every organisation by design.
    with scopes_disabled():
        if not words:
            return Ticket.objects.none()
        tickets = _full_text(words) if connection.vendor == "postgresql" else _contains(words)
        return tickets.select_related(*ROW_RELATED)
