from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import require
from knowledge import forms, selectors

signed_in = require(lambda user: user.is_authenticated)


@require_GET
@signed_in
def article_list(request):
    form = forms.ArticleSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    query = data.get("q", "")
    category = selectors.category_get(slug=data["category"]) if data.get("category") else None
    articles = selectors.article_list_for(user=request.user, query=query, category=category)
    page = Paginator(articles, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/article_list.html",
        {
            "form": form,
            "query": query,
            "category": category,
            "categories": selectors.category_list_for(user=request.user),
            "page": page,
        },
    )


@require_GET
@signed_in
def article_detail(request, slug: str):
    article = selectors.article_get_for(user=request.user, slug=slug)
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "article": article,
            "related": selectors.related_articles(user=request.user, article=article),
        },
    )


@require_GET
@signed_in
def article_suggest(request):
    """Articles matching a ticket title as it is typed: an htmx fragment."""
    form = forms.SuggestForm(request.GET)
    title = form.cleaned_data["title"] if form.is_valid() else ""
    articles = selectors.article_suggestions_for(user=request.user, title=title)
    return render(request, "knowledge/article_suggest.html", {"articles": articles, "title": title})


@require_GET
@signed_in
def release_note_list(request):
    form = forms.ReleaseNoteFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    notes = selectors.release_notes_for(user=request.user, kind=kind)
    page = Paginator(notes, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/release_note_list.html",
        {
            "form": form,
            "page": page,
            "upcoming": selectors.upcoming_maintenance_for(user=request.user),
        },
    )
