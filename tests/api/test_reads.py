"""What the API reads besides tickets: organisations and their contracts, a ticket's SLA
clocks, the knowledge base, release notes and a person's notifications, each scoped as
its page is, each list in cursor pages of a fixed number of queries."""

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from knowledge.models import Article, Category, ReleaseNote
from notifications.models import Notification
from sla.models import Contract, Product, SLAClock, SupportTier
from tests import factories

pytestmark = pytest.mark.django_db

SERIAL = itertools.count()


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_customer_sees_their_own_organisation_staff_every_one(api, personas):
    own = results(api(personas.admin_a).get(reverse("api_organizations")))
    assert [o["code"] for o in own] == ["ACME"]
    assert [o["code"] for o in results(api(personas.user_a).get(reverse("api_organizations")))] == [
        "ACME"
    ]
    every = results(api(personas.agent).get(reverse("api_organizations")))
    assert [o["code"] for o in every] == ["ACME", "GLBX"]


def test_contracts_of_an_organisation_with_their_tier(api, personas, contracts):
    customer = api(personas.admin_a)
    found = results(customer.get(reverse("api_organization_contracts", args=["acme"])))
    assert [(c["licence_key"], c["tier"]["slug"]) for c in found] == [("KEY-ACME", "privilege")]
    assert found[0]["channels"] == ["portal", "email"]
    assert customer.get(reverse("api_organization_contracts", args=["GLBX"])).status_code == 404
    assert customer.get(reverse("api_organization_contracts", args=["NOPE"])).status_code == 404
    staff = results(api(personas.agent).get(reverse("api_organization_contracts", args=["GLBX"])))
    assert [c["licence_key"] for c in staff] == ["KEY-GLBX"]


def test_a_tickets_clocks_as_its_page_shows_them(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a, severity="S1")
    clocks = SLAClock.objects.filter(ticket=ticket).exclude(state="cancelled")
    assert clocks.exists()
    found = results(
        api(personas.admin_a).get(reverse("api_ticket_clocks", args=[ticket.reference]))
    )
    assert {(c["kind"], c["state"]) for c in found} == {(c.kind, c.state) for c in clocks}
    assert all(c["due_at"] for c in found if c["state"] == "running")
    foreign = make_ticket(requester=personas.admin_b)
    url = reverse("api_ticket_clocks", args=[foreign.reference])
    assert api(personas.admin_a).get(url).status_code == 404
    assert api(personas.agent).get(url).status_code == 200


def _article(tier=None, published=True) -> Article:
    category, _ = Category.objects.get_or_create(name="Ledger", slug="ledger")
    n = next(SERIAL)
    article = Article.objects.create(
        title=f"Article {n}",
        slug=f"article-{n}",
        category=category,
        body="How to post.",
        visibility="tiers" if tier else "public",
        is_published=published,
    )
    if tier:
        article.tiers.set([SupportTier.objects.get(slug=tier)])
    return article


def test_articles_are_those_the_knowledge_pages_show(api, personas, contracts):
    public, privilege, standard, draft = (
        _article(),
        _article(tier="privilege"),
        _article(tier="standard"),
        _article(published=False),
    )
    acme = api(personas.admin_a)
    assert {a["slug"] for a in results(acme.get(reverse("api_articles")))} == {
        public.slug,
        privilege.slug,
    }
    assert {a["slug"] for a in results(api(personas.admin_b).get(reverse("api_articles")))} == {
        public.slug,
        standard.slug,
    }
    staff = {a["slug"] for a in results(api(personas.agent).get(reverse("api_articles")))}
    assert staff == {public.slug, privilege.slug, standard.slug, draft.slug}
    body = acme.get(reverse("api_article", args=[privilege.slug]))
    assert body.status_code == 200 and body.json()["body"] == "How to post."
    for hidden in (standard, draft):
        assert acme.get(reverse("api_article", args=[hidden.slug])).status_code == 404


def _note(products=(), published=True) -> ReleaseNote:
    n = next(SERIAL)
    note = ReleaseNote.objects.create(
        title=f"Note {n}",
        slug=f"note-{n}",
        kind="upgrade",
        body="New.",
        published_at=timezone.now() if published else None,
    )
    note.products.set(products)
    return note


def test_release_notes_are_the_published_ones_for_the_persons_products(api, personas, contracts):
    ledger = contracts["version"].product
    other = Product.objects.create(name="Warehouse")
    general, for_ledger, for_other = _note(), _note([ledger]), _note([other])
    draft = _note(published=False)
    seen = results(api(personas.admin_a).get(reverse("api_release_notes")))
    assert [n["slug"] for n in seen] == [for_ledger.slug, general.slug]
    assert seen[0]["products"] == ["Ledgerline ERP"]
    staff = [n["slug"] for n in results(api(personas.agent).get(reverse("api_release_notes")))]
    assert staff == [for_other.slug, for_ledger.slug, general.slug]
    assert draft.slug not in staff


