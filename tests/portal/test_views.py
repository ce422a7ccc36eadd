"""The portal's pages: the customers' home and ticket list, and their query budgets."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledge.models import ReleaseNote
from sla.models import Product
from tickets import services

pytestmark = pytest.mark.django_db

LIST = reverse("portal_ticket_list")


def _many(make_ticket, personas, count):
    for number in range(count):
        requester = personas.user_a if number % 3 == 0 else personas.admin_a
        watchers = [personas.user_a] if number % 5 == 0 and requester != personas.user_a else []
        make_ticket(
            requester=requester,
            title=f"Ticket number {number}",
            severity=["S1", "S2", "S3"][number % 3],
            watchers=watchers,
        )


def _maintenance(title="Database upgrade window", products=()):
    note = ReleaseNote.objects.create(
        title=title,
        slug=title.lower().replace(" ", "-"),
        kind="maintenance",
        body="Short outage.",
        scheduled_for=timezone.now() + dt.timedelta(days=3),
        duration_minutes=90,
        published_at=timezone.now(),
    )
    note.products.set(products)
    return note


@pytest.mark.parametrize("count", [5, 60])
# The session, then the user with their membership and organisation in one query
# (accounts.backends.UserBackend), then the page's own.
@pytest.mark.parametrize(("role", "budget"), [("admin_a", 9), ("user_a", 8)])
def test_portal_home_answers_in_a_fixed_number_of_queries(
    client, personas, make_ticket, contracts, django_assert_num_queries, count, role, budget
):
    _many(make_ticket, personas, count)
    _maintenance(products=[contracts["version"].product])
    client.force_login(getattr(personas, role))

    with django_assert_num_queries(budget):
        response = client.get(reverse("home"))

    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 60])
@pytest.mark.parametrize(
    ("role", "query", "budget"),
    [
        ("admin_a", "", 5),
        ("admin_a", "?status=open&severity=S1&type=incident&q=number", 5),
        ("admin_a", "?requester={user_a}", 6),
        ("user_a", "", 4),
        ("user_a", "?status=open&q=ticket", 4),
    ],
)
def test_ticket_list_answers_in_a_fixed_number_of_queries(
    client, personas, make_ticket, django_assert_num_queries, count, role, query, budget
):
    _many(make_ticket, personas, count)
    client.force_login(getattr(personas, role))
    url = LIST + query.format(user_a=personas.user_a.pk)

    with django_assert_num_queries(budget):
        response = client.get(url)

    assert response.status_code == 200


def test_ticket_list_pages_by_25(client, personas, make_ticket):
    _many(make_ticket, personas, 30)
    client.force_login(personas.admin_a)

    first = client.get(LIST)
    second = client.get(LIST + "?page=2")

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "Page 1 of 2" in first.content.decode()


def test_ticket_list_shows_the_requester_filter_to_administrators_only(client, personas):
    client.force_login(personas.admin_a)
    assert 'name="requester"' in client.get(LIST).content.decode()

    client.force_login(personas.user_a)
    assert 'name="requester"' not in client.get(LIST).content.decode()


def test_searching_a_reference_opens_the_ticket(client, personas, make_ticket):
    ticket = make_ticket()
    client.force_login(personas.admin_a)

    response = client.get(LIST, {"q": ticket.reference.lower()})

    assert response.status_code == 302
    assert response["Location"] == reverse("ticket_detail", args=[ticket.reference])


def test_searching_words_lists_the_matching_tickets(client, personas, make_ticket):
    make_ticket(title="Payroll export rejected by the bank")
    make_ticket(title="Invoices cannot be posted")
    client.force_login(personas.admin_a)

    response = client.get(LIST, {"q": "payroll export"})

    assert response.status_code == 200
    titles = [t.title for t in response.context["page"].object_list]
    assert titles == ["Payroll export rejected by the bank"]


def test_searching_another_organisations_reference_does_not_reveal_it(
    client, personas, make_ticket
):
    theirs = make_ticket(requester=personas.admin_b, title="Globex secret")
    client.force_login(personas.admin_a)

    response = client.get(LIST, {"q": theirs.reference})

    assert response.status_code == 200
    assert "Globex secret" not in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_an_unknown_filter_value_is_ignored_rather_than_failing(client, personas, make_ticket):
    make_ticket()
    client.force_login(personas.admin_a)

    response = client.get(LIST, {"status": "exploded", "severity": "S9"})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


def test_staff_have_no_customer_ticket_list(client, personas):
    client.force_login(personas.agent)

    assert client.get(LIST).status_code == 403


def test_customer_home_is_the_portal_and_staff_home_is_not(client, personas, make_ticket):
    agent = personas.agent
    ticket = make_ticket(title="Waiting for the logs")
    services.ticket_transition(agent, ticket=ticket, action="acknowledge")
    services.ticket_transition(agent, ticket=ticket, action="wait_on_customer")

    client.force_login(personas.admin_a)
    page = client.get(reverse("home")).content.decode()
    assert "Needs your answer" in page
    assert "Waiting for the logs" in page
    assert "Waiting for your answer" in page
    assert "Open tickets of Acme Manufacturing" in page

    client.force_login(personas.user_a)
    assert "Open tickets of Acme Manufacturing" not in client.get(reverse("home")).content.decode()

    client.force_login(agent)
    staff_page = client.get(reverse("home")).content.decode()
    assert "Needs your answer" not in staff_page


def test_portal_home_announces_upcoming_maintenance_of_covered_products(
    client, personas, contracts
):
    _maintenance("Database upgrade window", products=[contracts["version"].product])
    _maintenance("Other product window", products=[Product.objects.create(name="Other")])
    client.force_login(personas.admin_a)

    page = client.get(reverse("home")).content.decode()

    assert "Maintenance window" in page
    assert "Database upgrade window" in page
    assert "Other product window" not in page
