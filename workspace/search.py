"""The workspace's global search: a reference jumps straight to its ticket; words are
looked up in titles, descriptions, replies and notes.

On PostgreSQL, words use full-text search. Tickets whose title or description holds
the words come first, best-ranked first; tickets found only by a reply or a note follow,
most recently active first, from the GIN index on REPLY_SEARCH_VECTOR (tickets.models).
The list stops at MAX_MATCHES: when more tickets hold the words, it ranks the MAX_MATCHES
newest of them, which the RUM index on Ticket.search_document (a stored column, with the
creation time attached) hands out newest first without fetching any other row. Ranking
every match instead would read every one of them first (30-odd ms for a pair of common
words at a million tickets, where this takes about half of that). A page is found in
two steps, so that only its own rows are joined and highlighted: the page's ids
(ticket_search), then its tickets (ticket_search_page). The SQLite demo falls back to
case-insensitive containment. Search is for staff, who may see every ticket and every
internal note; a customer-facing search would have to start from the scoped managers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, FloatField, Func, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber
from django_scopes import scopes_disabled

from tickets.models import REPLY_SEARCH_VECTOR, Reply, Ticket
from workspace.queues import ROW_RELATED

REFERENCE = re.compile(r"^\s*#?([A-Za-z0-9]{2,10}-\d{1,9})\s*$")
MAX_WORDS_LENGTH = 200
PAGE_SIZE = 50
# The list stops at this many matches, as the search of the commercial help desks does: a
# longer list is narrowed with more words, not paged through, and a common word costs
# no more than this many matches.
MAX_MATCHES = 1_000
MAX_PAGE_NUMBER = MAX_MATCHES // PAGE_SIZE
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


class _Newest(Func):
    """``created_at <=| far future`` of the rum extension: how long before the far future
    a ticket was created, smallest for the newest; ticket_document_recent_idx, which
    keeps each document's creation time, hands out matches in this order."""

    arg_joiner = " <=| "
    template = "(%(expressions)s)"
    output_field = FloatField()


FAR_FUTURE = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class _Distance(Func):
    """``document <=> query`` of the rum extension: how far a document is from the words
    (the reciprocal of its rank, titles weighted above descriptions): the page's order."""

    arg_joiner = " <=> "
    template = "(%(expressions)s)"
    output_field = FloatField()


# The columns both parts select, by name: the ticket, its part (0: the words are in its
# title or description, 1: only in a reply or note), its place in its part's own order
# (1 for the newest ticket; 1 for every ticket of a part that is not ranked), its
# distance, its last activity.
COLUMNS = ("pk", "part", "arrival", "distance", "last_activity_at")


def _full_text(words: str) -> tuple[QuerySet, QuerySet]:
    query = _query(words)
    newest = _Newest(F("created_at"), Value(FAR_FUTURE))
    in_tickets = (
        Ticket.objects.filter(search_document=query)
        .annotate(
            part=Value(0),
            arrival=Window(RowNumber(), order_by=newest.asc()),
            distance=_Distance(F("search_document"), query),
        )
        # The newest first, as the index gives them (PostgreSQL sorts no further key
        # after an ordering operator); the page ranks them (page_query).
        .order_by(newest.asc())
    )
    # Tickets found only by a reply or a note, most recently active first: the two parts
    # never share a ticket, so their union needs no de-duplication.
    in_replies = (
        Ticket.objects.filter(
            pk__in=Reply.objects.annotate(document=REPLY_SEARCH_VECTOR)
            .filter(document=query)
            .values("ticket_id")
        )
        .exclude(search_document=query)
        .annotate(part=Value(1), arrival=Value(1), distance=Value(0.0, output_field=FloatField()))
        .order_by("-last_activity_at", "pk")
    )
    return in_tickets.values_list(*COLUMNS), in_replies.values_list(*COLUMNS)


def _contains(words: str) -> tuple[QuerySet, None]:
    condition = Q()
    for word in words.split()[:8]:
        condition &= (
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(pk__in=Reply.objects.filter(body__icontains=word).values("ticket_id"))
        )
    matches = (
        Ticket.objects.filter(condition)
        .annotate(part=Value(0), arrival=Value(1), distance=Value(0.0, output_field=FloatField()))
        .order_by("-last_activity_at", "pk")
        .values_list(*COLUMNS)
    )
    return matches, None


