"""The portal's pages: the customers' home and ticket list, and their query budgets."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledge.models import ReleaseNote
from sla.models import ClockState, Product, SLAClock, TargetKind
from tickets import services
from tickets.models import Status, Ticket

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
        response = client.get(reverse("portal_home"))

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
    page = client.get(reverse("portal_home")).content.decode()
    assert "Needs your answer" in page
    assert "Waiting for the logs" in page
    assert "Waiting for your answer" in page
    assert "Other open tickets of Acme Manufacturing" in page

    client.force_login(personas.user_a)
    plain_home = client.get(reverse("portal_home")).content.decode()
    assert "Other open tickets of Acme Manufacturing" not in plain_home

    client.force_login(agent)
    staff_page = client.get(reverse("portal_home")).content.decode()
    assert "Needs your answer" not in staff_page


def test_portal_home_announces_upcoming_maintenance_of_covered_products(
    client, personas, contracts
):
    _maintenance("Database upgrade window", products=[contracts["version"].product])
    _maintenance("Other product window", products=[Product.objects.create(name="Other")])
    client.force_login(personas.admin_a)

    page = client.get(reverse("portal_home")).content.decode()

    assert "Maintenance window" in page
    assert "Database upgrade window" in page
    assert "Other product window" not in page


# --- What we owe the customer ------------------------------------------------------------

BUDAPEST = ZoneInfo("Europe/Budapest")


def december(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=BUDAPEST)


def text(response) -> str:
    """The page's words, without markup, each run of white space one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def thursday(time_machine):
    """Thursday 3 December 2026, 10:00 in Budapest, before the contracts are made."""
    time_machine.move_to(december(3, 10), tick=False)
    return time_machine


def _breach(ticket: Ticket, kind: str = TargetKind.FIRST_RESPONSE) -> SLAClock:
    """What the sweep leaves at the deadline: the clock breached and still owed, and the
    ticket's deadline the earliest one it owes."""
    clock = SLAClock.objects.get(ticket=ticket, kind=kind)
    clock.state, clock.breached_at, clock.next_check_at = ClockState.BREACHED, clock.due_at, None
    clock.save()
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=clock.due_at, sla_breached=True)
    return clock


@pytest.fixture
def owed(thursday, personas, make_ticket):
    """On Sunday 6 December at noon: Arthur's first reply was due on Friday at 17:00 (one
    business day on Privilege S2) and is still owed; the one for his ticket logged on
    Friday at 10:00 is due on Monday at 17:00."""
    late = make_ticket(requester=personas.user_a, title="Late reply", severity="S2")
    assert _breach(late).due_at == december(4, 17)
    thursday.move_to(december(4, 10), tick=False)
    running = make_ticket(requester=personas.user_a, title="On time", severity="S2")
    assert running.sla_due_at == december(7, 17)
    thursday.move_to(december(6, 12), tick=False)
    return late, running


def test_customers_see_a_reply_overdue_since_its_deadline_everywhere(client, personas, owed):
    late, _running = owed
    client.force_login(personas.user_a)
    home = text(client.get(reverse("portal_home")))
    assert "Late reply" in home
    assert "reply overdue since Fri 4 Dec, 17:00" in home
    assert "next from us by Mon 7 Dec, 17:00" in home
    listed = text(client.get(LIST))
    assert "reply overdue since Fri 4 Dec, 17:00" in listed
    assert "next from us by Mon 7 Dec, 17:00" in listed
    page = text(client.get(reverse("ticket_detail", args=[late.reference])))
    assert "Reply overdue since Fri 4 Dec, 17:00 CET" in page
    # No business hour has passed since: breached, with no "by" yet.
    assert "First response Fri 4 Dec, 17:00 Breached, still owed" in page


def test_the_overdue_line_is_a_warning_in_words_not_only_in_colour(client, personas, owed):
    client.force_login(personas.user_a)
    html = client.get(LIST).content.decode()
    assert (
        '<strong class="sla-breached" data-testid="overdue"><i class="bi '
        'bi-exclamation-triangle-fill" aria-hidden="true"></i> reply overdue since'
    ) in html


def test_overdue_since_is_in_the_viewers_timezone(client, personas, owed):
    personas.user_a.timezone = "Europe/London"
    personas.user_a.save()
    client.force_login(personas.user_a)
    assert "reply overdue since Fri 4 Dec, 16:00" in text(client.get(LIST))


def test_a_running_deadline_still_reads_next_from_us_by(client, personas, owed):
    _late, running = owed
    client.force_login(personas.user_a)
    page = text(client.get(reverse("ticket_detail", args=[running.reference])))
    assert "First response due by Mon 7 Dec, 17:00 CET" in page
    assert "overdue" not in page


def test_nothing_is_owed_while_we_wait_on_the_customer(client, personas, owed):
    late, _running = owed
    Ticket.objects.filter(pk=late.pk).update(status=Status.WAITING_ON_CUSTOMER)
    client.force_login(personas.user_a)
    assert "overdue" not in text(client.get(LIST))
    assert "overdue" not in text(client.get(reverse("ticket_detail", args=[late.reference])))


def test_an_overdue_triage_is_a_reply_to_customers_and_never_named(
    client, personas, owed, contracts
):
    """Triage is internal: a customer reads a late acknowledgement as a late reply."""
    late, _running = owed
    first_response = SLAClock.objects.get(ticket=late, kind=TargetKind.FIRST_RESPONSE)
    SLAClock.objects.create(
        ticket=late,
        organization=late.organization,
        kind=TargetKind.TRIAGE,
        calendar=first_response.calendar,
        amount=15,
        unit="minutes",
        severity="S2",
        state=ClockState.BREACHED,
        started_at=december(3, 10),
        due_at=december(3, 10, 15),
        breached_at=december(3, 10, 15),
    )
    Ticket.objects.filter(pk=late.pk).update(sla_due_at=december(3, 10, 15))
    client.force_login(personas.user_a)
    listed = text(client.get(LIST))
    assert "reply overdue since Thu 3 Dec, 10:15" in listed
    page = text(client.get(reverse("ticket_detail", args=[late.reference])))
    # One line for the reply owed, from its earliest deadline.
    assert page.count("Reply overdue since") == 1
    assert "Reply overdue since Thu 3 Dec, 10:15 CET" in page
    assert "triage" not in page.lower()


def test_the_overdue_targets_kind_costs_no_query_per_row(
    client, personas, make_ticket, thursday, owed, django_assert_num_queries
):
    """The kind comes with the rows (a subquery), so the budget of the list holds."""
    thursday.move_to(december(3, 11), tick=False)
    for ticket in [make_ticket(requester=personas.user_a, severity="S2") for _ in range(5)]:
        _breach(ticket)
    thursday.move_to(december(6, 12), tick=False)
    client.force_login(personas.user_a)
    with django_assert_num_queries(4):
        listed = text(client.get(LIST))
    assert listed.count("reply overdue since") == 6
