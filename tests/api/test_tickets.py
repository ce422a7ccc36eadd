"""The tickets of the API: scoped exactly as the pages, written through the same
services, with cursor pages of a fixed number of queries, an idempotent creation and a
version check on replies."""

import pytest
from django.urls import reverse

from sla.models import SLAClock
from tickets.models import Reply, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def references(response) -> list[str]:
    return [ticket["reference"] for ticket in response.json()["results"]]


def test_each_role_lists_what_its_pages_show(api, personas, make_ticket):
    own = make_ticket(requester=personas.user_a)
    colleagues = make_ticket(requester=personas.admin_a)
    foreign = make_ticket(requester=personas.admin_b)
    url = reverse("api_tickets")
    assert references(api(personas.user_a).get(url)) == [own.reference]
    assert references(api(personas.admin_a).get(url)) == [colleagues.reference, own.reference]
    assert set(references(api(personas.agent).get(url))) == {
        own.reference,
        colleagues.reference,
        foreign.reference,
    }


def test_another_organisations_ticket_is_a_404_like_a_missing_one(api, personas, make_ticket):
    foreign = make_ticket(requester=personas.admin_b)
    customer = api(personas.admin_a)
    for name in ("api_ticket_detail", "api_ticket_replies"):
        assert customer.get(reverse(name, args=[foreign.reference])).status_code == 404
        assert customer.get(reverse(name, args=["ACME-99999"])).status_code == 404
    reply = customer.post(reverse("api_ticket_replies", args=[foreign.reference]), {"body": "Hi"})
    assert reply.status_code == 404
    assert not Reply.objects.filter(ticket=foreign).exists()


def test_the_detail_gives_the_customers_wording_and_a_version_etag(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a, severity="S2")
    response = api(personas.admin_a).get(reverse("api_ticket_detail", args=[ticket.reference]))
    body = response.json()
    assert body["reference"] == ticket.reference and body["severity"] == "S2"
    assert body["organization"] == {"code": "ACME", "name": personas.org_a.name}
    assert body["requester"]["email"] == personas.admin_a.email
    assert response["ETag"] == f'"{ticket.version}"'
    staff = api(personas.agent).get(reverse("api_ticket_detail", args=[ticket.reference]))
    assert body["status"] == staff.json()["status"] == "new"
    assert body["status_display"] != "" and staff.json()["status_display"] != ""


def test_filters_narrow_the_list_and_bad_values_say_what_is_allowed(api, personas, make_ticket):
    s1 = make_ticket(requester=personas.admin_a, severity="S1")
    make_ticket(requester=personas.admin_a, severity="S3")
    customer = api(personas.admin_a)
    url = reverse("api_tickets")
    assert references(customer.get(url, {"severity": "S1"})) == [s1.reference]
    assert len(references(customer.get(url, {"status": "open"}))) == 2
    assert references(customer.get(url, {"status": "closed"})) == []
    for bad in ({"severity": "S9"}, {"status": "gone"}):
        response = customer.get(url, bad)
        assert response.status_code == 400, bad
        assert set(response.json()) == set(bad)
    assert customer.get(url, {"cursor": "not-a-cursor"}).status_code == 404


def test_staff_filter_by_organisation_code(api, personas, make_ticket):
    make_ticket(requester=personas.admin_a)
    theirs = make_ticket(requester=personas.admin_b)
    response = api(personas.agent).get(reverse("api_tickets"), {"organization": "glbx"})
    assert references(response) == [theirs.reference]


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_takes_a_fixed_number_of_queries(
    api, personas, make_ticket, django_assert_num_queries, count
):
    for _ in range(count):
        make_ticket(requester=personas.admin_a)
    customer = api(personas.admin_a)
    # the token with its person, membership and organisation; its last use (once a
    # minute, here the first); the page of tickets
    with django_assert_num_queries(3):
        response = customer.get(reverse("api_tickets"), {"page_size": 10})
    assert len(references(response)) == min(count, 10)


def test_cursor_pages_walk_every_ticket_once(api, personas, make_ticket):
    made = {make_ticket(requester=personas.admin_a).reference for _ in range(7)}
    customer = api(personas.admin_a)
    seen, url, data = [], reverse("api_tickets"), {"page_size": 3}
    while url:
        page = customer.get(url, data).json()
        seen += [ticket["reference"] for ticket in page["results"]]
        url, data = page["next"], None
    assert sorted(seen) == sorted(made) and len(seen) == 7


