"""The workspace's global search: a reference jumps straight to its ticket; words are
looked up in titles, descriptions, replies and notes.

On PostgreSQL, words use full-text search: the ``@@`` matches are served by the GIN
indexes on Ticket.search_document (a stored column) and REPLY_SEARCH_VECTOR
(tickets.models), and the union of both is ranked by the ticket's stored document. A page
is found in two steps, so that only its own rows are joined and highlighted: the ids of
every match, ranked (ticket_search), then the page's tickets (ticket_search_page). The
SQLite demo falls back to case-insensitive containment. Search is for staff, who may see
every ticket and every internal note; a customer-facing search would have to start from
the scoped managers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Value
from django_scopes import scopes_disabled

from tickets.models import REPLY_SEARCH_VECTOR, Reply, Ticket
from workspace.queues import ROW_RELATED

REFERENCE = re.compile(r"^\s*#?([A-Za-z0-9]{2,10}-\d{1,9})\s*$")
MAX_WORDS_LENGTH = 200
PAGE_SIZE = 50
MAX_PAGE_NUMBER = 100_000  # past any real result list; keeps OFFSET a small number
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


def _query(words: str) -> SearchQuery:
    return SearchQuery(words, config="english", search_type="websearch")


def _full_text(words: str) -> QuerySet:
    query = _query(words)
    rank = SearchRank(F("search_document"), query)
    columns = ("match", "rank", "last_activity_at")
    in_tickets = Ticket.objects.filter(search_document=query)
    # Tickets found only by a reply or a note: the two parts never share a ticket, so
    # their union needs no de-duplication of the (possibly many) ticket matches.
    in_replies = Ticket.objects.filter(
        pk__in=Reply.objects.annotate(document=REPLY_SEARCH_VECTOR)
        .filter(document=query)
        .values("ticket_id")
    ).exclude(search_document=query)
    # A UNION of the two index scans: an OR across the two tables could use neither index.
    return (
        in_tickets.annotate(match=F("pk"), rank=rank)
        .order_by()
        .values_list(*columns)
        .union(
            in_replies.annotate(match=F("pk"), rank=rank).order_by().values_list(*columns),
            all=True,
        )
        .order_by("-rank", "-last_activity_at", "match")
    )


def _contains(words: str) -> QuerySet:
    condition = Q()
    for word in words.split()[:8]:
        condition &= (
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(pk__in=Reply.objects.filter(body__icontains=word).values("ticket_id"))
        )
    return (
        Ticket.objects.filter(condition)
        .annotate(match=F("pk"), rank=Value(0.0, output_field=FloatField()))
        .values_list("match", "rank", "last_activity_at")
        .order_by("-last_activity_at", "match")
    )


def ticket_search(*, words: str) -> QuerySet:
    """(id as ``match``, rank, last activity) of every ticket whose title, description or
    any reply or note contains the words (stripped and cut to MAX_WORDS_LENGTH, not
    empty), best match first."""
    # Staff search covers every organisation by design.
    with scopes_disabled():
        return _full_text(words) if connection.vendor == "postgresql" else _contains(words)


class _Total(Sequence[int]):
    """What the paginator counts: the total the page's own query found. A sequence of
    that length whose items the paginator never reads (the page holds the tickets)."""

    def __init__(self, total: int):
        self.total = total

    def count(self, value: object = None) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):  # noqa: ANN001 - never read: the page has its own items
        raise IndexError(index)


def _ranked_page(matches: QuerySet, number: int) -> tuple[list[int], int]:
    """The ids of page ``number``'s matches, best first, and the number of all matches,
    in ONE scan of them: a window count beside the top-N sort, where a separate COUNT
    would find and recheck every match a second time."""
    sql, params = matches.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT match, count(*) OVER () FROM (" + sql + ") AS matches "  # noqa: S608 - the ORM's SQL, values as parameters
            "ORDER BY rank DESC, last_activity_at DESC, match LIMIT %s OFFSET %s",
            [*params, PAGE_SIZE, (number - 1) * PAGE_SIZE],
        )
        rows = cursor.fetchall()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def _snippet(words: str):
    if connection.vendor != "postgresql":
        return F("description")
    return SearchHeadline(
        "description",
        _query(words),
        config="english",
        max_words=24,
        min_words=8,
        start_sel=MARK_START,
        stop_sel=MARK_STOP,
    )


def ticket_search_page(*, words: str, number: str | int | None) -> Page:
    """One page of the matches as tickets with what a result shows, in two queries
    whatever the number of matches: the page's ids with the total, then their tickets
    (none without words). A page number past the end shows the last page, and one that
    is not a number the first, as Paginator.get_page does."""
    words = words.strip()[:MAX_WORDS_LENGTH]
    if not words:
        return Page([], 1, Paginator(_Total(0), PAGE_SIZE))
    try:
        # Capped: a huge number would put OFFSET past what PostgreSQL accepts; any page
        # past the end shows the last one anyway.
        number = min(max(int(number or 1), 1), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        number = 1
    matches = ticket_search(words=words).order_by()
    ids, total = _ranked_page(matches, number)
    if not ids and number > 1:  # past the end: count from the first page, show the last
        number = Paginator(_Total(_ranked_page(matches, 1)[1]), PAGE_SIZE).num_pages
        ids, total = _ranked_page(matches, number)
    # Staff search covers every organisation by design.
    with scopes_disabled():
        tickets = Ticket.objects.filter(pk__in=ids).select_related(*ROW_RELATED)
        found = {ticket.pk: ticket for ticket in tickets.annotate(snippet=_snippet(words))}
    return Page(
        [found[pk] for pk in ids if pk in found], number, Paginator(_Total(total), PAGE_SIZE)
    )