def _notification(user, n=None) -> Notification:
    n = next(SERIAL) if n is None else n
    return Notification.objects.create(
        recipient=user,
        organization=getattr(getattr(user, "membership", None), "organization", None),
        kind="reply_added",
        event_key=f"test:{n}",
        title=f"New reply {n}",
    )


def test_a_person_reads_their_own_notifications_and_marks_one_read(api, personas):
    mine, theirs = _notification(personas.admin_a), _notification(personas.admin_b)
    customer = api(personas.admin_a)
    assert [n["id"] for n in results(customer.get(reverse("api_notifications")))] == [mine.pk]
    read = customer.post(reverse("api_notification_read", args=[mine.pk]))
    assert read.status_code == 200 and read.json()["read_at"] is not None
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert customer.post(reverse("api_notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert (
        api(personas.agent).post(reverse("api_notification_read", args=[mine.pk])).status_code
        == 404
    )


def test_a_read_token_may_not_mark_a_notification_read(api, personas):
    mine = _notification(personas.admin_a)
    response = api(personas.admin_a, scope="read").post(
        reverse("api_notification_read", args=[mine.pk])
    )
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_bad_page_size_names_the_parameter(api, personas):
    response = api(personas.agent).get(reverse("api_organizations"), {"page_size": "0"})
    assert response.status_code == 400 and "page_size" in response.json()


# --- A fixed number of queries whatever the list's length -------------------------------------


def forget_last_use() -> None:
    """A token's last use is written once a minute: forgotten, each request counts it."""
    ApiToken.objects.update(last_used_at=None)


def _more_organizations(personas, contracts, n):
    for _ in range(n):
        factories.OrganizationFactory()


def _more_contracts(personas, contracts, n):
    tier = SupportTier.objects.get(slug="standard")
    for i in range(n):
        Contract.objects.create(
            organization=personas.org_a,
            tier=tier,
            valid_from=timezone.localdate().replace(year=2020 - i),
            valid_to=timezone.localdate().replace(year=2020 - i),
            licence_key=f"OLD-{next(SERIAL)}",
        )


def _more_articles(personas, contracts, n):
    for i in range(n):
        _article(tier="privilege" if i % 2 else None)


def _more_notes(personas, contracts, n):
    for _ in range(n):
        _note([contracts["version"].product])


def _more_notifications(personas, contracts, n):
    for _ in range(n):
        _notification(personas.agent)


# (list, who reads it, rows added, queries: always the token with its person and its last
# use; then what the reader's scope needs and the page)
LISTS = [
    ("api_organizations", "agent", _more_organizations, 3),
    ("api_organization_contracts", "admin_a", _more_contracts, 4),
    ("api_articles", "admin_a", _more_articles, 4),
    ("api_release_notes", "admin_a", _more_notes, 5),
    ("api_notifications", "agent", _more_notifications, 3),
]


@pytest.mark.parametrize(("name", "reader", "add", "queries"), LISTS, ids=[x[0] for x in LISTS])
def test_each_list_takes_the_same_queries_at_any_length(
    api, personas, contracts, django_assert_num_queries, name, reader, add, queries
):
    client = api(getattr(personas, reader))
    url = reverse(name, args=["ACME"]) if name == "api_organization_contracts" else reverse(name)
    lengths = []
    for n in (2, 12):
        add(personas, contracts, n)
        forget_last_use()
        with django_assert_num_queries(queries):
            lengths.append(len(results(client.get(url, {"page_size": 10}))))
    assert lengths[0] < lengths[1] == 10


def test_the_clock_list_takes_the_same_queries_at_any_length(
    api, personas, make_ticket, django_assert_num_queries
):
    ticket = make_ticket(requester=personas.admin_a, severity="S1")
    customer = api(personas.admin_a)
    url = reverse("api_ticket_clocks", args=[ticket.reference])
    lengths = []
    for copies in (0, 4):
        for clock in list(SLAClock.objects.filter(ticket=ticket))[:copies]:
            clock.pk = None
            clock.save()
        forget_last_use()
        # the token; its last use; the ticket; the page of clocks; the calendars
        with django_assert_num_queries(5):
            lengths.append(len(results(customer.get(url))))
    assert lengths[0] < lengths[1]
