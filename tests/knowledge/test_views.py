"""The knowledge base, the article suggestions and the release notes pages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledge.models import ReleaseNote

pytestmark = pytest.mark.django_db


def test_knowledge_base_lists_categories_and_articles(client, personas, contracts, kb):
    client.force_login(personas.admin_a)

    response = client.get(reverse("article_list"))

    page = response.content.decode()
    assert "Ledgerline ERP" in page and "Connect API" in page
    assert "Invoice posting fails with period closed" in page
    assert "Reaching the on-call engineer after hours" in page  # ACME is on Privilege
    assert "Draft: new invoice layouts" not in page


def test_knowledge_base_search_shows_the_number_of_matches(client, personas, contracts, kb):
    client.force_login(personas.admin_a)

    response = client.get(reverse("article_list"), {"q": "token"})

    assert "1 article for “token”" in response.content.decode()
    assert [a.slug for a in response.context["page"].object_list] == ["api-401"]


def test_knowledge_base_category_filter(client, personas, contracts, kb):
    client.force_login(personas.admin_a)

    response = client.get(reverse("article_list"), {"category": "api"})

    assert [a.slug for a in response.context["page"].object_list] == ["api-401"]


def test_article_page_renders_sanitised_markdown(client, personas, kb):
    kb["period"].body = "**Bold** and <script>alert(1)</script> [x](javascript:alert(1))"
    kb["period"].save()
    client.force_login(personas.user_a)

    page = client.get(reverse("article_detail", args=["period-closed"])).content.decode()

    assert "<strong>Bold</strong>" in page
    assert "<script>alert" not in page
    assert 'href="javascript' not in page


@pytest.mark.parametrize("slug", ["draft-layouts", "on-call", "no-such-article"])
def test_article_hidden_from_a_customer_is_a_404(client, personas, contracts, kb, slug):
    client.force_login(personas.admin_b)  # Standard tier: no on-call article

    assert client.get(reverse("article_detail", args=[slug])).status_code == 404


def test_staff_read_drafts_with_a_draft_badge(client, personas, kb):
    client.force_login(personas.agent)

    page = client.get(reverse("article_detail", args=["draft-layouts"])).content.decode()

    assert "Draft: customers cannot see it" in page


def test_knowledge_base_needs_sign_in(client, kb):
    response = client.get(reverse("article_detail", args=["period-closed"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_suggestions_fragment_lists_matching_articles(client, personas, contracts, kb):
    client.force_login(personas.admin_a)

    response = client.get(
        reverse("article_suggest"), {"title": "API token expired"}, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "These articles may answer it" in page
    assert reverse("article_detail", args=["api-401"]) in page
    assert "<html" not in page  # a fragment, not a page


def test_suggestions_fragment_is_empty_without_a_match(client, personas, contracts, kb):
    client.force_login(personas.admin_a)

    response = client.get(reverse("article_suggest"), {"title": "zzzz qqqq"})

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_release_notes_page_shows_published_notes_and_upcoming_windows(client, personas, contracts):
    import datetime as dt

    now = timezone.now()
    ReleaseNote.objects.create(
        title="ERP 8.1 is available", slug="erp-81", kind="upgrade", body="New.", published_at=now
    )
    ReleaseNote.objects.create(
        title="Cloud maintenance",
        slug="cloud",
        kind="maintenance",
        body="Outage.",
        published_at=now,
        scheduled_for=now + dt.timedelta(days=2),
        duration_minutes=60,
    )
    ReleaseNote.objects.create(title="Unpublished", slug="draft", kind="hotfix", body="x")
    client.force_login(personas.user_a)

    page = client.get(reverse("release_note_list")).content.decode()

    assert "ERP 8.1 is available" in page
    assert "Coming up" in page and "Cloud maintenance" in page
    assert "Unpublished" not in page


def test_release_notes_filter_by_kind(client, personas):
    now = timezone.now()
    ReleaseNote.objects.create(title="Up", slug="up", kind="upgrade", body=".", published_at=now)
    ReleaseNote.objects.create(title="Fix", slug="fix", kind="hotfix", body=".", published_at=now)
    client.force_login(personas.user_a)

    response = client.get(reverse("release_note_list"), {"kind": "hotfix"})

    assert [n.slug for n in response.context["page"].object_list] == ["fix"]


@pytest.mark.parametrize("name", ["article_list", "release_note_list", "article_suggest"])
def test_pages_answer_in_a_fixed_number_of_queries(
    client, personas, contracts, kb, django_assert_max_num_queries, name
):
    client.force_login(personas.admin_a)
    with django_assert_max_num_queries(10):
        assert client.get(reverse(name), {"title": "invoice"}).status_code == 200
