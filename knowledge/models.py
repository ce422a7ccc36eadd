"""Knowledge-base articles in categories, and release notes.

Both are the vendor's content, shared by every organisation, so they carry no
``organization`` and no scoped manager: who sees what is decided by the article's
visibility (public, or chosen support tiers) and the note's products, in
:mod:`knowledge.selectors`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from sla.models import Product, SupportTier

# The text-search configuration of the article search index and of every query that
# should use it; the two must match exactly for PostgreSQL to use the index.
SEARCH_CONFIG = "english"


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower comes first.")
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")
        verbose_name = _("category")

    def __str__(self) -> str:
        return self.name


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Every customer")
    TIERS = "tiers", _("Customers of the chosen support tiers")


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(is_published=True)

    def visible_to_tier(self, tier_id: int | None) -> ArticleQuerySet:
        """Public articles, plus those for ``tier_id`` (None: public only)."""
        if tier_id is None:
            return self.filter(visibility=Visibility.PUBLIC)
        # EXISTS rather than a join, so an article for several tiers appears once.
        for_tier = Article.tiers.through.objects.filter(
            article_id=OuterRef("pk"), supporttier_id=tier_id
        )
        return self.filter(Q(visibility=Visibility.PUBLIC) | Q(Exists(for_tier)))


class Article(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences shown in lists and searches."),
    )
    body = models.TextField(_("body"), help_text=_("Markdown."))
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    tiers = models.ManyToManyField(
        SupportTier,
        blank=True,
        related_name="articles",
        help_text=_("Who may read it when visibility is limited to chosen tiers."),
        verbose_name=_("support tiers"),
    )
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Customers see published articles only.")
    )
    created_at = models.DateTimeField(_("created"), default=now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["category__position", "title"]
        # The full-text index (PostgreSQL only) is created by migration 0002, since the
        # SQLite demo database has no GIN indexes.
        indexes = [
            # The knowledge-base list: published articles of a category.
            models.Index(fields=["category", "is_published"], name="article_category_idx"),
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("article_detail", args=[self.slug])

    @property
    def is_restricted(self) -> bool:
        return self.visibility == Visibility.TIERS


class ReleaseKind(models.TextChoices):
    UPGRADE = "upgrade", _("Upgrade")
    HOTFIX = "hotfix", _("Hotfix")
    MAINTENANCE = "maintenance", _("Planned maintenance")


class ReleaseNoteQuerySet(models.QuerySet["ReleaseNote"]):
    def published(self) -> ReleaseNoteQuerySet:
        return self.filter(published_at__isnull=False)

    def for_products(self, product_ids) -> ReleaseNoteQuerySet:
        """Notes about no product in particular, or about one of ``product_ids``
        (a list or a subquery of product ids)."""
        links = ReleaseNote.products.through.objects.filter(releasenote_id=OuterRef("pk"))
        return self.filter(~Exists(links) | Exists(links.filter(product_id__in=product_ids)))


class ReleaseNote(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ReleaseKind.choices)
    body = models.TextField(_("body"), help_text=_("Markdown."))
    products = models.ManyToManyField(
        Product,
        blank=True,
        related_name="release_notes",
        help_text=_("Customers whose contract covers one of these see it; none means everyone."),
        verbose_name=_("products"),
    )
    scheduled_for = models.DateTimeField(
        _("scheduled for"),
        null=True,
        blank=True,
        help_text=_("When the rollout or the maintenance window starts."),
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration in minutes"),
        null=True,
        blank=True,
        help_text=_("Expected length of a maintenance window."),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("created"), default=now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ReleaseNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            # The customers' list: published notes, newest first.
            models.Index(fields=["-published_at"], name="releasenote_published_idx"),
        ]
        verbose_name = _("release note")
        verbose_name_plural = _("release notes")

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def ends_at(self) -> dt.datetime | None:
        if self.scheduled_for is None or not self.duration_minutes:
            return None
        return self.scheduled_for + dt.timedelta(minutes=self.duration_minutes)

    @property
    def is_upcoming(self) -> bool:
        return self.scheduled_for is not None and self.scheduled_for > now()
