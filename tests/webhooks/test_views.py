"""The webhook pages: a customer administrator manages their organisation's endpoints,
an administrator the vendor's; the secret is shown once; deliveries show their answers;
anyone else, and any other endpoint, is refused."""

import pytest
from django.urls import reverse

from webhooks import services
from webhooks.models import Delivery, DeliveryState, Endpoint, EventType

pytestmark = pytest.mark.django_db


def test_a_customer_administrator_adds_an_endpoint_and_sees_its_secret_once(
    client, personas, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    client.force_login(personas.admin_a)
    page = client.get(reverse("webhook_list")).content.decode()
    assert "SLA target about to be missed" not in page  # the vendor's alarm is not offered
    assert "SLA target missed" in page
    response = client.post(
        reverse("webhook_list"),
        {
            "url": "http://127.0.0.1:9/hooks",
            "description": "Jira sync",
            "events": [EventType.TICKET_CREATED, EventType.TICKET_REPLIED],
        },
        follow=True,
    )
    endpoint = Endpoint.objects.get()
    assert (endpoint.organization, endpoint.is_vendor) == (personas.org_a, False)
    assert endpoint.events == [EventType.TICKET_CREATED, EventType.TICKET_REPLIED]
    assert endpoint.secret in response.content.decode()
    again = client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in again and "Jira sync" in again


def test_a_private_address_is_refused_with_a_message(client, personas):
    client.force_login(personas.admin_a)
    response = client.post(
        reverse("webhook_list"),
        {"url": "https://127.0.0.1/hooks", "events": [EventType.TICKET_CREATED]},
    )
    assert response.status_code == 200
    assert "private or local address" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_an_administrator_registers_the_vendors_endpoint_for_every_organisation(
    client, personas, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    client.force_login(personas.administrator)
    response = client.post(
        reverse("webhook_list"),
        {
            "url": "http://127.0.0.1:9/",
            "organization": "",
            "events": [EventType.SLA_BREACHED, EventType.ESCALATION],
        },
    )
    assert response.status_code == 302
    endpoint = Endpoint.objects.get()
    assert (endpoint.organization, endpoint.is_vendor) == (None, True)
    listed = client.get(reverse("webhook_list")).content.decode()
    assert "every organisation" in listed


@pytest.mark.parametrize("who", ["user_a", "agent", "manager"])
def test_people_who_manage_no_webhooks_are_refused(client, personas, who):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("webhook_list")).status_code == 403


def test_another_organisations_endpoint_and_the_vendors_are_not_found(client, personas, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    globex = services.endpoint_create(
        personas.admin_b, organization=personas.org_b, url="http://127.0.0.1:9/",
        events=[EventType.TICKET_CREATED],
    )  # fmt: skip
    vendor = services.endpoint_create(
        personas.administrator, organization=personas.org_a, url="http://127.0.0.1:9/",
        events=[EventType.SLA_WARNING],
    )  # fmt: skip
    client.force_login(personas.admin_a)
    for endpoint in (globex, vendor):
        assert client.get(reverse("webhook_detail", args=[endpoint.pk])).status_code == 404
        for name in ("webhook_secret", "webhook_ping", "webhook_delete"):
            assert client.post(reverse(name, args=[endpoint.pk])).status_code == 404
    assert "127.0.0.1:9" not in client.get(reverse("webhook_list")).content.decode()
    assert Endpoint.objects.count() == 2


def test_deliveries_show_their_answer_and_a_failed_one_is_sent_again(
    client, personas, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    endpoint = services.endpoint_create(
        personas.admin_a, organization=personas.org_a, url="http://127.0.0.1:9/",
        events=[EventType.TICKET_CREATED],
    )  # fmt: skip
    delivery = Delivery.objects.create(
        endpoint=endpoint, organization=personas.org_a, event=EventType.TICKET_CREATED,
        event_key="ticket_created:1", payload={"type": "ticket.created"},
        state=DeliveryState.FAILED, attempts=16, response_status=502,
        response_body="Bad gateway from the proxy", last_error="The receiver answered 502.",
    )  # fmt: skip
    client.force_login(personas.admin_a)
    page = client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert "Failed · 502" in page and "Bad gateway from the proxy" in page
    only_delivered = client.get(
        reverse("webhook_detail", args=[endpoint.pk]), {"state": "delivered"}
    )
    assert "Bad gateway" not in only_delivered.content.decode()

    with django_capture_on_commit_callbacks(execute=False) as handed_over:
        response = client.post(reverse("webhook_delivery_retry", args=[endpoint.pk, delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    assert len(handed_over) == 1


# (A NUL anywhere in a request is refused before any view: tests/test_hostile_input.py.)
@pytest.mark.parametrize("state", ["nonsense", "'; DROP TABLE x;--", "a" * 5000])
def test_a_hostile_filter_shows_every_delivery(client, personas, settings, state):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    endpoint = services.endpoint_create(
        personas.admin_a, organization=personas.org_a, url="http://127.0.0.1:9/",
        events=[EventType.TICKET_CREATED],
    )  # fmt: skip
    client.force_login(personas.admin_a)
    response = client.get(reverse("webhook_detail", args=[endpoint.pk]), {"state": state})
    assert response.status_code == 200


def test_events_and_state_are_saved_and_the_endpoint_deleted(client, personas, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    endpoint = services.endpoint_create(
        personas.admin_a, organization=personas.org_a, url="http://127.0.0.1:9/",
        events=[EventType.TICKET_CREATED],
    )  # fmt: skip
    client.force_login(personas.admin_a)
    refused = client.post(
        reverse("webhook_detail", args=[endpoint.pk]),
        {"events": [EventType.SLA_WARNING], "is_active": "on"},
    )
    assert refused.status_code == 200 and "is not one of the available choices" in (
        refused.content.decode()
    )
    client.post(
        reverse("webhook_detail", args=[endpoint.pk]),
        {"description": "Chat", "events": [EventType.STATUS_CHANGED]},
    )
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.events, endpoint.is_active) == (
        "Chat", [EventType.STATUS_CHANGED], False,
    )  # fmt: skip
    client.post(reverse("webhook_delete", args=[endpoint.pk]))
    assert not Endpoint.objects.exists()


def test_an_administrator_sees_a_customers_endpoint_but_leaves_it_to_the_customer(
    client, personas, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    endpoint = services.endpoint_create(
        personas.admin_b, organization=personas.org_b, url="http://127.0.0.1:9/",
        events=[EventType.TICKET_CREATED], description="Globex chat",
    )  # fmt: skip
    secret = endpoint.secret
    client.force_login(personas.administrator)
    assert "Globex chat" in client.get(reverse("webhook_list")).content.decode()
    page = client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert "its administrator changes it" in page and "Send a test event" not in page
    assert secret not in page
    for name in ("webhook_secret", "webhook_ping", "webhook_delete", "webhook_detail"):
        assert client.post(reverse(name, args=[endpoint.pk])).status_code == 403, name
    endpoint.refresh_from_db()
    assert endpoint.secret == secret and not Delivery.objects.exists()
