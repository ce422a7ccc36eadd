from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count

from knowledge import services
from knowledge.models import Article, Category, ReleaseNote, Visibility


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "article_count"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description="Articles", ordering="article_total")
    def article_count(self, obj: Category) -> int:
        return getattr(obj, "article_total", 0)


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "category",
            "summary",
            "body",
            "visibility",
            "tiers",
            "is_published",
        ]

    def clean(self):
        data = super().clean() or {}
        if data.get("visibility") == Visibility.TIERS and not data.get("tiers"):
            raise ValidationError(
                {"tiers": "Choose the support tiers whose customers may read this article."}
            )
        return data


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "category", "visibility", "is_published", "updated_at"]
    list_filter = ["is_published", "visibility", "category", "tiers"]
    list_select_related = ["category"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["tiers"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "category", "summary", "body"]}),
        ("Who may read it", {"fields": ["visibility", "tiers", "is_published"]}),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
    ]
    actions = ["publish_articles", "unpublish_articles"]

    @admin.action(description="Publish the selected articles")
    def publish_articles(self, request, queryset):
        count = queryset.filter(is_published=False).update(is_published=True)
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)

    @admin.action(description="Withdraw the selected articles (back to draft)")
    def unpublish_articles(self, request, queryset):
        count = queryset.filter(is_published=True).update(is_published=False)
        self.message_user(request, f"Withdrew {count} article(s).", messages.SUCCESS)


@admin.register(ReleaseNote)
class ReleaseNoteAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "scheduled_for", "published_at", "published_by"]
    list_filter = ["kind", ("published_at", admin.EmptyFieldListFilter), "products"]
    list_select_related = ["published_by"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["products"]
    readonly_fields = ["published_at", "published_by", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    actions = ["publish"]

    @admin.action(description="Publish the selected notes and email customer administrators")
    def publish(self, request, queryset):
        published = skipped = 0
        for note in queryset:
            if note.published_at is not None:
                skipped += 1
                continue
            services.release_note_publish(request.user, release_note=note)
            published += 1
        text = f"Published {published} note(s); customer administrators are being emailed."
        if skipped:
            text += f" {skipped} note(s) were already published and were left alone."
        self.message_user(request, text, messages.SUCCESS)
