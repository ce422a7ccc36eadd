import pytest

from knowledge.models import Article, Category, Visibility
from sla.models import SupportTier


@pytest.fixture
def kb(db):
    """A small knowledge base: public articles, one for Privilege customers only, and
    a draft."""
    erp = Category.objects.create(name="Ledgerline ERP", slug="erp", position=1)
    api = Category.objects.create(name="Connect API", slug="api", position=2)
    articles = {
        "period": Article.objects.create(
            title="Invoice posting fails with period closed",
            slug="period-closed",
            category=erp,
            summary="Reopen the accounting period or post into the next one.",
            body="Ledgerline refuses to **post** an invoice into a closed period.",
            is_published=True,
        ),
        "token": Article.objects.create(
            title="Connect API answers 401 Unauthorized",
            slug="api-401",
            category=api,
            body="Tokens expire after 60 minutes; request a new token.",
            is_published=True,
        ),
        "hotline": Article.objects.create(
            title="Reaching the on-call engineer after hours",
            slug="on-call",
            category=erp,
            body="Critical invoices and outages page the on-call engineer.",
            visibility=Visibility.TIERS,
            is_published=True,
        ),
        "draft": Article.objects.create(
            title="Draft: new invoice layouts",
            slug="draft-layouts",
            category=erp,
            body="Not ready.",
        ),
    }
    articles["hotline"].tiers.set([SupportTier.objects.get(slug="privilege")])
    return articles
