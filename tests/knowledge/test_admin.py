"""Staff write articles and publish release notes in the Django admin."""

import pytest
from django.urls import reverse

from knowledge.models import Article, Category, ReleaseNote
from sla.models import SupportTier

pytestmark = pytest.mark.django_db


def test_publish_action_publishes_drafts_and_leaves_published_notes_alone(client, personas):
    import datetime as dt

    from django.utils import timezone

    earlier = timezone.now() - dt.timedelta(days=3)
    draft = ReleaseNote.objects.create(title="Draft", slug="d", kind="hotfix", body="x")
    done = ReleaseNote.objects.create(
        title="Done", slug="p", kind="hotfix", body="x", published_at=earlier
    )
    client.force_login(personas.administrator)

    response = client.post(
        reverse("admin:knowledge_releasenote_changelist"),
        {"action": "publish", "_selected_action": [draft.pk, done.pk]},
        follow=True,
    )

    assert "Published 1 note(s)" in response.content.decode()
    assert "1 note(s) were already published" in response.content.decode()
    draft.refresh_from_db()
    done.refresh_from_db()
    assert draft.published_by == personas.administrator
    assert done.published_at == earlier


def test_an_article_for_chosen_tiers_needs_at_least_one_tier(client, personas):
    category = Category.objects.create(name="ERP", slug="erp")
    client.force_login(personas.administrator)
    data = {
        "title": "Tier article",
        "slug": "tier-article",
        "category": category.pk,
        "summary": "",
        "body": "Body",
        "visibility": "tiers",
        "is_published": "on",
    }

    refused = client.post(reverse("admin:knowledge_article_add"), data)
    accepted = client.post(
        reverse("admin:knowledge_article_add"),
        {**data, "tiers": [SupportTier.objects.get(slug="24x7").pk]},
    )

    assert refused.status_code == 200
    assert "Choose the support tiers" in refused.content.decode()
    assert accepted.status_code == 302
    assert list(Article.objects.get(slug="tier-article").tiers.values_list("slug", flat=True)) == [
        "24x7"
    ]
