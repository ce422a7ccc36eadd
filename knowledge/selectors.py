"""Reads of the knowledge base and the release notes: who sees which article and note.

Staff see everything, drafts included. Customers see published articles that are
public or meant for the support tier of their contract in force, and published release
notes about no product in particular or about a product their contract covers.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import CombinedExpression
from django.http import Http404
from django.utils import timezone

from accounts import permissions
from accounts.models import User
from knowledge.models import (
    SEARCH_CONFIG,
    Article,
    Category,
    ReleaseKind,
    ReleaseNote,
)
from sla.models import Contract, ProductVersion
from sla.selectors import contract_in_force

SUGGESTION_LIMIT = 5
_WORD = re.compile(r"\w{3,}")


def article_search_vector() -> CombinedExpression:
    """The document that article searches match; identical to the GIN index's expression
    in migration 0002, so that PostgreSQL answers searches from the index."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("body", weight="C", config=SEARCH_CONFIG)
    )


def _contract_of(user: User) -> Contract | None:
    organization = permissions.organization_of(user)
    return contract_in_force(organization=organization) if organization else None


def visible_articles(*, user: User) -> QuerySet[Article]:
    if permissions.is_staff_member(user):
        return Article.objects.all()
    contract = _contract_of(user)
    return Article.objects.published().visible_to_tier(contract.tier_id if contract else None)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())[:10]


def _search(articles: QuerySet[Article], query: str, *, any_word: bool) -> QuerySet[Article]:
    """Best matches first. ``any_word`` matches articles with any of the words (for
    suggestions from a ticket's title); otherwise a web-style search where every word
    counts and "quotes", or and -not work."""
    if connection.vendor == "postgresql":
        if any_word:
            words = _words(query)
            if not words:
                return articles.none()
            search = reduce(
                or_, (SearchQuery(w, config=SEARCH_CONFIG, search_type="plain") for w in words)
            )
        else:
            search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        vector = article_search_vector()
        return (
            articles.annotate(document=vector, rank=SearchRank(vector, search))
            .filter(document=search)
            .order_by("-rank", "title")
        )
    # SQLite (the demo): every word, or any word, somewhere in the text.
    words = _words(query) if any_word else query.split()
    if not words:
        return articles.none()
    matches = [
        Q(title__icontains=w) | Q(summary__icontains=w) | Q(body__icontains=w) for w in words
    ]
    return articles.filter(reduce(or_ if any_word else and_, matches)).order_by("title")


def article_list_for(
    *, user: User, query: str = "", category: Category | None = None
) -> QuerySet[Article]:
    articles = visible_articles(user=user).select_related("category")
    if category is not None:
        articles = articles.filter(category=category)
    if query.strip():
        return _search(articles, query.strip(), any_word=False)
    return articles.order_by("category__position", "category__name", "title")


def category_list_for(*, user: User) -> list[Category]:
    """Categories that hold an article this user may read, each with ``article_count``."""
    visible = visible_articles(user=user)
    return list(
        Category.objects.annotate(article_count=Count("articles", filter=Q(articles__in=visible)))
        .filter(article_count__gt=0)
        .order_by("position", "name")
    )


def category_get(*, slug: str) -> Category | None:
    return Category.objects.filter(slug=slug).first()


def article_get_for(*, user: User, slug: str) -> Article:
    """One article; a draft, or one for another tier, is a 404 for customers, the same
    answer as a missing one."""
    article = visible_articles(user=user).select_related("category").filter(slug=slug).first()
    if article is None:
        raise Http404("No such article.")
    return article


def article_suggestions_for(*, user: User, title: str) -> list[Article]:
    """Articles that may answer a ticket about to be logged under ``title``."""
    if len(title.strip()) < 3:
        return []
    articles = visible_articles(user=user).select_related("category")
    return list(_search(articles, title, any_word=True)[:SUGGESTION_LIMIT])


def related_articles(*, user: User, article: Article, limit: int = 4) -> list[Article]:
    return list(
        visible_articles(user=user)
        .filter(category_id=article.category_id)
        .exclude(pk=article.pk)
        .order_by("title")[:limit]
    )


# --- Release notes ------------------------------------------------------------------


def release_notes_for(*, user: User, kind: str = "") -> QuerySet[ReleaseNote]:
    """Published notes this user should read, newest first, with their products."""
    notes = ReleaseNote.objects.published().prefetch_related("products")
    if kind:
        notes = notes.filter(kind=kind)
    if not permissions.is_staff_member(user):
        contract = _contract_of(user)
        covered = (
            ProductVersion.objects.filter(contracts=contract).values("product_id")
            if contract
            else []
        )
        notes = notes.for_products(covered)
    return notes.order_by("-published_at", "-pk")


def upcoming_maintenance_for(
    *, user: User, at: dt.datetime | None = None, within_days: int = 30
) -> list[ReleaseNote]:
    """Published maintenance windows that start within the next ``within_days``."""
    at = at or timezone.now()
    return list(
        release_notes_for(user=user)
        .filter(
            kind=ReleaseKind.MAINTENANCE,
            scheduled_for__gt=at,
            scheduled_for__lte=at + dt.timedelta(days=within_days),
        )
        .order_by("scheduled_for")
    )
