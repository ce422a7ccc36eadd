"""Who reads which article and release note, and how search finds them."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from knowledge import selectors
from knowledge.models import ReleaseNote
from sla.models import Product

pytestmark = pytest.mark.django_db


def _slugs(articles):
    return {a.slug for a in articles}


def test_customer_sees_public_articles_and_those_for_their_tier(personas, contracts, kb):
    # ACME is on Privilege, GLBX on Standard.
    acme = selectors.article_list_for(user=personas.user_a)
    globex = selectors.article_list_for(user=personas.admin_b)

    assert _slugs(acme) == {"period-closed", "api-401", "on-call"}
    assert _slugs(globex) == {"period-closed", "api-401"}


def test_customer_without_a_valid_contract_sees_public_articles_only(personas, kb):
    assert _slugs(selectors.article_list_for(user=personas.admin_a)) == {
        "period-closed",
        "api-401",
    }


def test_staff_see_every_article_drafts_included(personas, kb):
    assert _slugs(selectors.article_list_for(user=personas.agent)) == {a.slug for a in kb.values()}


def test_a_draft_or_another_tiers_article_is_not_found_for_a_customer(personas, contracts, kb):
    with pytest.raises(Http404):
        selectors.article_get_for(user=personas.admin_a, slug="draft-layouts")
    with pytest.raises(Http404):
        selectors.article_get_for(user=personas.admin_b, slug="on-call")
    assert selectors.article_get_for(user=personas.admin_a, slug="on-call") == kb["hotline"]
    assert selectors.article_get_for(user=personas.agent, slug="draft-layouts") == kb["draft"]


def test_an_article_for_two_tiers_is_listed_once(personas, contracts, kb):
    from sla.models import SupportTier

    kb["hotline"].tiers.add(SupportTier.objects.get(slug="standard"))

    slugs = [a.slug for a in selectors.article_list_for(user=personas.admin_a)]

    assert slugs.count("on-call") == 1


def test_category_filter_and_counts_follow_visibility(personas, contracts, kb):
    categories = {
        c.slug: c.article_count for c in selectors.category_list_for(user=personas.admin_b)
    }
    erp = selectors.category_get(slug="erp")

    assert categories == {"erp": 1, "api": 1}
    assert _slugs(selectors.article_list_for(user=personas.admin_b, category=erp)) == {
        "period-closed"
    }


def test_full_text_search_matches_word_forms_and_ranks_titles_first(personas, contracts, kb):
    # "posting" stems to the same word as "post" in the body; "invoice" is in two titles.
    found = list(selectors.article_list_for(user=personas.admin_a, query="invoices posted"))

    assert [a.slug for a in found] == ["period-closed"]
    ranked = [a.slug for a in selectors.article_list_for(user=personas.admin_a, query="invoice")]
    assert ranked[0] == "period-closed"
    assert set(ranked) == {"period-closed", "on-call"}


def test_full_text_search_supports_quotes_and_exclusion(personas, contracts, kb):
    excluded = selectors.article_list_for(user=personas.admin_a, query="invoice -engineer")
    phrase = selectors.article_list_for(user=personas.admin_a, query='"new token"')

    assert _slugs(excluded) == {"period-closed"}
    assert _slugs(phrase) == {"api-401"}


def test_search_never_reveals_articles_the_customer_may_not_read(personas, contracts, kb):
    assert not selectors.article_list_for(user=personas.admin_b, query="on-call engineer")
    assert not selectors.article_list_for(user=personas.admin_a, query="layouts")


def test_article_search_uses_the_full_text_index(personas, kb):
    query = selectors.article_list_for(user=personas.agent, query="invoice")
    with connection.cursor() as cursor:
        # A handful of rows would be read sequentially; forbid that to see the plan's index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "article_search_idx" in plan


def test_sqlite_fallback_matches_every_word_anywhere(personas, contracts, kb, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")

    assert _slugs(selectors.article_list_for(user=personas.admin_a, query="TOKEN expire")) == {
        "api-401"
    }
    assert not selectors.article_list_for(user=personas.admin_a, query="token invoice")


def test_suggestions_match_any_word_of_a_ticket_title(personas, contracts, kb):
    suggested = selectors.article_suggestions_for(
        user=personas.admin_b, title="Our API token stopped working"
    )

    assert _slugs(suggested) == {"api-401"}


def test_suggestions_respect_visibility_and_ignore_short_titles(personas, contracts, kb):
    assert selectors.article_suggestions_for(user=personas.admin_b, title="ab") == []
    assert "on-call" not in _slugs(
        selectors.article_suggestions_for(user=personas.admin_b, title="on-call engineer")
    )
    assert "on-call" in _slugs(
        selectors.article_suggestions_for(user=personas.admin_a, title="on-call engineer")
    )


def test_suggestions_are_limited(personas, kb):
    from knowledge.models import Article

    for number in range(8):
        Article.objects.create(
            title=f"Payroll question {number}",
            slug=f"payroll-{number}",
            category=kb["period"].category,
            body="Payroll.",
            is_published=True,
        )

    suggested = selectors.article_suggestions_for(user=personas.admin_a, title="payroll")

    assert len(suggested) == selectors.SUGGESTION_LIMIT


# --- Release notes ------------------------------------------------------------------


def _note(slug, *, products=(), published=True, kind="upgrade", scheduled_in_days=None):
    now = timezone.now()
    note = ReleaseNote.objects.create(
        title=slug.replace("-", " "),
        slug=slug,
        kind=kind,
        body="Details.",
        published_at=now if published else None,
        scheduled_for=now + dt.timedelta(days=scheduled_in_days)
        if scheduled_in_days is not None
        else None,
    )
    note.products.set(products)
    return note


def test_customers_see_published_notes_for_their_products_or_for_everyone(personas, contracts):
    erp = contracts["version"].product
    payroll = Product.objects.create(name="Ledgerline Payroll")
    _note("general")
    _note("erp-upgrade", products=[erp])
    _note("erp-and-payroll", products=[erp, payroll])
    _note("payroll-hotfix", products=[payroll])
    _note("erp-draft", products=[erp], published=False)

    customer = {n.slug for n in selectors.release_notes_for(user=personas.admin_a)}
    staff = {n.slug for n in selectors.release_notes_for(user=personas.agent)}

    assert customer == {"general", "erp-upgrade", "erp-and-payroll"}
    assert staff == {"general", "erp-upgrade", "erp-and-payroll", "payroll-hotfix"}


def test_customer_without_contract_sees_only_general_notes(personas, contracts):
    _note("general")
    _note("erp-upgrade", products=[contracts["version"].product])
    contracts["ACME"].delete()

    assert [n.slug for n in selectors.release_notes_for(user=personas.admin_a)] == ["general"]


def test_upcoming_maintenance_lists_future_windows_soonest_first(personas, contracts):
    _note("later", kind="maintenance", scheduled_in_days=10)
    _note("sooner", kind="maintenance", scheduled_in_days=2)
    _note("past", kind="maintenance", scheduled_in_days=-1)
    _note("far-future", kind="maintenance", scheduled_in_days=90)
    _note("upgrade-soon", kind="upgrade", scheduled_in_days=3)
    _note("unpublished", kind="maintenance", scheduled_in_days=1, published=False)

    upcoming = selectors.upcoming_maintenance_for(user=personas.admin_a)

    assert [n.slug for n in upcoming] == ["sooner", "later"]