def ticket_search(*, words: str) -> tuple[QuerySet, QuerySet | None]:
    """The matches of the words (stripped and cut to MAX_WORDS_LENGTH, not empty), in two
    parts, each in its order and selecting COLUMNS: the tickets whose title or
    description holds every word, newest first (page_query ranks them); then those where
    only a reply or an internal note does, most recently active first (None on SQLite,
    whose one part covers both)."""
    # Staff search covers every organisation by design.
    with scopes_disabled():
        return _full_text(words) if connection.vendor == "postgresql" else _contains(words)


class ResultPage(Page):
    """A page of results; ``more`` when the list stopped at MAX_MATCHES."""

    def __init__(self, object_list, number, paginator, *, more: bool = False):
        super().__init__(object_list, number, paginator)
        self.more = more


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


def page_query(parts: tuple[QuerySet, QuerySet | None], number: int) -> tuple[str, list]:
    """The SQL of page ``number``'s ids, best first, each beside the number of matches up
    to MAX_MATCHES + 1. Each part stops after MAX_MATCHES + 1 matches, read in its order
    from an index (the newest tickets, then the most recently active replies' tickets),
    so that a common word neither fetches nor ranks thousands of rows; the page ranks
    the tickets' part; the replies' part is not run at all when the tickets' part filled
    the list."""
    in_tickets, in_replies = parts
    offset = (number - 1) * PAGE_SIZE
    sql, params = in_tickets[: MAX_MATCHES + 1].query.sql_with_params()
    # Only the ORM's SQL and these names are put together; every value is a parameter.
    names = ", ".join(COLUMNS)
    ctes = f"in_tickets AS MATERIALIZED ({sql})"
    union = f"SELECT {names} FROM in_tickets"  # noqa: S608
    if in_replies is not None:
        replies_sql, replies_params = in_replies.query.sql_with_params()
        rest = "GREATEST(%s - (SELECT count(*) FROM in_tickets), 0)"  # how many still fit
        ctes += f", in_replies AS ({replies_sql} LIMIT {rest})"
        union += f" UNION ALL SELECT {names} FROM in_replies"  # noqa: S608
        params = (*params, *replies_params, MAX_MATCHES + 1)
    return (
        f"WITH {ctes} SELECT pk, count(*) OVER () FROM ({union}) AS matches "  # noqa: S608
        "ORDER BY part, arrival > %s, distance, last_activity_at DESC, pk LIMIT %s OFFSET %s",
        # The list stops at MAX_MATCHES, the newest tickets ranked: the one match past
        # them (the next newest) only says there are more.
        [*params, MAX_MATCHES, max(min(PAGE_SIZE, MAX_MATCHES - offset), 0), offset],
    )


def _ranked_page(parts: tuple[QuerySet, QuerySet | None], number: int) -> tuple[list[int], int]:
    """The ids of page ``number``'s matches, best first, and the number of matches up to
    MAX_MATCHES + 1, in one query (page_query)."""
    with connection.cursor() as cursor:
        cursor.execute(*page_query(parts, number))
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


def ticket_search_page(*, words: str, number: str | int | None) -> ResultPage:
    """One page of the matches as tickets with what a result shows, in two queries
    whatever the number of matches: the page's ids with the total, then their tickets
    (none without words). A page number past the end shows the last page, and one that
    is not a number the first, as Paginator.get_page does."""
    words = words.strip()[:MAX_WORDS_LENGTH]
    if not words:
        return ResultPage([], 1, Paginator(_Total(0), PAGE_SIZE))
    try:
        # No page lies past the list's cap; one past the end shows the last.
        number = min(max(int(number or 1), 1), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        number = 1
    parts = ticket_search(words=words)
    ids, total = _ranked_page(parts, number)
    if not ids and number > 1:  # past the end: count from the first page, show the last
        total = _ranked_page(parts, 1)[1]
        number = Paginator(_Total(min(total, MAX_MATCHES)), PAGE_SIZE).num_pages
        ids, total = _ranked_page(parts, number)
    # Staff search covers every organisation by design.
    with scopes_disabled():
        tickets = Ticket.objects.filter(pk__in=ids).select_related(*ROW_RELATED)
        found = {ticket.pk: ticket for ticket in tickets.annotate(snippet=_snippet(words))}
    return ResultPage(
        [found[pk] for pk in ids if pk in found],
        number,
        Paginator(_Total(min(total, MAX_MATCHES)), PAGE_SIZE),
        more=total > MAX_MATCHES,
    )
