"""Personal API tokens: created on the person's page and shown once, stored hashed, read
or read-and-write, and refused at once when revoked, expired or their person is gone."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership
from api import services
from api.authentication import PerTokenThrottle
from api.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_token_is_shown_once_and_only_its_hash_is_kept(client, personas):
    client.force_login(personas.admin_a)
    response = client.post(
        reverse("api_token_list"),
        {"name": "Nagios on mon-01", "scope": "write", "expires_in_days": "30"},
        follow=True,
    )
    page = response.content.decode()
    assert "Copy it now: it is not shown again." in page
    token = ApiToken.objects.get(user=personas.admin_a)
    raw = response.context["new_token"]["text"]
    assert raw.startswith(f"hd_{token.prefix}_") and raw in page
    assert raw not in token.key_hash and token.key_hash == services.token_hash(raw)
    assert token.scope == "write" and token.name == "Nagios on mon-01"
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    again = client.get(reverse("api_token_list")).content.decode()
    assert raw not in again and f"hd_{token.prefix}_…" in again


def test_a_token_without_a_name_is_refused_with_a_message(client, personas):
    client.force_login(personas.admin_a)
    response = client.post(
        reverse("api_token_list"), {"name": "  ", "scope": "read", "expires_in_days": "90"}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_token_signs_its_person_in_and_records_the_use(client, personas):
    token, raw = services.api_token_create(personas.admin_a, name="CI")
    response = client.get(reverse("api_tickets"), **bearer(raw))
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token, user: services.api_token_revoke(user, token=token),
        lambda token, user: ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        ),
        lambda token, user: user.__class__.objects.filter(pk=user.pk).update(is_active=False),
    ],
    ids=["revoked", "expired", "person deactivated"],
)
def test_a_spoiled_token_stops_working_at_once(client, personas, spoil):
    token, raw = services.api_token_create(personas.admin_a, name="CI")
    assert client.get(reverse("api_tickets"), **bearer(raw)).status_code == 200
    spoil(token, personas.admin_a)
    response = client.get(reverse("api_tickets"), **bearer(raw))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "not valid" in response.json()["detail"]


def test_a_contact_deactivated_by_their_administrator_loses_their_tokens(client, personas):
    _, raw = services.api_token_create(personas.user_a, name="CI")
    account_services.contact_set_active(
        personas.admin_a, membership=personas.user_a.membership, active=False
    )
    assert client.get(reverse("api_tickets"), **bearer(raw)).status_code == 401


def test_a_removed_membership_leaves_the_token_seeing_nothing(client, personas, make_ticket):
    ticket = make_ticket(requester=personas.user_a)
    _, raw = services.api_token_create(personas.user_a, name="CI")
    assert len(client.get(reverse("api_tickets"), **bearer(raw)).json()["results"]) == 1
    Membership.objects.filter(user=personas.user_a).delete()
    response = client.get(reverse("api_tickets"), **bearer(raw))
    assert response.status_code == 200 and response.json()["results"] == []
    detail = reverse("api_ticket_detail", args=[ticket.reference])
    assert client.get(detail, **bearer(raw)).status_code == 404


@pytest.mark.parametrize("raw", ["", "hd_", "hd_nothere_x", "Basic abc", "hd_" + "a" * 500])
def test_a_forged_token_is_a_401(client, personas, raw):
    services.api_token_create(personas.admin_a, name="CI")
    response = client.get(reverse("api_tickets"), **bearer(raw))
    assert response.status_code == 401


def test_a_token_with_the_right_prefix_and_a_wrong_secret_is_a_401(client, personas):
    token, raw = services.api_token_create(personas.admin_a, name="CI")
    response = client.get(reverse("api_tickets"), **bearer(raw[:-4] + "AAAA"))
    assert response.status_code == 401


def test_no_credentials_is_a_401_that_asks_for_a_bearer_token(client, personas):
    response = client.get(reverse("api_tickets"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_read_token_cannot_write(client, personas, contracts):
    _, raw = services.api_token_create(personas.admin_a, name="Dashboard", scope="read")
    response = client.post(
        reverse("api_tickets"),
        {"title": "Printer", "description": "Jams.", "severity": "S3"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403
    assert "may only read" in response.json()["detail"]


def test_only_the_owner_revokes_a_token(client, personas):
    token, raw = services.api_token_create(personas.admin_a, name="CI")
    client.force_login(personas.user_a)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    client.force_login(personas.admin_a)
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert "is revoked: it no longer works" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_person_has_at_most_twenty_live_tokens(personas):
    for n in range(services.MAX_TOKENS):
        services.api_token_create(personas.agent, name=f"tool {n}")
    with pytest.raises(Exception, match="revoke one you no longer use"):
        services.api_token_create(personas.agent, name="one more")


def test_tokens_are_throttled_per_token(client, personas, monkeypatch):
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"token": "3/min"})
    _, first = services.api_token_create(personas.admin_a, name="one")
    _, second = services.api_token_create(personas.admin_a, name="two")
    codes = [client.get(reverse("api_tickets"), **bearer(first)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get(reverse("api_tickets"), **bearer(second)).status_code == 200