def test_a_customer_logs_a_ticket_through_the_intake(api, personas, contracts):
    response = api(personas.admin_a).post(
        reverse("api_tickets"),
        {"title": "Invoices stuck", "description": "Posting fails.", "severity": "S2"},
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert ticket.organization == personas.org_a and ticket.requester == personas.admin_a
    assert ticket.reference.startswith("ACME-")
    assert SLAClock.objects.filter(ticket=ticket).exists()
    assert TicketEvent.objects.filter(ticket=ticket).exists()
    assert response["ETag"] == f'"{ticket.version}"'


def test_the_same_idempotency_key_returns_the_same_ticket(api, personas, contracts):
    customer = api(personas.admin_a)
    data = {"title": "Invoices stuck", "description": "Posting fails.", "severity": "S3"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "nagios-4711-2026-12-06"}
    first = customer.post(reverse("api_tickets"), data, **headers)
    second = customer.post(reverse("api_tickets"), data, **headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert Ticket.objects.filter(organization=personas.org_a).count() == 1
    bad = customer.post(reverse("api_tickets"), data, HTTP_IDEMPOTENCY_KEY="bad key!")
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()


def test_an_invalid_ticket_gets_field_errors_and_nothing_is_stored(api, personas, contracts):
    response = api(personas.admin_a).post(
        reverse("api_tickets"), {"title": "", "description": "x", "severity": "S7"}
    )
    assert response.status_code == 400
    assert {"title", "severity"} <= set(response.json())
    s1 = api(personas.admin_a).post(
        reverse("api_tickets"), {"title": "Down", "description": "All down.", "severity": "S1"}
    )
    assert s1.status_code == 400 and "business_impact" in s1.json()
    assert not Ticket.objects.exists()


def test_staff_log_for_a_contact_of_the_named_organisation_only(api, personas, contracts):
    agent = api(personas.agent)
    data = {"title": "Call", "description": "Phoned in.", "severity": "S3", "organization": "ACME"}
    stranger = agent.post(reverse("api_tickets"), {**data, "requester": personas.admin_b.email})
    assert stranger.status_code == 400 and "requester" in stranger.json()
    logged = agent.post(reverse("api_tickets"), {**data, "requester": personas.user_a.email})
    assert logged.status_code == 201
    ticket = Ticket.objects.get(reference=logged.json()["reference"])
    assert ticket.requester == personas.user_a and ticket.created_by == personas.agent


def test_replies_notes_and_the_version_check(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a)
    url = reverse("api_ticket_replies", args=[ticket.reference])
    customer, agent = api(personas.admin_a), api(personas.agent)
    note = agent.post(url, {"body": "Check the ledger lock.", "internal": True})
    assert note.status_code == 201 and note.json()["internal"] is True
    refused = customer.post(url, {"body": "Me too", "internal": True})
    assert refused.status_code == 403
    assert [r["body"] for r in customer.get(url).json()["results"]] == []
    assert [r["body"] for r in agent.get(url).json()["results"]] == ["Check the ledger lock."]
    ticket.refresh_from_db()
    stale = customer.post(url, {"body": "Any news?"}, HTTP_IF_MATCH=f'"{ticket.version - 1}"')
    assert stale.status_code == 412 and stale.json()["version"] == ticket.version
    fresh = customer.post(url, {"body": "Any news?"}, HTTP_IF_MATCH=f'"{ticket.version}"')
    assert fresh.status_code == 201
    assert [r["body"] for r in customer.get(url).json()["results"]] == ["Any news?"]
    empty = customer.post(url, {"body": "   "})
    assert empty.status_code == 400 and "body" in empty.json()


def test_the_schema_is_generated_without_a_warning(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yml")
    assert "/api/v1/tickets/{reference}/replies/" in (tmp_path / "s.yml").read_text()


def test_the_schema_is_served_and_valid(client):
    response = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/tickets/" in response.content.decode()
    docs = client.get(reverse("api_docs"))
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


def test_the_schema_is_built_once_per_language_and_hostile_parameters_change_nothing(
    client, monkeypatch
):
    from api.schema import SchemaView

    monkeypatch.setattr(SchemaView, "built", {})
    url = reverse("api_schema")
    first = client.get(url, {"format": "json"})
    assert first.status_code == 200 and list(SchemaView.built) == ["en"]

    def no_second_build(*args, **kwargs):
        raise AssertionError("the schema was built again")

    monkeypatch.setattr("drf_spectacular.generators.SchemaGenerator.get_schema", no_second_build)
    again = client.get(url, {"format": "json"})
    assert again.content == first.content
    # An unknown language is the visitor's own; the version parameter is not read.
    hostile = client.get(url, {"format": "json", "lang": "x" * 5000, "version": "EVIL-9"})
    assert hostile.status_code == 200 and hostile.content == first.content
    assert b"EVIL-9" not in hostile.content and list(SchemaView.built) == ["en"]


def test_errors_under_the_api_are_json_even_before_a_view(api, personas):
    customer = api(personas.admin_a)
    missing = customer.get("/api/v1/nothing-here/")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not found."}
    nul = customer.get(reverse("api_tickets") + "?status=%00")
    assert nul.status_code == 400 and "NUL character" in nul.json()["detail"]
    bad_reference = customer.get("/api/v1/tickets/%C2%84/")
    assert bad_reference.status_code == 404 and bad_reference["Content-Type"].startswith(
        "application/json"
    )


@pytest.mark.parametrize("count", [2, 12])
def test_the_conversation_takes_a_fixed_number_of_queries(
    api, personas, make_ticket, django_assert_num_queries, count
):
    ticket = make_ticket(requester=personas.admin_a)
    agent = api(personas.agent)
    url = reverse("api_ticket_replies", args=[ticket.reference])
    for n in range(count):
        assert agent.post(url, {"body": f"Update {n}", "internal": n % 2 == 1}).status_code == 201
    customer = api(personas.admin_a)
    # the token with its person; its last use; the ticket; the replies; their files
    with django_assert_num_queries(5):
        replies = customer.get(url).json()["results"]
    assert len(replies) == count // 2


def test_the_conversation_comes_in_cursor_pages_oldest_first(api, personas, make_ticket):
    ticket = make_ticket(requester=personas.admin_a)
    agent = api(personas.agent)
    url = reverse("api_ticket_replies", args=[ticket.reference])
    for n in range(3):
        assert agent.post(url, {"body": f"Update {n}"}).status_code == 201
    first = agent.get(url, {"page_size": 2}).json()
    assert [r["body"] for r in first["results"]] == ["Update 0", "Update 1"]
    second = agent.get(first["next"]).json()
    assert [r["body"] for r in second["results"]] == ["Update 2"] and second["next"] is None
    assert agent.get(url, {"page_size": 0}).status_code == 400
